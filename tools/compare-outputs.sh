#!/bin/bash
# Runs two flopscope binaries over the bundled models and shows every byte in which their reports
# differ: the check that a refactoring kept the JSON, CSV, HTML, Markdown and terminal outputs.
#
#   tools/compare-outputs.sh OLD_BINARY NEW_BINARY [WORKDIR]
#
# Keep a copy of the binary before a change (`cp build/flopscope /tmp/flopscope-before`; it is linked
# statically against the library), rebuild, then compare. Every format is compared byte for byte, less
# what a clock measures (the JSON's "timing", the CSV's "seconds" column, the durations of the
# forward and backward time lines). Exit 0: identical; 1: a difference (printed as a unified diff); 2: usage.
set -euo pipefail

if [[ $# -lt 2 || ! -x "$1" || ! -x "$2" ]]; then
  echo "usage: tools/compare-outputs.sh OLD_BINARY NEW_BINARY [WORKDIR]" >&2
  exit 2
fi
old=$(realpath "$1")
new=$(realpath "$2")
work=${3:-$(mktemp -d /tmp/flopscope-compare.XXXXXX)}
root=$(cd "$(dirname "$0")/.." && pwd)
models=$root/torchscript_models

# Every report written by one binary into one folder; the file name says the command.
write_reports() {
  local bin=$1 out=$2
  rm -rf "$out" && mkdir -p "$out"
  cd "$out"
  local m name
  for m in "$models"/test/*.pt "$models"/torch2/test/*.pt; do
    [[ -f ${m%.pt}.json ]] || continue
    name=$(basename "$(dirname "$m")")-$(basename "$m" .pt)
    "$bin" analyze "$m" --dry-run --crosscheck -f json -o "$name.dry.json" 2>"$name.dry.err" || echo "exit $?" >>"$name.dry.err"
    "$bin" analyze "$m" --crosscheck -f json -o "$name.real.json" 2>"$name.real.err" || echo "exit $?" >>"$name.real.err"
    "$bin" analyze "$m" --crosscheck -f csv -o "$name.real.csv" 2>>"$name.real.err" || true
  done
  local vit=$models/openclip/ViT-B-16.pt
  for format in table json csv markdown html; do
    "$bin" analyze "$vit" --dry-run --crosscheck --hardware h100-sxm,rtx4090 --precision fp32,bf16 --fps 30 \
      --tower image=visual -f "$format" -o "vit.$format" 2>>vit.err || echo "exit $?" >>vit.err
  done
  "$bin" analyze "$vit" --dry-run --chart vit-roofline.svg --hardware h100-sxm -o /dev/null 2>>vit.err || true
  "$bin" analyze "$models/test/training.pt" --dry-run --training -f json -o training.json 2>>training.err || true
  "$bin" analyze "$models/test/training.pt" --dry-run --training -o training.table 2>>training.err || true
  "$bin" analyze "$models/openclip/ViT-B-32.pt" --dry-run --training --loss clip --freeze visual -f html \
    -o training-clip.html 2>>training.err || true
  "$bin" analyze "$models/torchvision/resnet18.pt" --dry-run -f json -o resnet18.json 2>>resnet18.err || true
  "$bin" analyze "$models/torch2/openclip/ViT-B-16.pt" --dry-run -f json -o torch2-vit.json 2>>vit.err || true
  for format in table json csv; do
    "$bin" sweep "$models/test/convnet.pt" --dry-run -b 1,2,4 -f "$format" -o "sweep.$format" 2>>sweep.err || true
  done
  "$bin" sweep "$vit" --dry-run --vary 0:2,3=160,224 --chart sweep.svg -o /dev/null 2>>sweep.err || true
  "$bin" analyze "$models/openclip/ViT-L-14.pt" --dry-run -f json -o vit-l.json 2>>diff.err || true
  "$bin" analyze "$models/openclip/ViT-L-14-336.pt" --dry-run -f json -o vit-l-336.json 2>>diff.err || true
  for format in table json; do
    "$bin" diff vit-l.json vit-l-336.json -f "$format" -o "diff.$format" 2>>diff.err || true
  done
  "$bin" formulas >formulas.md 2>formulas.err || true
  "$bin" --help >help.txt 2>&1 || true
  for command in analyze sweep zoo planning diff hardware formulas; do "$bin" $command --help >"help-$command.txt" 2>&1 || true; done
  "$bin" analyze "$vit" --bogus >usage.out 2>usage.err || echo "exit $?" >>usage.err
  "$bin" analyze "$vit" --dry-run --tower nope=nowhere >tower.out 2>tower.err || echo "exit $?" >>tower.err
  "$bin" analyze "$models/test/odd.pt" --strict -o strict.table 2>strict.err || echo "exit $?" >>strict.err
  "$bin" zoo "$models/test" --dry-run -f json -o zoo.json 2>zoo.err || echo "exit $?" >>zoo.err
  "$bin" hardware >hardware.txt 2>hardware.err || true
  "$bin" analyze /nonexistent.pt >missing.out 2>missing.err || echo "exit $?" >>missing.err
  # What a clock measures is left out: the JSON's "timing" object, the CSV's "seconds" column, and the
  # durations on the time lines of the table, Markdown and HTML.
  python3 - "$out" <<'PY'
import csv, io, json, pathlib, re, sys
time_line = re.compile(r"^(.*(?:forward|backward) time.*?)[0-9.]+ (?:ms|s|us|µs|min)", re.M)
for path in pathlib.Path(sys.argv[1]).iterdir():
    text = path.read_text(errors="replace")
    if path.suffix == ".json" and text.startswith("{"):
        report = json.loads(text)
        report.pop("timing", None)
        text = json.dumps(report, indent=1) + "\n"
    elif path.suffix == ".csv" and ".real." in path.name:
        rows = list(csv.reader(io.StringIO(text)))
        keep = [i for i, name in enumerate(rows[0]) if name != "seconds"] if rows else []
        buffer = io.StringIO()
        csv.writer(buffer, lineterminator="\n").writerows([[row[i] for i in keep if i < len(row)] for row in rows])
        text = buffer.getvalue()
    elif path.suffix in (".table", ".markdown", ".html"):
        text = time_line.sub(lambda m: m.group(1) + "TIME", text)
    path.write_text(text)
PY
  cd - >/dev/null
}

write_reports "$old" "$work/old"
write_reports "$new" "$work/new"
# The binaries' own paths appear in error messages and invocations; they are the one expected difference.
sed -i "s#$old#BINARY#g" "$work"/old/* && sed -i "s#$new#BINARY#g" "$work"/new/*
count=$(ls "$work/new" | wc -l)
if diff -ru "$work/old" "$work/new"; then
  echo "identical: $count reports in $work/{old,new}"
else
  echo "the outputs differ (above); reports in $work/{old,new}" >&2
  exit 1
fi
