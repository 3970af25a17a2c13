#!/usr/bin/env bash
# The emoji table of docs/results.md: each loss × seeds trained on the train split of the cross-style emoji dataset
# (`simforge data emoji`), evaluated on the test split (classes never trained on) next to the raw pixels and the
# untrained network, then summarised as a Markdown table (mean ± standard deviation over seeds).
#
#   tools/emoji-results.sh DATA OUT [ITERATIONS] [SEEDS] [VARIANTS]
#   tools/emoji-results.sh ~/data/emoji runs/emoji-table 3000 "1 2 3" "ms ms-ee triplet contrastive"
#
# A run whose metrics.json exists is not repeated, so the script resumes after an interruption.
set -euo pipefail
data=${1:?dataset folder (simforge data emoji --out)}
out=${2:?output folder}
iterations=${3:-3000}
seeds=${4:-1 2 3}
variants=${5:-ms ms-ee triplet contrastive}
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
config=${EMOJI_CONFIG:-$root/configs/emoji-convnet.json}
mkdir -p "$out"
for seed in $seeds; do
  for variant in $variants; do
    run="$out/$variant-s$seed"
    [ -f "$run/metrics.json" ] && continue
    case "$variant" in
      ms-ee) flags=(--loss ms --ee) ;;
      *-ee) flags=(--loss "${variant%-ee}" --ee) ;;
      *) flags=(--loss "$variant") ;;
    esac
    if [ ! -d "$run/model" ]; then
      rm -rf "$run"
      "$root/simforge" train --images "$data/train" --no-centre-crop --config "$config" --seed "$seed" \
          --iterations "$iterations" "${flags[@]}" -o "$run"
    fi
    "$root/simforge" eval -m "$run" --images "$data/test" --baselines --seed "$seed"
  done
done
python3 "$root/tools/results-table.py" "$out"
