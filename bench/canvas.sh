#!/usr/bin/env bash
# The canvas bench (`make bench-canvas`): the bundle sizes of the last build, then frame
# times of the scheme canvas in Chromium against `pbxflow serve` with the built app on its
# own port, data directory and embedded PostgreSQL (like tests/run-e2e).
set -uo pipefail
cd "$(dirname "$0")/.."
port="${PBXFLOW_BENCH_PORT:-8795}"
node bench/bundle_size.mjs || exit 1
data="$(mktemp -d /tmp/pbxflow-bench.XXXXXX)"
log="$data/server.log"
env -u DATABASE_URL -u PBXFLOW_AMI_URL -u PBXFLOW_PJSIP_REALTIME \
  PBXFLOW_DATA_DIR="$data" PBXFLOW_PORT="$port" \
  .venv/bin/pbxflow serve --static frontend/dist --demo >"$log" 2>&1 &
server=$!
cleanup() {
  kill "$server" 2>/dev/null
  wait "$server" 2>/dev/null
  rm -rf "$data"
}
trap cleanup EXIT
for _ in $(seq 1 120); do
  curl -fsS "http://127.0.0.1:$port/api/health" >/dev/null 2>&1 && break
  if ! kill -0 "$server" 2>/dev/null; then cat "$log" >&2; exit 1; fi
  sleep 0.5
done
PBXFLOW_BENCH_URL="http://127.0.0.1:$port" node bench/canvas_frames.mjs "$@"
