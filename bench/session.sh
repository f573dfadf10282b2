#!/usr/bin/env bash
# Coffer next to the reference WebDAV servers, in one session on one machine:
# machine limits, the peers' own workload (../shared/bench/webdav-bench.sh), then
# `node bench/run.mjs` with BENCH_PEERS set, which repeats each step on the peers right after
# Coffer's (the machine is shared and noisy; interleaving keeps the comparison fair).
# Raw outputs go to bench/results/<date>-{limits,peer-NAME,coffer}.md.
# Needs the peers' packages (see ../shared/bench/README.md) and a build (npm run build).
# Knobs: PEERS="apache nginx rclone"  PEER_REPS=3 (1 GiB PUT/GET and 2,000-PUT batches)
#   PEER_LAT_REPS=5  PEER_MOVE_REPS=3  LIMITS_REPS=2  INTERLEAVE="apache nginx" (peers repeated
#   inside run.mjs); bench/run.mjs reads its own BENCH_* knobs.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
shared=${SHARED_BENCH:-$(cd "$here/../.." && pwd)/shared/bench}
[[ -x $shared/peers.sh ]] || { echo "no peers.sh in $shared (set SHARED_BENCH)" >&2; exit 1; }
date=$(date -u +%Y-%m-%d-%H%M)
out=$here/results
mkdir -p "$out"
PEERS=${PEERS:-apache nginx rclone}
declare -A port=([apache]=18081 [nginx]=18082 [rclone]=18083)

# Start only the peers that are not running, and stop only those again.
started=()
for p in $PEERS; do
  if ! "$shared/peers.sh" status "$p" | grep -q running; then started+=("$p"); fi
done
stop_started() { [[ ${#started[@]} -eq 0 ]] || "$shared/peers.sh" stop "${started[@]}"; }
trap stop_started EXIT
[[ ${#started[@]} -eq 0 ]] || "$shared/peers.sh" start "${started[@]}"

load() { cut -d' ' -f1-3 /proc/loadavg; }
{
  echo "# load before: $(load)"
  REPS=${LIMITS_REPS:-2} "$shared/limits.sh"
  echo "# load after: $(load)"
} >"$out/$date-limits.md" 2>&1
cat "$out/$date-limits.md"

for p in $PEERS; do
  {
    echo "# $p ($(date -u +%FT%TZ)); load before: $(load)"
    REPS=${PEER_REPS:-3} LAT_REPS=${PEER_LAT_REPS:-5} MOVE_REPS=${PEER_MOVE_REPS:-3} \
      "$shared/webdav-bench.sh" "http://127.0.0.1:${port[$p]}/" bench bench
    echo "# load after: $(load)"
  } >"$out/$date-peer-$p.md" 2>&1
  cat "$out/$date-peer-$p.md"
done

peers_env=()
for p in ${INTERLEAVE:-apache nginx}; do peers_env+=("$p=http://127.0.0.1:${port[$p]}/"); done
BENCH_PEERS="${BENCH_PEERS:-${peers_env[*]}}" node "$here/run.mjs" | tee "$out/$date-coffer.md"
