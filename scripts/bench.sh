#!/usr/bin/env bash
# Benchmark: throughput (MB/s of decompressed input, log events/s) and peak RSS of
# `logship process` on generated Kinesis events, release build, one core.
#
#   scripts/bench.sh            # 6 MB-class event (400 x 100) and a 4x larger one
#   BENCH_RUNS=5 scripts/bench.sh
#
# Each case runs BENCH_RUNS times pinned to one core (taskset); the best wall
# time is reported, and the peak RSS of the process from /usr/bin/time -v.
# Cases: stdout with masking on and off (the pipeline alone), and shipping to a
# local _bulk sink (scripts/bulk_sink.py) through the Lambda handler path.
set -euo pipefail
cd "$(dirname "$0")/.."
runs=${BENCH_RUNS:-3}
cargo build --release --quiet -p logship --bin logship
bin=target/release/logship
dir=target/bench
mkdir -p "$dir"
pin=""
command -v taskset >/dev/null && pin="taskset -c 0"

gen() { # name records events
  [ -s "$dir/$1.json" ] || "$bin" gen-event --records "$2" --events "$3" --control 2 --seed 1 \
      -o "$dir/$1.json" --manifest "$dir/$1.manifest.json" 2>/dev/null
}
gen event-6mb 400 100
gen event-24mb 1600 100

measure() { # label event extra-args...
  local label=$1 ev=$2; shift 2
  local bytes events best=999999 rss=0
  bytes=$(python3 -c "import json;print(json.load(open('$dir/$ev.manifest.json'))['decompressed_bytes'])")
  events=$(python3 -c "import json;print(json.load(open('$dir/$ev.manifest.json'))['data_events'])")
  for _ in $(seq "$runs"); do
    local t0 t1 wall r
    t0=$(date +%s%N)
    /usr/bin/time -v -o "$dir/time.txt" $pin "$bin" process "$dir/$ev.json" --quiet "$@" 2>"$dir/stderr.txt" >/dev/null || true
    t1=$(date +%s%N)
    wall=$(python3 -c "print(($t1 - $t0) / 1e9)")
    r=$(awk -F': ' '/Maximum resident set size/{print $2}' "$dir/time.txt")
    best=$(python3 -c "print(min($best, $wall))")
    rss=$(( r > rss ? r : rss ))
  done
  python3 - "$label" "$ev" "$bytes" "$events" "$best" "$rss" "$(stat -c %s "$dir/$ev.json")" <<'PY'
import sys
label, ev, b, e, wall, rss, size = sys.argv[1], sys.argv[2], int(sys.argv[3]), int(sys.argv[4]), float(sys.argv[5]), int(sys.argv[6]), int(sys.argv[7])
wall = max(wall, 0.001)
print(f"{label:<34} {ev:<11} event {size/1e6:5.1f} MB, {b/1e6:5.1f} MB decompressed, {e} events: "
      f"{wall*1000:6.0f} ms  {b/1e6/wall:6.1f} MB/s  {e/wall/1000:6.0f}k events/s  peak RSS {rss/1024:5.1f} MiB")
PY
  grep -q "events in" "$dir/stderr.txt" || { echo "run failed:"; cat "$dir/stderr.txt"; exit 1; }
}

for ev in event-6mb event-24mb; do
  measure "pipeline, masking off" "$ev" --mask off
  measure "pipeline, masking on (default)" "$ev"
done
# Shipping: the full Lambda handler path (masking, gzip, HTTP) to a local _bulk sink.
python3 scripts/bulk_sink.py > "$dir/sink.url" &
sink=$!
trap 'kill $sink 2>/dev/null' EXIT
for _ in $(seq 50); do [ -s "$dir/sink.url" ] && break; sleep 0.1; done
endpoint=$(cat "$dir/sink.url")
for ev in event-6mb event-24mb; do
  measure "ship to local _bulk (gzip, masking)" "$ev" --destination elasticsearch --endpoint "$endpoint"
done
