# Bash completion for flopscope: subcommands, and each subcommand's options as its own --help lists
# them, so the completion follows the installed binary without a list of its own to keep up to date.
_flopscope() {
  local cur=${COMP_WORDS[COMP_CWORD]} command="" word
  for word in "${COMP_WORDS[@]:1:COMP_CWORD-1}"; do
    case $word in -*) ;; *) command=$word; break ;; esac
  done
  if [ -z "$command" ]; then
    local commands
    commands=$("${COMP_WORDS[0]}" --help 2>/dev/null | sed -n '/^Subcommands:/,$p' | awk 'NR > 1 && /^  [a-z]/ {print $1}')
    mapfile -t COMPREPLY < <(compgen -W "$commands --help --version" -- "$cur")
  elif [[ $cur == -* ]]; then
    local options
    # The option names that start a help line ("  -i,--input TEXT ..."), not options a description mentions.
    options=$("${COMP_WORDS[0]}" "$command" --help 2>/dev/null | awk '/^  -/ {print $1}' | tr ',' '\n')
    mapfile -t COMPREPLY < <(compgen -W "$options" -- "$cur")
  else
    mapfile -t COMPREPLY < <(compgen -f -- "$cur")
    compopt -o filenames 2>/dev/null
  fi
}
complete -F _flopscope flopscope
