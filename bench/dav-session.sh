#!/usr/bin/env bash
# WebDAV: Coffer's /dav/ on PostgreSQL beside Apache, nginx and rclone, with the same workload
# (../shared/bench/webdav-bench.sh) in one session on one machine, servers measured one after
# another. Raw outputs go to bench/results/<date>-dav-<server>.md and a table with ratios is
# printed at the end. Needs a build (npm run build), PostgreSQL, and the peers' Debian packages
# (see ../shared/bench/README.md).
# Knobs: PEERS="apache nginx rclone"  REPS=3 LAT_REPS=11 MOVE_REPS=5 (passed to webdav-bench.sh)
#   COFFER_BENCH_DATABASE_URL (default postgres://postgres@127.0.0.1:5432/test: a scratch database
#   is created next to it and dropped after)  COFFER_MODES="durable nofsync"
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(cd "$here/.." && pwd)
shared=${SHARED_BENCH:-$(cd "$root/.." && pwd)/shared/bench}
[[ -x $shared/webdav-bench.sh ]] || { echo "no webdav-bench.sh in $shared (set SHARED_BENCH)" >&2; exit 1; }
[[ -f $root/dist/cli/main.js ]] || { echo "build first: npm run build" >&2; exit 1; }
date=$(date -u +%Y-%m-%d-%H%M)
out=$here/results
mkdir -p "$out"
PEERS=${PEERS-apache nginx rclone}
MODES=${COFFER_MODES:-durable}
declare -A port=([apache]=18081 [nginx]=18082 [rclone]=18083)
pgbase=${COFFER_BENCH_DATABASE_URL:-postgres://postgres@127.0.0.1:5432/test}
load() { cut -d' ' -f1-3 /proc/loadavg; }

started=()
for p in $PEERS; do
  if ! "$shared/peers.sh" status "$p" | grep -q running; then started+=("$p"); fi
done
coffer_pid=""
db=""
cleanup() {
  [[ -z $coffer_pid ]] || kill "$coffer_pid" 2>/dev/null || true
  [[ -z $db ]] || psql "$pgbase" -qc "drop database if exists $db with (force)" >/dev/null 2>&1 || true
  [[ ${#started[@]} -eq 0 ]] || "$shared/peers.sh" stop "${started[@]}"
}
trap cleanup EXIT
[[ ${#started[@]} -eq 0 ]] || "$shared/peers.sh" start "${started[@]}"

run_bench() { # NAME URL USER PASS
  local name=$1
  {
    echo "# $name ($(date -u +%FT%TZ)); load before: $(load)"
    "$shared/webdav-bench.sh" "$2" "$3" "$4"
    echo "# load after: $(load)"
  } >"$out/$date-dav-$name.md" 2>&1
  cat "$out/$date-dav-$name.md"
}

names=()
for mode in $MODES; do
  db="coffer_davbench_$(date +%s)"
  psql "$pgbase" -qc "create database $db" >/dev/null
  dburl="${pgbase%/*}/$db"
  data=$(mktemp -d /tmp/coffer-davbench-XXXX)
  cport=18099
  fsync=true; [[ $mode == nofsync ]] && fsync=false
  COFFER_DATA_DIR=$data PORT=$cport DATABASE_URL=$dburl COFFER_FSYNC=$fsync COFFER_ADMIN_PASSWORD=bench-admin-pw \
    COFFER_MAINTENANCE_INTERVAL=0 LOG_LEVEL=warn "$root/bin/coffer" serve >"$data/log" 2>&1 &
  coffer_pid=$!
  for _ in $(seq 1 120); do curl -sf "http://127.0.0.1:$cport/healthz" >/dev/null && break; sleep 0.5; done
  token=$(curl -sf -X POST "http://127.0.0.1:$cport/api/v1/auth/login" -H 'content-type: application/json' \
    -d '{"username":"admin","password":"bench-admin-pw"}' | node -pe 'JSON.parse(require("fs").readFileSync(0)).access_token')
  app=$(curl -sf -X POST "http://127.0.0.1:$cport/api/v1/auth/app-passwords" -H "authorization: Bearer $token" \
    -H 'content-type: application/json' -d '{"name":"bench"}' | node -pe 'JSON.parse(require("fs").readFileSync(0)).password')
  run_bench "coffer-$mode" "http://127.0.0.1:$cport/dav/" admin "$app"
  echo "# coffer peak RSS: $(grep VmHWM /proc/$coffer_pid/status | awk '{print $2/1024 " MiB"}'), now $(grep VmRSS /proc/$coffer_pid/status | awk '{print $2/1024 " MiB"}')" | tee -a "$out/$date-dav-coffer-$mode.md"
  kill "$coffer_pid"; wait "$coffer_pid" 2>/dev/null || true; coffer_pid=""
  psql "$pgbase" -qc "drop database if exists $db with (force)" >/dev/null; db=""
  rm -rf "$data"
  names+=("coffer-$mode")
done
for p in $PEERS; do run_bench "$p" "http://127.0.0.1:${port[$p]}/" bench bench; names+=("$p"); done

# Table: one row per metric, one column per server, then Coffer ÷ each peer.
node - "$out" "$date" "${names[@]}" <<'JS'
const fs = require('fs');
const [dir, date, ...names] = process.argv.slice(2);
const data = {};
for (const n of names) {
  data[n] = {};
  for (const line of fs.readFileSync(`${dir}/${date}-dav-${n}.md`, 'utf8').split('\n')) {
    const m = /^metric=(\S+) value=(\S+) unit=(\S+)/.exec(line);
    if (m) data[n][m[1]] = { v: Number(m[2]), unit: m[3] };
  }
}
const metrics = [...new Set(names.flatMap((n) => Object.keys(data[n])))];
const coffers = names.filter((n) => n.startsWith('coffer'));
const peers = names.filter((n) => !n.startsWith('coffer'));
const lowerBetter = (unit) => unit === 'ms';
console.log(`\n| metric | ${names.join(' | ')} | ${coffers.flatMap((c) => peers.map((p) => `${c} vs ${p}`)).join(' | ')} |`);
console.log(`|---|${names.map(() => '---').join('|')}|${coffers.flatMap(() => peers.map(() => '---')).join('|')}|`);
for (const m of metrics) {
  const unit = names.map((n) => data[n][m]?.unit).find(Boolean);
  const cells = names.map((n) => (data[n][m] ? String(data[n][m].v) : '–'));
  const ratios = coffers.flatMap((c) => peers.map((p) => {
    const a = data[c][m]?.v, b = data[p][m]?.v;
    if (!a || !b) return '–';
    return `${(lowerBetter(unit) ? b / a : a / b).toFixed(2)}×`;
  }));
  console.log(`| ${m} (${unit}) | ${cells.join(' | ')} | ${ratios.join(' | ')} |`);
}
console.log('\nRatios: > 1× means Coffer is faster.');
JS
