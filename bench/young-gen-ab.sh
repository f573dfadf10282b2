#!/usr/bin/env bash
# A/B of V8 flags for the server (bin/coffer's COFFER_NODE_FLAGS), alternating, on PostgreSQL:
# a PROPFIND Depth 1 of 10,000 files (latency, GC pause from --trace-gc, the server's page faults)
# and 2,000 small PUTs from 8 clients. Each variant gets a fresh database.
# Usage: bench/young-gen-ab.sh [ROUNDS] ["FLAGS A" "FLAGS B" ...]   (needs npm run build, PostgreSQL, curl)
set -euo pipefail
root=$(cd "$(dirname "$0")/.." && pwd)
shared=${SHARED_BENCH:-$(cd "$root/.." && pwd)/shared/bench}
rounds=${1:-2}; shift || true
variants=("$@"); [[ ${#variants[@]} -gt 0 ]] || variants=("" "--min-semi-space-size=16")
pgbase=${BENCH_PG:-postgres://postgres@127.0.0.1:5432/postgres}
port=18096
med() { tr ' ' '\n' | grep . | sort -g | awk '{a[NR]=$1} END {print a[int((NR+1)/2)]}'; }
body='<?xml version="1.0" encoding="utf-8"?><D:propfind xmlns:D="DAV:"><D:prop><D:resourcetype/><D:getcontentlength/><D:getlastmodified/><D:getetag/><D:getcontenttype/></D:prop></D:propfind>'

one() { # one FLAGS: prints one table row
  local flags=$1 db="coffer_yg_$(date +%s%N)" data; data=$(mktemp -d /tmp/coffer-yg-XXXX)
  psql "$pgbase" -qc "create database $db" >/dev/null
  COFFER_NODE_FLAGS="--trace-gc $flags" COFFER_DATA_DIR="$data" PORT=$port DATABASE_URL="${pgbase%/*}/$db" \
    COFFER_ADMIN_PASSWORD=bench-admin-pw COFFER_MAINTENANCE_INTERVAL=0 LOG_LEVEL=warn "$root/bin/coffer" serve >"$data/log" 2>&1 &
  local pid=$!
  for _ in $(seq 120); do curl -sf "http://127.0.0.1:$port/healthz" >/dev/null && break; sleep 0.25; done
  local tok app base="http://127.0.0.1:$port/dav"
  tok=$(curl -sf -X POST "http://127.0.0.1:$port/api/v1/auth/login" -H 'content-type: application/json' -d '{"username":"admin","password":"bench-admin-pw"}' | node -pe 'JSON.parse(require("fs").readFileSync(0)).access_token')
  app=$(curl -sf -X POST "http://127.0.0.1:$port/api/v1/auth/app-passwords" -H "authorization: Bearer $tok" -H 'content-type: application/json' -d '{"name":"ab"}' | node -pe 'JSON.parse(require("fs").readFileSync(0)).password')
  curl -sf -u "admin:$app" -X MKCOL "$base/many/" -o /dev/null
  curl -sf -u "admin:$app" -X MKCOL "$base/small/" -o /dev/null
  node "$shared/put-many.mjs" "$base/many/" admin "$app" 10000 8 4096 0 >/dev/null
  local pf=() f0 f1 l0
  for _ in 1 2 3; do curl -sf -u "admin:$app" -X PROPFIND -H 'Depth: 1' --data-binary "$body" "$base/many/" -o /dev/null; done
  f0=$(awk '{print $10}' "/proc/$pid/stat"); l0=$(wc -l <"$data/log")
  for _ in $(seq 11); do pf+=("$(curl -sf -u "admin:$app" -X PROPFIND -H 'Depth: 1' --data-binary "$body" "$base/many/" -o /dev/null -w '%{time_total}' | awk '{printf "%.1f", $1*1000}')"); done
  f1=$(awk '{print $10}' "/proc/$pid/stat")
  local gc; gc=$(tail -n +$((l0 + 1)) "$data/log" | grep -o 'MB, [0-9.]*' | awk '{s += $2} END {printf "%.1f", s / 11}')
  local puts; puts=$(node "$shared/put-many.mjs" "$base/small/" admin "$app" 2000 8 4096 200 | sed 's/ops_s=\([0-9.]*\).*/\1/')
  echo "| ${flags:-(V8 defaults)} | $(echo "${pf[@]}" | med) | $gc | $(( (f1 - f0) / 11 )) | $puts | $(grep VmHWM /proc/$pid/status | awk '{printf "%.0f", $2/1024}') |"
  kill $pid; wait $pid 2>/dev/null || true
  psql "$pgbase" -qc "drop database $db with (force)" >/dev/null; rm -rf "$data"
}

echo "| node flags | PROPFIND of 10,000, ms | GC per PROPFIND, ms | faults per PROPFIND | small PUTs ×8, /s | peak RSS, MiB |"
echo "|---|---|---|---|---|---|"
for _ in $(seq "$rounds"); do for v in "${variants[@]}"; do one "$v"; done; done
