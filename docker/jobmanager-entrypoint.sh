#!/usr/bin/env bash
# The compose stack's JobManager (Flink application mode): continues Canyon's job from the newest
# completed checkpoint it left in the checkpoint volume (after a container restart or a crash), so a
# restart never starts the runs' analytics again from nothing; without one, the job starts without
# state. A checkpoint is complete once its chk-N folder holds _metadata.
#   CANYON_CHECKPOINT_ROOT  the checkpoint volume (default /flink-checkpoints)
#   FLINK_ENTRYPOINT        the image's own entrypoint (default /docker-entrypoint.sh)
set -euo pipefail
root="${CANYON_CHECKPOINT_ROOT:-/flink-checkpoints}"
latest="$(find "$root" -mindepth 3 -maxdepth 3 -type f -name _metadata -path '*/chk-*/_metadata' -printf '%T@ %h\n' 2>/dev/null \
  | sort -n | tail -n 1 | cut -d' ' -f2-)"
args=(standalone-job --job-classname dev.canyon.job.StepAnalyticsMain)
if [[ -n "$latest" ]]; then
  echo "canyon: continuing the analytics job from checkpoint $latest" >&2
  args+=(--fromSavepoint "$latest")
else
  echo "canyon: no completed checkpoint in $root; the analytics job starts without state" >&2
fi
exec "${FLINK_ENTRYPOINT:-/docker-entrypoint.sh}" "${args[@]}" "$@"
