#!/usr/bin/env bash
# Alternates the SOP-size evaluation of simforge and PML's AccuracyCalculator on the same data: PML, simforge,
# simforge, PML (so neither side always runs first), each under /usr/bin/time -v; logs go to the current folder.
# Usage: bench/pml/rounds.sh DATA_DIR [SIMFORGE_JAR] [VENV]
#   DATA_DIR: embeddings.npy and labels.npy written by `simforge bench eval --noise 2.5 --save DATA_DIR`
set -u
data=$1
jar=${2:-$(cd "$(dirname "$0")/../.." && pwd)/cli/target/simforge-cli.jar}
venv=${3:-/work/venv}
here=$(cd "$(dirname "$0")" && pwd)
load() { cut -d' ' -f1-3 /proc/loadavg; }
sf() {
  echo "== simforge $1 $(date -u +%T) load $(load)"
  /usr/bin/time -v java -Xmx4g --add-modules jdk.incubator.vector -Dai.djl.offline=true -jar "$jar" bench eval \
      --noise 2.5 > "sf$1.out" 2> "sf$1.err"
  grep -E 'Elapsed|Maximum resident|User time|System time|Percent of CPU' "sf$1.err"
}
pml() {
  echo "== pml $1 $(date -u +%T) load $(load)"
  /usr/bin/time -v "$venv/bin/python" "$here/eval.py" "$data" --threads 2 > "pml$1.out" 2> "pml$1.err"
  grep -E 'Elapsed|Maximum resident|User time|System time|Percent of CPU' "pml$1.err"
}
pml 1; sf 1; sf 2; pml 2
echo "== end $(date -u +%T) load $(load)"
