#!/usr/bin/env bash
# /api/v2/status throughput and latency under wrk on loopback, SQLite and PostgreSQL, next to a
# bare axum hello-world handler measured in the same run (docs/benchmarks.md).
#
#   bench/api_status.sh            # all three
#   BENCH_ONLY="hello sqlite" bench/api_status.sh
#   DURATION=20s CONNS=32 THREADS=1 bench/api_status.sh
#
# Release build; Basic auth and the rate limiter stay in the path (limits raised by environment);
# every request reads the verification from the store. PostgreSQL: scripts/ensure-postgres.sh
# (127.0.0.1:5432, trust auth); a throwaway database is created and dropped.
set -euo pipefail
cd "$(dirname "$0")/.."
DURATION=${DURATION:-15s}
CONNS=${CONNS:-32}
THREADS=${THREADS:-1}
WARMUP=${WARMUP:-3s}
BENCH_ONLY=${BENCH_ONLY:-"hello sqlite postgres"}
HELLO_PORT=${HELLO_PORT:-18181}
IVS_PORT=${IVS_PORT:-18180}

if ! command -v wrk >/dev/null 2>&1; then
  echo "bench: installing wrk" >&2
  SUDO=""; [ "$(id -u)" -eq 0 ] || SUDO=sudo
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends wrk >/dev/null
fi

# PROFILE=debug only checks that the script works: its numbers mean nothing
PROFILE=${PROFILE:-release}
if [ "$PROFILE" = release ]; then
  cargo build --release --locked -q -p ivs
else
  cargo build --workspace --locked -q
fi
IVS=$PWD/target/$PROFILE/ivs
WORK=$(mktemp -d)
PIDS=()
PGDB=""
cleanup() {
  for p in "${PIDS[@]}"; do kill "$p" 2>/dev/null || true; done
  wait 2>/dev/null || true
  if [ -n "$PGDB" ]; then psql "$PGURL" -qc "drop database if exists \"$PGDB\" with (force)" >/dev/null 2>&1 || true; fi
  rm -rf "$WORK"
}
trap cleanup EXIT

wait_port() {
  for _ in $(seq 1 100); do
    curl -s -o /dev/null "http://127.0.0.1:$1/healthz" && return 0
    curl -s -o /dev/null "http://127.0.0.1:$1/" && return 0
    sleep 0.1
  done
  echo "bench: nothing listens on $1" >&2
  return 1
}

# run_wrk NAME URL [wrk args…]: a warm-up, then the measured run; prints one summary line
run_wrk() {
  local name=$1 url=$2; shift 2
  wrk -t"$THREADS" -c"$CONNS" -d"$WARMUP" "$@" "$url" >/dev/null
  local out
  out=$(wrk -t"$THREADS" -c"$CONNS" -d"$DURATION" --latency "$@" "$url")
  echo "$out" > "$WORK/$name.wrk"
  local rps p50 p99 non2xx
  rps=$(awk '/^Requests\/sec/ {print $2}' <<<"$out")
  p50=$(awk '$1=="50%" {print $2}' <<<"$out")
  p99=$(awk '$1=="99%" {print $2}' <<<"$out")
  non2xx=$(awk '/Non-2xx/ {print $NF}' <<<"$out")
  printf '%-10s %12s req/s   p50 %8s   p99 %8s   non-2xx %s\n' "$name" "$rps" "$p50" "$p99" "${non2xx:-0}"
  [ -z "$non2xx" ] || { echo "bench: $name answered non-2xx:" >&2; echo "$out" >&2; return 1; }
}

# serve_ivs NAME DATABASE_URL: a server with one partner and one verification; runs wrk on /status
serve_ivs() {
  local name=$1 db=$2 dir="$WORK/$1"
  mkdir -p "$dir"
  export IVS_DATA_DIR="$dir" IVS_DATABASE_URL="$db" IVS_SERVER__LISTEN="127.0.0.1:$IVS_PORT"
  export IVS_LIMITS__PARTNER_HOURLY=1000000000 IVS_LIMITS__SCAN_REF_HOURLY=1000000000
  "$IVS" partner create --name bench --json > "$dir/partner.json"
  local auth
  auth="$(jq -r .apiKey "$dir/partner.json"):$(jq -r .apiSecret "$dir/partner.json")"
  "$IVS" serve > "$dir/serve.log" 2>&1 &
  PIDS+=($!)
  local pid=$!
  wait_port "$IVS_PORT"
  local scan
  scan=$(curl -sf -u "$auth" -H 'Content-Type: application/json' \
    -d '{"clientId": "bench-1", "firstName": "Anna", "lastName": "Eriksson"}' \
    "http://127.0.0.1:$IVS_PORT/api/v2/token" | jq -r .scanRef)
  curl -sf -u "$auth" "http://127.0.0.1:$IVS_PORT/api/v2/status?scanRef=$scan" >/dev/null
  run_wrk "$name" "http://127.0.0.1:$IVS_PORT/api/v2/status?scanRef=$scan" \
    -H "Authorization: Basic $(printf '%s' "$auth" | base64 -w0)"
  kill "$pid"; wait "$pid" 2>/dev/null || true
  unset IVS_DATA_DIR IVS_DATABASE_URL IVS_SERVER__LISTEN IVS_LIMITS__PARTNER_HOURLY IVS_LIMITS__SCAN_REF_HOURLY
}

echo "# $(date -u +%FT%TZ) $(nproc) CPUs, load average: $(cut -d' ' -f1-3 /proc/loadavg)"
echo "# wrk -t$THREADS -c$CONNS -d$DURATION (after a ${WARMUP} warm-up), loopback, $PROFILE build"
for what in $BENCH_ONLY; do
  case $what in
    hello)
      "$IVS" bench hello --listen "127.0.0.1:$HELLO_PORT" &
      PIDS+=($!)
      hpid=$!
      wait_port "$HELLO_PORT"
      run_wrk hello "http://127.0.0.1:$HELLO_PORT/"
      kill "$hpid"; wait "$hpid" 2>/dev/null || true
      ;;
    sqlite)
      serve_ivs sqlite ""
      ;;
    postgres)
      PGURL=$(scripts/ensure-postgres.sh)
      PGDB="ivs_bench_$$"
      psql "$PGURL" -qc "create database \"$PGDB\"" >/dev/null
      serve_ivs postgres "${PGURL%/*}/$PGDB"
      ;;
    *) echo "bench: unknown target $what" >&2; exit 2 ;;
  esac
done
echo "# load average after: $(cut -d' ' -f1-3 /proc/loadavg)"
