#!/usr/bin/env bash
# How evenly each client keeps its connections busy, and what that is worth on this machine.
#
# 1. dbbench and pgbench run the select-only point query for the same time (50 connections, one
#    thread per core) and report how many queries each connection completed: dbbench from its JSON
#    (operations_per_connection), pgbench from its per-transaction log (-l).
# 2. Both run at 10, 20, 30 and 50 connections: with the server on the same two cores, throughput
#    falls as more backends take turns, so a client that leaves some of its connections waiting
#    loads the server with fewer connections than it was given, and gets more queries through.
#
#   scripts/with-services.sh Benchmarks/connection-spread.sh      (SECONDS_PER_RUN=5 by default)
set -euo pipefail
. "$(dirname "$0")/lib/select-only.sh" spread
DURATION="${SECONDS_PER_RUN:-5}"
CORES="$(nproc)"

dbbench_run() {  # CONNECTIONS [extra flags]: prints the JSON document
  "$BIN" timescale --tests sql --sql "$QUERY" --sql-args 1-1000000 --connections "$1" --threads "$CORES" \
      --duration "${DURATION}s" --progress off "${@:2}"
}
pgbench_run() {  # CONNECTIONS [extra flags]: prints pgbench's report
  pgbench "${PG[@]}" -n -S -M prepared -c "$1" -j "$CORES" -T "$DURATION" "${@:2}" "$DB_NAME" 2>&1
}

echo "Queries per connection, 50 connections, ${DURATION} s each ($CORES cores):"
dbbench_run 50 --format json | python3 -c '
import json, sys
w = json.load(sys.stdin)["workloads"][0]
s, rate = w["operations_per_connection"], w["throughput_per_second"]
lo, mid, hi = s["min"], s["median"], s["max"]
print(f"  dbbench  {rate:8.0f} q/s   per connection: {lo:,} min · {mid:,} median · {hi:,} max   (max/min {hi / lo:.2f})")'
(cd "$work" && pgbench_run 50 -l > report)
awk '{ n[$1]++ } END { for (c in n) print n[c] }' "$work"/pgbench_log.* | sort -n |
  awk -v tps="$(awk '/^tps = / { print $3; exit }' "$work/report")" '{ v[NR] = $1 } END {
    printf "  pgbench  %8.0f q/s   per connection: %d min · %d median · %d max   (max/min %.2f; -l logging on)\n",
           tps, v[1], v[int(NR / 2) + 1], v[NR], v[NR] / v[1] }'

echo
echo "Throughput by connections (q/s):"
printf '  %-12s %9s %9s\n' connections dbbench pgbench
for connections in 10 20 30 50; do
  d="$(dbbench_run "$connections" --format json | python3 -c 'import json, sys; print(round(json.load(sys.stdin)["workloads"][0]["throughput_per_second"]))')"
  p="$(pgbench_run "$connections" | awk '/^tps = / { printf "%.0f", $3; exit }')"
  printf '  %-12s %9s %9s\n' "$connections" "$d" "$p"
done
