#!/usr/bin/env bash
# Fresh crawl + `nextraction eval site` on the dev sets (bench/sites/*.jsonl), each site served
# from its Debian documentation package by a Python http.server on loopback.
#
#   bench/sites/eval_sites.sh [--reuse] [--details] [--json] [python|git ...]
#
# --reuse keeps an earlier crawl (in .build/eval-sites/NAME) instead of crawling afresh; the
# other flags (and `--set name=value`) go to `eval site`. Needs a release build (`swift build -c release`) and the
# packages python3.11-doc and git-doc (installed when missing).
set -euo pipefail
cd "$(dirname "$0")/../.."
bin=${NEXTRACTION:-.build/release/nextraction}
export NEX_MODEL_DIR=${NEX_MODEL_DIR:-$PWD/Data/models/all-MiniLM-L6-v2}
[ -x "$bin" ] || { echo "no release build at $bin: run 'swift build -c release --product nextraction'"; exit 1; }

reuse=0; flags=(); sites=()
for arg in "$@"; do
  case "$arg" in
    --reuse) reuse=1 ;;
    --*|*=*) flags+=("$arg") ;;
    *) sites+=("$arg") ;;
  esac
done
[ ${#sites[@]} -gt 0 ] || sites=(python git)

declare -A ROOT=([python]=/usr/share/doc/python3.11/html [git]=/usr/share/doc/git-doc)
declare -A PACKAGE=([python]=python3.11-doc [git]=git-doc)
declare -A START=([python]=/index.html [git]=/index.html)
sudo=""; [ "$(id -u)" = 0 ] || sudo=sudo

for site in "${sites[@]}"; do
  root=${ROOT[$site]:?unknown site $site}
  if [ ! -d "$root" ]; then
    $sudo env DEBIAN_FRONTEND=noninteractive apt-get install -y -q "${PACKAGE[$site]}" >/dev/null
  fi
  python3 bench/sites/validate.py --root "$root" "bench/sites/$site.jsonl"
  # Collections are embedded in one precision (NEX_EMBED_PRECISION): int8 ones live apart.
  data=.build/eval-sites/$site${NEX_EMBED_PRECISION:+-$NEX_EMBED_PRECISION}
  [ "${NEX_EMBED_PRECISION:-fp32}" = fp32 ] && data=.build/eval-sites/$site
  port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  python3 -m http.server --bind 127.0.0.1 --directory "$root" "$port" >/dev/null 2>&1 &
  server=$!
  trap 'kill $server 2>/dev/null || true' EXIT
  for _ in $(seq 100); do curl -sf "http://127.0.0.1:$port/" >/dev/null && break; sleep 0.1; done
  if [ "$reuse" = 0 ] || [ ! -f "$data/nextraction.sqlite" ]; then
    rm -rf "$data"; mkdir -p "$data"
    echo "eval-site-password" | "$bin" user create --email eval@example.com --data-dir "$data" >/dev/null
    "$bin" ingest "http://127.0.0.1:$port${START[$site]}" --collection "$site" --max-pages 3000 --max-depth 12 \
      --delay 0 --allow-private --data-dir "$data" | tail -n 1
  fi
  echo "== $site"
  "$bin" eval site "bench/sites/$site.jsonl" --collection "$site" --data-dir "$data" "${flags[@]}"
  kill $server 2>/dev/null || true
  trap - EXIT
done
