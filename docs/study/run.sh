#!/usr/bin/env bash
# Reproduces docs/study.md: starts a local stack, trains the study's runs with telemetry, writes a
# `canyon report` of each, and copies the figures and numbers the study shows into docs/study/
# (figures/ and numbers/). About 15 minutes on 2 cores. Scratch data (the stack, the full reports)
# goes to $CANYON_STUDY_DIR (default .canyon-study, removed first); Kafka listens on
# $CANYON_STUDY_KAFKA_PORT (default 19092), InfluxDB on $CANYON_STUDY_INFLUX_PORT (default 18086).
#
#   docs/study/run.sh                  train and report (everything)
#   docs/study/run.sh --reports-only   keep the recorded topics of an earlier run, only report again
set -euo pipefail
cd "$(dirname "$0")/../.."
work="${CANYON_STUDY_DIR:-.canyon-study}"
kafka="localhost:${CANYON_STUDY_KAFKA_PORT:-19092}"
reports_only=false
[[ "${1:-}" == "--reports-only" ]] && reports_only=true
if $reports_only; then
  [[ -d "$work/stack" ]] || { echo "run.sh: --reports-only needs the recorded topics of an earlier run in $work/stack" >&2; exit 1; }
  rm -rf "$work/reports"
else
  rm -rf "$work"
fi
mkdir -p "$work/reports" docs/study/figures docs/study/numbers

./canyon --version >/dev/null # builds the jar first if it is missing or stale (minutes), before the stack is timed
./canyon stack --data-dir "$work/stack" --kafka-port "${CANYON_STUDY_KAFKA_PORT:-19092}" \
  --influx-port "${CANYON_STUDY_INFLUX_PORT:-18086}" --flink-port 0 --ui-port 0 >"$work/stack.log" 2>&1 &
stack=$!
trap 'kill $stack 2>/dev/null; wait $stack 2>/dev/null || true' EXIT
for _ in $(seq 240); do
  grep -q "stack is up" "$work/stack.log" && break
  kill -0 $stack 2>/dev/null || { cat "$work/stack.log" >&2; exit 1; }
  sleep 0.5
done
grep -q "stack is up" "$work/stack.log" || { echo "run.sh: the stack did not come up" >&2; exit 1; }

train() {
  $reports_only && return 0
  echo "+ canyon train $*" >&2
  ./canyon train --bootstrap-servers "$kafka" "$@" >&2
}
report() {
  local name="$1"; shift
  echo "+ canyon report $* --out $work/reports/$name" >&2
  ./canyon report --bootstrap-servers "$kafka" "$@" --out "$work/reports/$name" >&2
  cp "$work/reports/$name/summary.json" "docs/study/numbers/$name.json"
}
figure() { # report-name figure-path-in-report [target-name]
  cp "$work/reports/$1/$2.png" "docs/study/figures/$1-${3:-$(basename "$2")}.png"
}

# 1. One MLP run: linear path, PCA against the control, distances, 2-D subspace (Goodfellow, Vinyals & Saxe 2015; Lipton 2016).
train --experiment study-mlp --model mlp --steps 3000 --probes economy --linear-path-every 500 --snapshot-every 250
report mlp --experiment study-mlp
for f in loss linear-path pca-trajectory pca-variance pca-evr subspace distances; do figure mlp "figures/$f"; done

# 2. The small CNN (431,080 parameters): linear path and subspace (Goodfellow, Vinyals & Saxe 2015).
train --experiment study-cnn --model cnn --steps 600 --train-examples 20000 --probes economy --linear-path-every 200 \
  --snapshot-every 100
report cnn --experiment study-cnn --grid 11 --eval-examples 256
for f in loss linear-path pca-variance subspace distances; do figure cnn "figures/$f"; done

# 3. Three runs from one initialization, different shuffles (Lipton 2016).
train --experiment study-shuffle --runs 3 --vary shuffle --steps 1500 --probes off
report shuffle --experiment study-shuffle --grid 0
for f in runs-distances runs-origin pairwise-distances; do figure shuffle "figures/$f"; done
figure shuffle runs/1/figures/pca-trajectory run1-pca-trajectory

# 4. A parent trained one epoch (10,000 examples), then three clones with different shuffles (Lipton 2016).
train --experiment study-clones --clone-after-epochs 1 --runs 3 --steps 1500 --train-examples 10000 --probes off
report clones --experiment study-clones --grid 0
for f in runs-origin pairwise-distances; do figure clones "figures/$f"; done

# 5. Started next to a planted saddle (planted critical points, 2017; Goodfellow 2015 tutorial).
# Full batches (200 examples): gradient descent, so nothing but the negative curvature moves it off the saddle.
train --experiment study-saddle --dataset planted-saddle --steps 2000 --lr 0.05 --batch-size 200 --probes full --snapshot-every 100
report saddle --experiment study-saddle --grid 21
for f in loss hessian curvature gradient-norm subspace; do figure saddle "figures/$f"; done

echo "run.sh: figures in docs/study/figures, numbers in docs/study/numbers, full reports in $work/reports" >&2
