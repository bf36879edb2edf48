#!/usr/bin/env bash
# `make distributed-demo`: a distributed run on this machine, as the Kubernetes Job of
# deploy/kubernetes runs it (Docs/distributed.md), with local processes for pods: the run prepared
# once, 4 shards started together with --start-at, their results taken out of their log, merged,
# and the run cleaned up once. Against the servers in the environment (scripts/with-services.sh).
set -euo pipefail
bin="${1:-.build/release/dbbench}"
shards=4
mkdir -p results

# distributed COMMAND FLAGS...: one run of 4 shards of `dbbench COMMAND FLAGS...`.
distributed() {
  local command=$1
  shift
  local run_id log start
  run_id=$(od -An -N4 -tx4 /dev/urandom | tr -d ' \n')
  log="results/distributed-$command.log"
  echo "== dbbench $command: run $run_id, $shards shards"
  "$bin" "$command" --phase prepare --run-id "$run_id" "$@"
  # The start time is computed once, for every shard: time enough for them to start and connect.
  start=$(($(date +%s) + 3))
  : > "$log"
  local pids=()
  for ((index = 0; index < shards; index++)); do
    JOB_COMPLETION_INDEX=$index "$bin" "$command" --phase run --run-id "$run_id" --shards "$shards" \
      --start-at "$start" --progress off --log-result "$@" > "$log.$index" 2>&1 &
    pids+=($!)
  done
  local failed=0
  for pid in "${pids[@]}"; do wait "$pid" || failed=1; done
  for ((index = 0; index < shards; index++)); do cat "$log.$index" >> "$log" && rm "$log.$index"; done
  [ "$failed" = 0 ] || { echo "a shard failed; its log: $log" >&2; "$bin" "$command" --phase cleanup --run-id "$run_id" "$@"; exit 1; }
  "$bin" merge --from-log "$log" --output "results/distributed-$command.json" --format json --assert 'errors==0'
  "$bin" "$command" --phase cleanup --run-id "$run_id" "$@"
  echo
}

distributed redis --tests set,get --connections 40 --threads 1 --duration 5s --rate 20000
distributed timescale --tests insert,query --connections 8 --threads 1 --inserts-per-connection 5000 \
  --batch-size 500 --num-queries 200
echo "== a page with charts of both merged runs"
"$bin" report results/distributed-redis.json results/distributed-timescale.json --output results/distributed.html
echo "wrote results/distributed.html"
