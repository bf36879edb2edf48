#!/usr/bin/env bash
# Server CPU per query, split by client: dbbench and pgbench run the same select-only point query at
# the same time (25 connections and one thread each) against the same server, and the CPU time of
# each client's backends (from /proc, told apart by application_name) over a 4-second window is
# divided by the queries that client completed in it (from their per-second progress lines).
# Both sides share the machine, the cache and the scheduler, so a difference is the client's doing.
#
#   scripts/with-services.sh Benchmarks/backend-cost.sh      (ROUNDS=3 by default)
set -euo pipefail
. "$(dirname "$0")/lib/select-only.sh" backend-cost
ROUNDS="${ROUNDS:-3}"

# "application pid cpu_ticks" for every client backend.
snapshot() {
  psql "${PG[@]}" -d "$DB_NAME" -XAt -F ' ' -c \
    "SELECT application_name, pid FROM pg_stat_activity WHERE backend_type = 'client backend' AND pid <> pg_backend_pid()" |
    while read -r app pid; do echo "$app $pid $(awk '{ print $14 + $15 }' "/proc/$pid/stat" 2>/dev/null || echo 0)"; done
}

printf '%-6s %22s %22s %7s\n' round "dbbench backends" "pgbench backends" ratio
for round in $(seq "$ROUNDS"); do
  "$BIN" timescale --tests sql --sql "$QUERY" --sql-args 1-1000000 --connections 25 --threads 1 \
      --duration 9s > /dev/null 2> "$work/dbbench" &
  pgbench "${PG[@]}" -n -S -M prepared -c 25 -j 1 -T 9 -P 1 "$DB_NAME" > /dev/null 2> "$work/pgbench" &
  sleep 3; snapshot > "$work/before"; sleep 4; snapshot > "$work/after"
  wait
  # Queries completed in seconds 4 to 7 of each run (the window), from the per-second progress lines.
  d_queries="$(grep '^progress SQL' "$work/dbbench" | sed -n '4,7p' |
    awk '{ for (i = 2; i <= NF; i++) if ($i == "in") { gsub(",", "", $(i - 1)); s += $(i - 1) } } END { print s + 0 }')"
  p_queries="$(grep '^progress: ' "$work/pgbench" | sed -n '4,7p' | awk '{ s += $4 } END { print s + 0 }')"
  awk -v round="$round" -v dq="$d_queries" -v pq="$p_queries" -v hz="$(getconf CLK_TCK)" '
    NR == FNR { before[$2] = $3; next }
    ($2 in before) { ticks[$1] += $3 - before[$2] }
    END {
      d = ticks["dbbench"] / hz / dq * 1e6; p = ticks["pgbench"] / hz / pq * 1e6
      printf "%-6s %11.2f µs/query %11.2f µs/query %7.3f\n", round, d, p, d / p
    }' "$work/before" "$work/after"
done
