# zsh -f drive.zsh CAPTURE_SETUP LINE: types LINE and a TAB into an interactive zsh on a
# pseudo-terminal (zsh/zpty) set up by capture.zsh, waits for the completion to finish, and prints
# what it offered (the capture file). Prints "::timeout" when the completion never finished.
zmodload zsh/zpty
local setup=$1 line=$2
export CAPTURE=${TMPDIR:-/tmp}/nxrun-zsh-capture-$$
rm -f $CAPTURE
zpty z zsh -f -i
zpty -w z "source ${(q)setup}"
zpty -w -n z "$line"$'\t'
integer i
for (( i = 0; i < 600; i++ )); do
  [[ -f $CAPTURE && $(<$CAPTURE) == *::done ]] && break
  sleep 0.05
done
zpty -d z
if [[ -f $CAPTURE && $(<$CAPTURE) == *::done ]]; then
  print -r -- "$(<$CAPTURE)"
else
  print -r -- "::timeout"
fi
rm -f $CAPTURE
