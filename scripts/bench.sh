#!/usr/bin/env bash
# Benchmark: throughput (MB/s of decompressed input, log events/s) and peak RSS
# on generated Kinesis events, release build, one core.
#
#   scripts/bench.sh                 # 6 MB-class event (400 x 100) and a 4x larger one
#   BENCH_ITERATIONS=50 scripts/bench.sh
#
# Two measurements per case, both pinned to core 0 (taskset):
# - warm throughput: examples/pipeline_bench parses the event and runs the
#   pipeline BENCH_ITERATIONS times in one process, as a warm Lambda does
#   invocation after invocation; the median (and best) iteration is reported;
# - cold run and peak RSS: `logship process` once under /usr/bin/time -v, the
#   whole process (start-up, reading the file, the run).
# Cases: masking off and on (the pipeline alone, bodies discarded), and
# shipping through the Lambda handler (masking, gzip, HTTP) to a local `_bulk`
# sink (scripts/bulk_sink.py, on core 1 when there is one).
# This VM's speed moves between runs (±30 %); compare medians of the same run.
# (Until November 2026 this script reported the best of N cold process runs;
# the cold column is that figure, from one run.)
set -euo pipefail
cd "$(dirname "$0")/.."
iterations=${BENCH_ITERATIONS:-30}
# Cargo's own progress (one line per crate) instead of minutes of silence: the
# first release build (fat LTO) takes 5-10 minutes on 2 cores.
echo "==> building the release binary and the benchmark (the first time: 5-10 minutes)" >&2
cargo build --release -p logship --bin logship --example pipeline_bench
bin=target/release/logship
warm=target/release/examples/pipeline_bench
dir=target/bench
mkdir -p "$dir"
pin="" sink_pin=""
if command -v taskset >/dev/null; then
  pin="taskset -c 0"
  [ "$(nproc)" -ge 2 ] && sink_pin="taskset -c 1"
fi

gen() { # name records events
  [ -s "$dir/$1.json" ] || "$bin" gen-event --records "$2" --events "$3" --control 2 --seed 1 \
      -o "$dir/$1.json" --manifest "$dir/$1.manifest.json" 2>/dev/null
}
gen event-6mb 400 100
gen event-24mb 1600 100

$sink_pin python3 scripts/bulk_sink.py > "$dir/sink.url" &
sink=$!
trap 'kill $sink 2>/dev/null' EXIT
for _ in $(seq 50); do [ -s "$dir/sink.url" ] && break; sleep 0.1; done
endpoint=$(cat "$dir/sink.url")

printf '%-34s %-10s %6s %9s %7s %9s %9s %7s %8s\n' case event "MB in" median "MB/s" "events/s" "best MB/s" cold "peak RSS"
# cold_rss label event args...: one `logship process` run; prints "ms KiB".
cold_rss() {
  local t0 t1
  t0=$(date +%s%N)
  /usr/bin/time -v -o "$dir/time.txt" $pin "$bin" process "$@" --quiet \
      2>"$dir/stderr.txt" >/dev/null || { echo "run failed:" >&2; cat "$dir/stderr.txt" >&2; exit 1; }
  t1=$(date +%s%N)
  grep -q " 0 dead-lettered, 0 failed, 0 filtered;.* 0 records to retry" "$dir/stderr.txt" \
      || { echo "run failed:" >&2; cat "$dir/stderr.txt" >&2; exit 1; }
  echo "$(( (t1 - t0) / 1000000 )) $(awk -F': ' '/Maximum resident set size/{print $2}' "$dir/time.txt")"
}
row() { # label event kv-line "cold_ms rss_kib"
  python3 - "$@" <<'PY'
import sys
label, ev, kv, cold = sys.argv[1:5]
f = dict(p.split("=", 1) for p in kv.split()[1:])
med, best, b, e = float(f["median_ms"]) / 1e3, float(f["best_ms"]) / 1e3, int(f["bytes"]), int(f["events"])
cold_ms, rss = (int(x) for x in cold.split())
print(f"{label:<34} {ev:<10} {b/1e6:6.1f} {med*1e3:7.1f}ms {b/1e6/med:7.1f} {e/med/1e3:8.0f}k "
      f"{b/1e6/best:9.1f} {cold_ms:5d}ms {rss/1024:5.1f}MiB")
PY
}

for ev in event-6mb event-24mb; do
  runs=$iterations
  [ "$ev" = event-24mb ] && runs=$(( (iterations + 3) / 4 ))
  out=$($pin "$warm" "$dir/$ev.json" "$runs")
  row "pipeline, masking off" "$ev" "$(grep '^kv case=off ' <<<"$out")" \
      "$(cold_rss "$dir/$ev.json" --format bulk --mask off)"
  row "pipeline, masking on (default)" "$ev" "$(grep '^kv case=on ' <<<"$out")" \
      "$(cold_rss "$dir/$ev.json" --format bulk)"
  grep '^masking adds' <<<"$out" | sed 's/^/  /'
  out=$(LOGSHIP_DESTINATION=elasticsearch LOGSHIP_ENDPOINT="$endpoint" $pin "$warm" "$dir/$ev.json" "$runs")
  row "ship to local _bulk (gzip, masking)" "$ev" "$(grep '^kv case=ship ' <<<"$out")" \
      "$(cold_rss "$dir/$ev.json" --destination elasticsearch --endpoint "$endpoint")"
done
