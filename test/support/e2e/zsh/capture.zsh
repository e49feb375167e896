# Sourced by the interactive zsh that completion-zsh.ts starts under zpty (drive.zsh): the real
# completion system (compinit), nxrun's script, and a compadd that also writes each match it adds to
# $CAPTURE as it would stand on the line, one a line, with "<nospace>" after a match added with `-S ''`. The capture starts empty at
# each completion and ends with "::done"; nothing is inserted or listed on the line.
autoload -Uz compinit && compinit -u -D
eval "$(nxrun completion zsh)"
bindkey '^I' complete-word
zstyle ':completion:*' insert-tab false
zstyle ':completion:*' list-grouped false
_capture_begin() { : >| $CAPTURE }
_capture_end() {
  print -r -- "::done" >> $CAPTURE
  compstate[insert]=''
  compstate[list]=''
}
compprefuncs=(_capture_begin)
comppostfuncs=(_capture_end)
compadd() {
  # -O, -A and -D only fill arrays (the completion functions use them to filter): nothing is added.
  if [[ ${@[1,(i)(-|--)]} == *-(O|A|D)\ * ]]; then
    builtin compadd "$@"
    return $?
  fi
  local -a hits
  builtin compadd -A hits "$@"
  local -A opts
  zparseopts -E -A opts P: p: S:
  local h word
  for h in $hits; do
    # As it would stand on the line: the prefixes compadd was given (a path's directory) and the match.
    word="$IPREFIX${opts[-P]}${opts[-p]}$h"
    if (( ${+opts[-S]} )) && [[ -z ${opts[-S]} ]]; then
      print -r -- "$word<nospace>" >> $CAPTURE
    else
      print -r -- "$word" >> $CAPTURE
    fi
  done
  builtin compadd "$@"
}
