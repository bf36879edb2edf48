#!/usr/bin/env bash
# `make compare`: dbbench against the tools people use today, on the same servers and workloads.
#
# Each pair runs alternately (A B A B ...) for $ROUNDS rounds against the throwaway servers that
# scripts/with-services.sh started; the table shows the median throughput of each side, their ratio,
# and the client's CPU time (user + sys of the client processes) per operation, with the targets of
# Docs/performance.md. Exits 1 when a target is missed.
set -euo pipefail
cd "$(dirname "$0")/.."

# Five rounds: two of the pairs (Redis pipeline 16, PostgreSQL select-only) are server-bound and land
# within a few percent of 1.0, where the median of three rounds on a shared machine is a coin toss.
ROUNDS="${ROUNDS:-5}"
BIN="${DBBENCH:-.build/release/dbbench}"
CORES="$(nproc)"
: "${REDIS_PORT:?run through scripts/with-services.sh (make compare does)}"
: "${DB_PORT:?run through scripts/with-services.sh (make compare does)}"
: "${REDIS_TLS_PORT:?run through scripts/with-services.sh (make compare does)}"
: "${REDIS_CLUSTER_PORTS:?run through scripts/with-services.sh (make compare does)}"
export PGPASSWORD="$DB_PASSWORD"
PSQL=(psql -h 127.0.0.1 -p "$DB_PORT" -U "$DB_USER" -d "$DB_NAME" -X -q -v ON_ERROR_STOP=1)
work="$(mktemp -d /tmp/dbbench-compare.XXXXXX)"
trap 'rm -rf "$work"' EXIT
failed=0
rows_out=()

log() { echo "compare: $*" >&2; }
median() { sort -g | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

# run NAME OPERATIONS COMMAND...: runs the command, records "throughput cpu_seconds" in $work/NAME.
# Throughput comes from the command's output through parse_NAME-specific hooks below.
run() {
  local name="$1" parser="$2"; shift 2
  /usr/bin/time -f "%U %S" -o "$work/time" "$@" > "$work/out" 2> "$work/err" || { log "$name failed:"; cat "$work/err" >&2; exit 1; }
  local cpu; cpu="$(awk '{ print $1 + $2 }' "$work/time")"
  echo "$("$parser" "$work/out") $cpu" >> "$work/$name"
}

# dbbench runs with --format json (Docs/output.md): the first workload's operations per second, or
# its rows per second.
dbbench_json() { python3 -c 'import json, sys; w = json.load(open(sys.argv[1]))["workloads"][0]; print(eval(sys.argv[2]))' "$@"; }
dbbench_rate() { dbbench_json "$1" 'w["throughput_per_second"]'; }
dbbench_rows() { dbbench_json "$1" 'w["counters_per_second"]["rows"]'; }
redis_benchmark_rate() { tr '\r' '\n' < "$1" | awk '/requests per second/ { print $2; exit }'; }
pgbench_rate() { awk '/^tps = / { print $3; exit }' "$1"; }

# pair LABEL OPS UNIT TARGET_RATIO CPU_TARGET A_NAME B_NAME: prints one row from the medians.
pair() {
  local label="$1" ops="$2" unit="$3" target="$4" cpu_target="$5" a="$6" b="$7"
  local a_rate b_rate a_cpu b_cpu
  a_rate="$(awk '{ print $1 }' "$work/$a" | median)"; b_rate="$(awk '{ print $1 }' "$work/$b" | median)"
  a_cpu="$(awk '{ print $2 }' "$work/$a" | median)"; b_cpu="$(awk '{ print $2 }' "$work/$b" | median)"
  local line verdict="ok"
  line="$(awk -v l="$label" -v ar="$a_rate" -v br="$b_rate" -v ac="$a_cpu" -v bc="$b_cpu" -v ops="$ops" -v u="$unit" \
              -v t="$target" -v ct="$cpu_target" 'BEGIN {
      ratio = ar / br; acpu = ac / ops * 1e6; bcpu = bc / ops * 1e6; cratio = acpu / bcpu
      miss = (ratio < t) || (ct != "-" && cratio > ct)
      printf "%-34s %12.0f %12.0f %-7s %6.2f  >=%-5s %8.2f %8.2f %6.2f  %-6s %s\n", l, ar, br, u, ratio, t, acpu, bcpu, cratio,
             (ct == "-" ? "-" : "<=" ct), (miss ? "MISSED" : "met")
    }')"
  [[ "$line" == *MISSED ]] && failed=1
  rows_out+=("$line")
}

log "building and preparing (rounds: $ROUNDS)"
"${PSQL[@]}" -c "SELECT 1" >/dev/null

# 1, 2. Redis SET, 50 connections: the command redis-benchmark -t set sends (one key, 3-byte value, no
# TTL), both clients single-threaded.
N=1000000
for _ in $(seq "$ROUNDS"); do
  run dbbench-set dbbench_rate "$BIN" redis --port "$REDIS_PORT" --tests set --connections 50 --num-operations $N \
      --ttl 0 --value-size 3 --cache-keys 1 --threads 1 --key-prefix dbbench-compare: --format json
  run redis-benchmark-set redis_benchmark_rate redis-benchmark -p "$REDIS_PORT" -t set -c 50 -n $N -q
done
pair "Redis SET, 50 conns, unpipelined" $N "ops/s" 1.3 0.8 dbbench-set redis-benchmark-set
P=3000000
for _ in $(seq "$ROUNDS"); do
  run dbbench-p16 dbbench_rate "$BIN" redis --port "$REDIS_PORT" --tests set --connections 50 --num-operations $P \
      --pipeline 16 --ttl 0 --value-size 3 --cache-keys 1 --threads 1 --key-prefix dbbench-compare: --format json
  run redis-benchmark-p16 redis_benchmark_rate redis-benchmark -p "$REDIS_PORT" -t set -c 50 -n $P -P 16 -q
done
pair "Redis SET, 50 conns, pipeline 16" $P "ops/s" 1.0 - dbbench-p16 redis-benchmark-p16

# 2b. The same unpipelined SET over TLS (the handshake is part of connecting for both tools).
T=400000
tls=(--tls --cacert "$REDIS_TLS_DIR/ca.crt")
for _ in $(seq "$ROUNDS"); do
  run dbbench-tls dbbench_rate "$BIN" redis --port "$REDIS_TLS_PORT" "${tls[@]}" --tests set --connections 50 \
      --num-operations $T --ttl 0 --value-size 3 --cache-keys 1 --threads 1 --key-prefix dbbench-compare: --format json
  run redis-benchmark-tls redis_benchmark_rate redis-benchmark -p "$REDIS_TLS_PORT" "${tls[@]}" -t set -c 50 -n $T -q
done
pair "Redis SET over TLS, 50 conns" $T "ops/s" 1.3 0.8 dbbench-tls redis-benchmark-tls

# 2c. SET on the three-primary cluster: both spread 50 connections over the primaries.
C=600000
cluster_port="${REDIS_CLUSTER_PORTS%%,*}"
for _ in $(seq "$ROUNDS"); do
  run dbbench-cluster dbbench_rate "$BIN" redis --port "$cluster_port" --tests set --connections 50 --num-operations $C \
      --ttl 0 --value-size 3 --cache-keys 1000 --threads 1 --key-prefix dbbench-compare: --format json
  run redis-benchmark-cluster redis_benchmark_rate redis-benchmark --cluster -p "$cluster_port" -t set -c 50 -n $C -q
done
pair "Redis Cluster SET, 50 conns" $C "ops/s" 1.3 - dbbench-cluster redis-benchmark-cluster

# 3. memtier_benchmark, when installed.
if command -v memtier_benchmark >/dev/null; then
  memtier_rate() { awk '/^Totals/ { print $2; exit }' "$1"; }
  for _ in $(seq "$ROUNDS"); do
    run dbbench-get dbbench_rate "$BIN" redis --port "$REDIS_PORT" --tests get --connections 50 --num-operations $N --threads 1 --format json
    run memtier-get memtier_rate memtier_benchmark -p "$REDIS_PORT" -c 50 -t 1 -n $((N / 50)) --ratio 0:1 --hide-histogram
  done
  pair "Redis GET vs memtier_benchmark" $N "ops/s" 1.0 - dbbench-get memtier-get
else
  memtier_note="memtier_benchmark is not installed (not packaged for Debian 12): GET/mixed pair skipped"
fi

# 4. PostgreSQL select-only by primary key on pgbench's tables, 50 connections, prepared.
log "pgbench -i -s 10"
pgbench -h 127.0.0.1 -p "$DB_PORT" -U "$DB_USER" -i -s 10 -q "$DB_NAME" >/dev/null 2>&1
Q=400000
for _ in $(seq "$ROUNDS"); do
  run dbbench-select dbbench_rate "$BIN" timescale --tests sql --sql 'SELECT abalance FROM pgbench_accounts WHERE aid = $1' \
      --sql-args 1-1000000 --connections 50 --num-queries $Q --threads "$CORES" --format json
  run pgbench-select pgbench_rate pgbench -h 127.0.0.1 -p "$DB_PORT" -U "$DB_USER" -n -S -M prepared -c 50 -j "$CORES" -t $((Q / 50)) "$DB_NAME"
done
pair "PostgreSQL select-only, 50 conns" $Q "tx/s" 1.0 1.0 dbbench-select pgbench-select

# 5. Inserts into llm_usage_metrics: dbbench (2 connections, binary COPY per batch of 1000) against two
# parallel psql \copy streams of the same rows into the same table definition.
R=200000
"$BIN" timescale --tests insert --schema dbbench_compare --connections 2 --inserts-per-connection $((R / 2)) --keep-data >/dev/null 2>&1
columns="time, model_id, provider, request_count, token_input, token_output, token_total, cost_usd, avg_latency_ms, error_count, success_count, user_id, application_id, environment, metadata"
"${PSQL[@]}" -c "\\copy (SELECT $columns FROM dbbench_compare.llm_usage_metrics LIMIT $((R / 2))) TO '$work/a.csv' CSV"
"${PSQL[@]}" -c "\\copy (SELECT $columns FROM dbbench_compare.llm_usage_metrics OFFSET $((R / 2))) TO '$work/b.csv' CSV"
copy_streams() {
  "${PSQL[@]}" -c "TRUNCATE dbbench_compare.llm_usage_metrics"
  local started ended
  started="$(date +%s.%N)"
  /usr/bin/time -f "%U %S" -o "$work/ta" "${PSQL[@]}" -c "\\copy dbbench_compare.llm_usage_metrics ($columns) FROM '$work/a.csv' CSV" &
  /usr/bin/time -f "%U %S" -o "$work/tb" "${PSQL[@]}" -c "\\copy dbbench_compare.llm_usage_metrics ($columns) FROM '$work/b.csv' CSV" &
  wait
  ended="$(date +%s.%N)"
  awk -v s="$started" -v e="$ended" -v r=$R 'BEGIN { printf "%.0f ", r / (e - s) }' >> "$work/psql-copy"
  cat "$work/ta" "$work/tb" | awk '{ c += $1 + $2 } END { print c }' >> "$work/psql-copy"
}
for _ in $(seq "$ROUNDS"); do
  run dbbench-insert dbbench_rows "$BIN" timescale --tests insert --connections 2 --inserts-per-connection $((R / 2)) --batch-size 1000 --format json
  copy_streams
done
"${PSQL[@]}" -c "DROP SCHEMA dbbench_compare CASCADE" 2>/dev/null
pair "Insert, 2 streams, batches of 1000" $R "rows/s" 0.9 - dbbench-insert psql-copy

# Start-up and footprint.
startup_us="$(for _ in $(seq 5); do "$BIN" --version >/dev/null; done
  s=$(date +%s%N); for _ in $(seq 100); do "$BIN" --version >/dev/null; done; e=$(date +%s%N); echo $(( (e - s) / 100000 )))"
rss_redis="$(/usr/bin/time -f %M "$BIN" redis --port "$REDIS_PORT" --connections 200 --num-operations 200000 --key-prefix dbbench-compare: 2>&1 >/dev/null | tail -1)"
rss_timescale="$(/usr/bin/time -f %M "$BIN" timescale --connections 200 --inserts-per-connection 500 --num-queries 400 2>&1 >/dev/null | tail -1)"

echo
echo "dbbench $("$BIN" --version | cut -d' ' -f2) vs peers — medians of $ROUNDS alternating rounds; $(nproc) cores, $(free -g | awk '/Mem:/ { print $2 }') GiB,"
echo "$(redis-server --version | cut -d' ' -f3 | tr -d 'v=') Redis, PostgreSQL $(pg_config --version 2>/dev/null | cut -d' ' -f2 || true) on the same machine; CPU = client user+sys per operation"
echo
printf "%-34s %12s %12s %-7s %6s  %-7s %8s %8s %6s  %-6s %s\n" "pair" "dbbench" "peer" "unit" "ratio" "target" "µs/op" "peer" "ratio" "target" "verdict"
for row in "${rows_out[@]}"; do echo "$row"; done
[ -n "${memtier_note:-}" ] && echo "(${memtier_note})"
echo
awk -v us="$startup_us" -v r="$rss_redis" -v t="$rss_timescale" 'BEGIN {
  printf "dbbench --version: %.1f ms, fork and exec included (target < 10 ms): %s\n", us / 1000, (us / 1000 < 10 ? "met" : "MISSED")
  printf "peak RSS, dbbench redis --connections 200: %.1f MB (target < 30 MB): %s\n", r / 1024, (r / 1024 < 30 ? "met" : "MISSED")
  printf "peak RSS, dbbench timescale --connections 200: %.1f MB (target < 30 MB): %s\n", t / 1024, (t / 1024 < 30 ? "met" : "MISSED")
}' | tee "$work/footprint"
grep -q MISSED "$work/footprint" && failed=1
exit $failed
