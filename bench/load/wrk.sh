#!/usr/bin/env bash
# Load on /ask and /search with wrk (Debian): 32 connections for 60 s each, with the rate
# limit raised, against a release server on the `bench ask` collection (100k chunks, built
# by `nextraction bench ask` on first use); then /ask again while an ingest runs.
#
#   bench/load/wrk.sh [--duration 60s] [--connections 32] [--precision fp32|int8] [--json]
#
# --precision: the server's NEX_EMBED_PRECISION, on the bench collection embedded in it.
#
# Reports requests, errors (socket errors and non-2xx answers), latency p50/p95/p99 and the
# server's RSS before and after each run. With --json the last line is one JSON object.
set -euo pipefail
cd "$(dirname "$0")/../.."
duration=60s connections=32 json=0 precision=fp32
while [ $# -gt 0 ]; do
  case "$1" in
    --duration) duration=$2; shift 2 ;;
    --connections) connections=$2; shift 2 ;;
    --precision) precision=$2; shift 2 ;;
    --json) json=1; shift ;;
    *) echo "unknown argument $1"; exit 2 ;;
  esac
done
bin=.build/release/nextraction
[ -x "$bin" ] || { echo "no release build: run 'swift build -c release --product nextraction'"; exit 1; }
command -v wrk >/dev/null || { echo "wrk is missing: apt-get install wrk"; exit 1; }
export NEX_MODEL_DIR=${NEX_MODEL_DIR:-$PWD/Data/models/all-MiniLM-L6-v2}
case "$precision" in fp32) data=.build/bench-ask/100000 ;; int8) data=.build/bench-ask/100000-int8 ;; *) echo "--precision fp32|int8"; exit 2 ;; esac
[ -f "$data/bench-ready" ] || "$bin" bench ask --chunks 100000 --clients 1 --requests 10 --precision "$precision" >/dev/null
work=$(mktemp -d)
trap 'kill $server $site 2>/dev/null || true; rm -rf "$work"' EXIT

port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
NEX_EMBED_PRECISION=$precision NEX_DATA_DIR=$data NEX_PORT=$port NEX_ASK_RATE=1000000 NEX_ALLOW_PRIVATE_HOSTS=1 NEX_CRAWL_DELAY=0 NEX_LOG_LEVEL=warning \
  "$bin" serve > "$work/server.log" 2>&1 &
server=$!
for _ in $(seq 300); do curl -sf "http://127.0.0.1:$port/health" >/dev/null && break; sleep 0.1; done
token=$(curl -sf "http://127.0.0.1:$port/auth/login" -H 'Content-Type: application/json' \
  -d '{"email": "bench-ask@nextraction.local", "password": "bench ask password"}' | python3 -c 'import json, sys; print(json.load(sys.stdin)["token"])')
rss() { awk '/VmRSS/ {print int($2 / 1024)}' "/proc/$server/status"; }

# One Lua script for both routes: rotating questions, errors counted, percentiles printed.
cat > "$work/load.lua" <<'LUA'
local questions = {
  "What causes the loss of muscle mass with age?", "Does vitamin D deficiency raise the risk of fractures?",
  "How do statins lower cholesterol?", "What is the role of microRNA in cancer?", "Is obesity linked to insulin resistance?",
  "How does smoking affect lung function?", "What does the immune system do against viral infection?",
  "Which genes are associated with Alzheimer's disease?",
}
local counter = 0
function request()
  counter = counter + 1
  local q = questions[(counter % #questions) + 1]
  if os.getenv("ROUTE") == "search" then
    return wrk.format("GET", "/search?collection=bench&k=10&q=" .. q:gsub(" ", "+"):gsub("'", "%%27"):gsub("?", "%%3F"))
  end
  return wrk.format("POST", "/ask", nil, '{"collection": "bench", "question": "' .. q .. '"}')
end
local bad = 0
function response(status, headers, body) if status >= 300 then bad = bad + 1 end end
function done(summary, latency, requests)
  local errors = summary.errors.connect + summary.errors.read + summary.errors.write + summary.errors.timeout + summary.errors.status
  io.write(string.format("RESULT requests=%d errors=%d p50=%.1f p95=%.1f p99=%.1f rps=%.1f\n", summary.requests, errors,
    latency:percentile(50) / 1000, latency:percentile(95) / 1000, latency:percentile(99) / 1000,
    summary.requests / (summary.duration / 1e6)))
end
LUA

rows=() ; json_parts=()
run() {  # name route
  local before after line
  before=$(rss)
  line=$(ROUTE=$2 wrk -t2 -c"$connections" -d"$duration" --timeout 30s -H "Authorization: Bearer $token" \
    -H 'Content-Type: application/json' -s "$work/load.lua" "http://127.0.0.1:$port" | grep '^RESULT')
  after=$(rss)
  eval "$(echo "$line" | sed 's/^RESULT //')"
  rows+=("$(printf '| %-20s | %8s | %6s | %7s | %7s | %7s | %7s | %5s → %-5s |' "$1" "$requests" "$errors" "$rps" "$p50" "$p95" "$p99" "$before" "$after")")
  json_parts+=("\"$1\": {\"requests\": $requests, \"errors\": $errors, \"rps\": $rps, \"p50_ms\": $p50, \"p95_ms\": $p95, \"p99_ms\": $p99, \"rss_before_mb\": $before, \"rss_after_mb\": $after}")
  echo "${rows[-1]}" >&2
}
run "ask" ask
run "search" search

# /ask again while an ingest runs (the Python documentation, served locally, into another collection).
if [ -d /usr/share/doc/python3.11/html ]; then
  site_port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  python3 -m http.server --bind 127.0.0.1 --directory /usr/share/doc/python3.11/html "$site_port" >/dev/null 2>&1 &
  site=$!
  sleep 1
  job=$(curl -sf "http://127.0.0.1:$port/ingest" -H "Authorization: Bearer $token" -H 'Content-Type: application/json' \
    -d "{\"url\": \"http://127.0.0.1:$site_port/library/index.html\", \"collection\": \"load-ingest\", \"max_pages\": 400, \"max_depth\": 3}" \
    | python3 -c 'import json, sys; print(json.load(sys.stdin)["job_id"])')
  run "ask during ingest" ask
  status=$(curl -sf "http://127.0.0.1:$port/jobs/$job" -H "Authorization: Bearer $token" | python3 -c 'import json, sys; d = json.load(sys.stdin); print(d["status"], d["progress"]["indexed"])')
  echo "ingest during the run: $status (status, pages indexed)" >&2
  curl -sf -X DELETE "http://127.0.0.1:$port/collections/load-ingest" -H "Authorization: Bearer $token" >/dev/null || true
fi

echo "wrk: $connections connections, $duration per run, 100k-chunk collection, release build"
echo "| run                  | requests | errors |   req/s | p50 ms  | p95 ms  | p99 ms  | RSS MB before → after |"
echo "|----------------------|----------|--------|---------|---------|---------|---------|-----------------------|"
printf '%s\n' "${rows[@]}"
if [ "$json" = 1 ]; then (IFS=,; echo "{${json_parts[*]}}"); fi
