#!/bin/bash
# The benchmark runs behind docs/benchmarks.md "Choosing the default normalisation" and the scenario tables (issue 14),
# one after another; rerunning resumes (finished cells are kept). Outputs: bench/<name>/ (not committed; its
# results.json is copied to benchmarks/results/<name>.json and its figures to docs/img/ by hand). The finished
# cells are also kept in benchmarks/results/<name>_cells/ (committed), and a run starts from them: a grid that
# spans sessions goes on from a fresh checkout.
# usage: benchmarks/evaluation_runs.sh [NAME ...]    (default: all, in this order)
set -u
cd "$(dirname "$0")/.."
. .venv/bin/activate
export PYTHONWARNINGS=ignore
CWRU=cwru:../shared/data/cwru
UESTC=uestc:../shared/data/uestc
FAULTS=B007,B014,B021,IR007,IR014,IR021,OR007,OR014,OR021
declare -A ARGS=(
  [cwru_within_zscore]="--data $CWRU --snr -10:5"
  [uestc_within_zscore]="--data $UESTC --snr -10:5 --stride 2048 --eval-stride 2048"
  [uestc_within_none]="--data $UESTC --snr -10:5 --stride 2048 --eval-stride 2048 --normalize none"
  [cwru_cross_load]="--data $CWRU --data-arg loads=[0,1,2,3] --data-arg classes=[$FAULTS] --scenario cross-condition --models resnet_paper,drsn_cw_paper --noise gaussian,pink --seeds 0,1,2 --snr -10:5 --stride 1024 --eval-stride 1024"
  [uestc_cross_speed]="--data $UESTC --scenario cross-condition --models resnet_paper,drsn_cw_paper --noise gaussian,pink --seeds 0,1,2 --snr -10:5 --stride 2048 --eval-stride 2048"
  [cwru_to_uestc]="--data $CWRU --test-data $UESTC --scenario cross-dataset --labels fault --target-rate 12000 --models resnet_paper,drsn_cw_paper --noise gaussian,pink --seeds 0,1,2 --snr -10:5 --eval-stride 1024"
  [uestc_to_cwru]="--data $UESTC --test-data $CWRU --scenario cross-dataset --labels fault --target-rate 12000 --models resnet_paper,drsn_cw_paper --noise gaussian,pink --seeds 0,1,2 --snr -10:5 --stride 1024 --eval-stride 1024"
)
ORDER="cwru_within_zscore uestc_within_zscore cwru_cross_load uestc_cross_speed uestc_within_none cwru_to_uestc uestc_to_cwru"
mkdir -p bench
for name in ${@:-$ORDER}; do
  kept="benchmarks/results/${name}_cells"
  mkdir -p "bench/$name/cells"
  [ -d "$kept" ] && cp -n "$kept"/*.json "bench/$name/cells/" 2>/dev/null
  echo "$(date -u +%FT%TZ) start $name" >> bench/queue.log
  start=$(date +%s)
  # shellcheck disable=SC2086 (the arguments are meant to split)
  deepshrink benchmark ${ARGS[$name]} --workers 2 --threads-per-worker 1 --out "bench/$name" > "bench/$name.log" 2>&1
  rc=$?
  echo "$(date -u +%FT%TZ) end $name rc=$rc $(( $(date +%s) - start )) s" >> bench/queue.log
  mkdir -p "$kept" && cp "bench/$name/cells/"*.json "$kept/" 2>/dev/null
done
