#!/usr/bin/env bash
# A/B of glibc's allocator settings in bin/coffer: the same build started by the launcher and by
# `node dist/cli/main.js` (glibc's own dynamic thresholds), alternating, over WebDAV on PostgreSQL. Counts the server's minor page faults per transfer.
# Usage: bench/allocator-ab.sh [ROUNDS]   (needs `npm run build`, PostgreSQL, curl)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
rounds=${1:-3}
pgbase=${BENCH_PG:-postgres://postgres@127.0.0.1:5432/postgres}
big=/tmp/coffer-alloc-1g.bin
[[ $(stat -c %s $big 2>/dev/null || echo 0) == 1073741824 ]] || head -c 1G /dev/urandom >$big
port=18097
faults() { awk '{print $10}' "/proc/$1/stat"; }
med() { tr ' ' '\n' | grep . | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }

one() { # one LABEL COMMAND...: start, measure, stop; prints one line
  local label=$1; shift
  local db="coffer_alloc_$(date +%s%N)" data; data=$(mktemp -d /tmp/coffer-alloc-XXXX)
  psql "$pgbase" -qc "create database $db" >/dev/null
  env -u MALLOC_MMAP_THRESHOLD_ -u MALLOC_TRIM_THRESHOLD_ COFFER_DATA_DIR="$data" PORT=$port DATABASE_URL="${pgbase%/*}/$db" \
    COFFER_ADMIN_PASSWORD=bench-admin-pw COFFER_MAINTENANCE_INTERVAL=0 LOG_LEVEL=warn "$@" serve >"$data/log" 2>&1 &
  local pid=$!
  for _ in $(seq 120); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.25; done
  local tok app
  tok=$(curl -sf -X POST "http://127.0.0.1:$port/api/v1/auth/login" -H 'content-type: application/json' -d '{"username":"admin","password":"bench-admin-pw"}' | node -pe 'JSON.parse(require("fs").readFileSync(0)).access_token')
  app=$(curl -sf -X POST "http://127.0.0.1:$port/api/v1/auth/app-passwords" -H "authorization: Bearer $tok" -H 'content-type: application/json' -d '{"name":"ab"}' | node -pe 'JSON.parse(require("fs").readFileSync(0)).password')
  local u="admin:$app" url="http://127.0.0.1:$port/dav/big.bin" put=() get=() rng=() f0 f1 f2 f3
  f0=$(faults $pid)
  for _ in 1 2 3; do sync; put+=("$(curl -sf -u "$u" -T $big "$url" -o /dev/null -w '%{speed_upload}' | awk '{printf "%.0f", $1/1e6}')"); done
  f1=$(faults $pid)
  for _ in 1 2 3; do get+=("$(curl -sf -u "$u" "$url" -o /dev/null -w '%{speed_download}' | awk '{printf "%.0f", $1/1e6}')"); done
  f2=$(faults $pid)
  for _ in $(seq 21); do rng+=("$(curl -sf -u "$u" -r 536870912-537919487 "$url" -o /dev/null -w '%{time_total}' | awk '{printf "%.2f", $1*1000}')"); done
  f3=$(faults $pid)
  echo "| $label | $(echo "${put[@]}" | med) | $(( (f1 - f0) / 3 )) | $(echo "${get[@]}" | med) | $(( (f2 - f1) / 3 )) | $(echo "${rng[@]}" | med) | $(( (f3 - f2) / 21 )) | $(grep VmHWM /proc/$pid/status | awk '{printf "%.0f", $2/1024}') |"
  kill $pid; wait $pid 2>/dev/null || true
  psql "$pgbase" -qc "drop database $db with (force)" >/dev/null; rm -rf "$data"
}

echo "| allocator | PUT 1 GiB, MB/s | faults per PUT | GET 1 GiB, MB/s | faults per GET | Range GET 1 MiB, ms | faults per range | peak RSS, MiB |"
echo "|---|---|---|---|---|---|---|---|"
for _ in $(seq "$rounds"); do
  one "glibc default" node "$root/dist/cli/main.js"
  one "bin/coffer" "$root/bin/coffer"
done
