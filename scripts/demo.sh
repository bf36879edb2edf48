#!/usr/bin/env bash
# `make demo`: every benchmark with modest settings against the servers in the environment
# (scripts/with-services.sh starts throwaway ones and exports their addresses).
set -euo pipefail
bin="${1:-.build/release/dbbench}"
echo "== dbbench redis (REDIS_HOST=$REDIS_HOST REDIS_PORT=$REDIS_PORT)"
"$bin" redis --connections 50 --num-operations 100000 --format json --output results/demo-redis.json
echo
echo "== dbbench redis against a Redis Cluster of three primaries (REDIS_CLUSTER_PORTS=$REDIS_CLUSTER_PORTS)"
"$bin" redis --port "${REDIS_CLUSTER_PORTS%%,*}" --connections 48 --num-operations 100000 --tests set,get,mixed
echo
echo "== dbbench timescale (DB_HOST=$DB_HOST DB_PORT=$DB_PORT DB_NAME=$DB_NAME)"
"$bin" timescale --connections 50 --inserts-per-connection 2000 --num-queries 200 \
  --format json --output results/demo-timescale.json
echo
echo "== a page with charts of both runs (opens offline in a browser)"
"$bin" report results/demo-redis.json results/demo-timescale.json --output results/demo.html
echo "wrote results/demo.html"
