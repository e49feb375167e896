/**
 * The shell side of `nxrun completion bash|zsh|fish`: each script sends the command line up to the
 * cursor to `nxrun __complete <shell> <line>` and offers what comes back (complete.ts). Lines are
 * `value` or `value<TAB>description`; `::pipelines` asks the shell for *.yaml / *.yml files and
 * directories, `::files` for any file, so quoting, `~` and directories stay the shell's business.
 * A value ending in `=` (`-i name=`) gets no space after it.
 *
 * Written here rather than taken from tabtab or omelette, after reading both: tabtab 3.0.2 (mklabs)
 * has had no release since 2018 and pulls in inquirer 6, mkdirp 0.5 and es6-promisify; its kept
 * fork @pnpm/tabtab loads enquirer on every TAB and its file fallback (`__tabtab_complete_files__`,
 * `compgen -f -- "$cword"`, the word's index not the word) cannot keep to *.yaml; omelette's bash
 * script needs bash-completion's _get_comp_words_by_ref, re-joins the line with spaces in Node (a
 * quoted path breaks) and has no file completion. What both would give us is these ~70 lines of
 * shell; the word lists come from commander's own metadata (complete.ts), which neither reads.
 */
export const SHELLS = ["bash", "zsh", "fish"] as const;
export type Shell = (typeof SHELLS)[number];

const BASH = `# nxrun completion for bash. Load it with: eval "$(nxrun completion bash)"   (e.g. in ~/.bashrc)
_nxrun_complete() {
  local cur=\${COMP_WORDS[COMP_CWORD]} line f
  # bash splits words at = and :; the word to complete is what follows the last of them.
  [[ $cur == "=" || $cur == ":" ]] && cur=""
  COMPREPLY=()
  while IFS= read -r line; do
    case $line in
      ::pipelines)
        compopt -o filenames 2>/dev/null
        while IFS= read -r f; do COMPREPLY+=("$f"); done < <(compgen -d -- "$cur"; compgen -f -X '!*.yaml' -- "$cur"; compgen -f -X '!*.yml' -- "$cur")
        ;;
      ::files)
        compopt -o filenames 2>/dev/null
        while IFS= read -r f; do COMPREPLY+=("$f"); done < <(compgen -f -- "$cur")
        ;;
      *)
        line=\${line%%$'\\t'*}
        COMPREPLY+=("$line")
        [[ $line == *= ]] && compopt -o nospace 2>/dev/null
        ;;
    esac
  done < <("\${COMP_WORDS[0]}" __complete bash "\${COMP_LINE:0:COMP_POINT}" 2>/dev/null)
  return 0
}
complete -F _nxrun_complete nxrun
`;

const ZSH = `#compdef nxrun
# nxrun completion for zsh. Load it with: eval "$(nxrun completion zsh)" after compinit (e.g. in ~/.zshrc),
# or save it as _nxrun in a directory of $fpath.
_nxrun() {
  local -a out vals descs eqvals
  local line v
  out=("\${(@f)$("\${words[1]}" __complete zsh "\${BUFFER[1,CURSOR]}" 2>/dev/null)}")
  for line in "\${out[@]}"; do
    case $line in
      ::pipelines) _files -g '*.(yaml|yml)' ;;
      ::files) _files ;;
      '') ;;
      *)
        v=\${line%%$'\\t'*}
        if [[ $v == *= ]]; then
          eqvals+=("$v")
        else
          vals+=("$v")
          descs+=("\${line/$'\\t'/  -- }")
        fi
        ;;
    esac
  done
  (( \${#vals} )) && compadd -l -d descs -- "\${vals[@]}"
  (( \${#eqvals} )) && compadd -S '' -- "\${eqvals[@]}"
  return 0
}
if [[ "\${funcstack[1]}" == "_nxrun" ]]; then
  _nxrun "$@"
else
  compdef _nxrun nxrun
fi
`;

const FISH = `# nxrun completion for fish. Load it with: nxrun completion fish | source
# (or save it as ~/.config/fish/completions/nxrun.fish)
# Files come from fish's own file completion (of a command that has none), so ~, quotes and escapes
# work as everywhere; pipelines are kept to directories and *.yaml / *.yml (fish 3.6's
# __fish_complete_suffix lists every other file after the matching ones).
function __nxrun_complete
    set -l token (commandline -ct)
    for line in (nxrun __complete fish (commandline -cp) 2>/dev/null)
        switch $line
            case '::pipelines'
                complete -C "__nxrun_files $token" | string match -r -- '^[^\\t]*(?:\\.ya?ml|/)(?:\\t.*)?$'
            case '::files'
                complete -C "__nxrun_files $token"
            case '*'
                printf '%s\\n' $line
        end
    end
end
complete -c nxrun -f -a '(__nxrun_complete)'
`;

export function completionScript(shell: Shell): string {
  switch (shell) {
    case "bash":
      return BASH;
    case "zsh":
      return ZSH;
    case "fish":
      return FISH;
    default: {
      const unknown: never = shell;
      throw new Error(`unknown shell ${String(unknown)}`);
    }
  }
}
