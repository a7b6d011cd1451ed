#!/usr/bin/env bash
# Writes flopscope's man page from its own --help (help2man), with a COMMANDS section holding each
# subcommand's --help, and the exit codes from docs/cli.md's table, so the page always says what the
# binary does. Run by the build:
#   make-manpage.sh BINARY CLI.md OUTPUT.1
set -euo pipefail
binary=$1 cli_doc=$2 output=$3
include=$(mktemp)
trap 'rm -f "$include"' EXIT
{
  echo "[COMMANDS]"
  # The subcommand names, from the "Subcommands:" list of the top-level help.
  "$binary" --help | sed -n '/^Subcommands:/,$p' | awk 'NR > 1 && /^  [a-z]/ {print $1}' | while read -r command; do
    echo ".SS $command"
    echo ".nf"
    "$binary" "$command" --help | sed -e 's/\\/\\\\/g' -e 's/^\./\\\&./'
    echo ".fi"
  done
  echo "[EXIT STATUS]"
  # Rows "| 3 | model path missing, ... |" of the exit-code table.
  sed -n 's/^| \([0-9][0-9]*\) | \(.*\) |$/.TP\n\1\n\2/p' "$cli_doc" | tr -d '`'
  cat <<'TEXT'
[FILES]
.TP
/usr/share/flopscope/hardware/*.json
hardware presets (peaks per precision, memory bandwidth, sources); flopscope hardware --measure
caches this machine's as this-machine.
[SEE ALSO]
/usr/share/doc/flopscope/README.md and /usr/share/doc/flopscope/docs/.
TEXT
} >"$include"
help2man --no-info --name="exact FLOPs, MACs and parameters of TorchScript models" --include="$include" \
  --output="$output" "$binary"
