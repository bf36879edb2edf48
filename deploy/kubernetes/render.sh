#!/bin/sh
# Renders one of the Job templates of this directory for a run, to stdout:
#
#   RUN_ID=3fa2c1d0 SHARDS=4 START_AT=1796292000 deploy/kubernetes/render.sh shards | kubectl apply -f -
#
# The run's settings come from the environment (Docs/distributed.md):
#   RUN_ID        the run's id: letters a-f and digits, up to 32 (every phase and shard shares it)
#   COMMAND       redis or timescale (default redis)
#   DBBENCH_ARGS  the workload's flags, as for dbbench (default: --tests set --duration 60s)
#   HOST, PORT    the server's Service (default redis / 6379, or timescaledb / 5432)
#   DATABASE, USER_NAME  timescale only (default postgres / postgres)
#   SECRET        the Secret whose key "password" holds the server's password (default dbbench)
#   IMAGE         the image `make image` built and your registry holds (default localhost/dbbench:latest)
#   CPU           the CPU each pod requests (default 2)
#   shards only:  SHARDS (the number of pods), START_AT (Unix seconds or RFC 3339, computed once
#                 for all pods), DEADLINE_SECONDS (how long the Job may run, default 3600)
set -eu

template=$(dirname "$0")/${1:?usage: render.sh prepare|shards|cleanup}.yaml.in
[ -f "$template" ] || { echo "render.sh: no template $template (prepare, shards or cleanup)" >&2; exit 64; }

fail() { echo "render.sh: $*" >&2; exit 64; }
COMMAND=${COMMAND:-redis}
case "$COMMAND" in
  redis) default_host=redis default_port=6379 ;;
  timescale) default_host=timescaledb default_port=5432 ;;
  *) fail "COMMAND must be redis or timescale, got '$COMMAND'" ;;
esac
RUN_ID=${RUN_ID:?RUN_ID: the run id every phase and shard shares (letters a-f and digits, up to 32)}
printf '%s' "$RUN_ID" | grep -Eq '^[0-9a-f]{1,32}$' || fail "RUN_ID takes letters a-f and digits, up to 32, got '$RUN_ID'"
HOST=${HOST:-$default_host}
PORT=${PORT:-$default_port}
DATABASE=${DATABASE:-postgres}
USER=${USER_NAME:-postgres}
SECRET=${SECRET:-dbbench}
IMAGE=${IMAGE:-localhost/dbbench:latest}
CPU=${CPU:-2}
DEADLINE_SECONDS=${DEADLINE_SECONDS:-3600}
SHARDS=${SHARDS:-}
START_AT=${START_AT:-}
if grep -q '@SHARDS@' "$template"; then
  printf '%s' "$SHARDS" | grep -Eq '^[1-9][0-9]*$' || fail "SHARDS: the number of shards, a whole number, got '$SHARDS'"
  [ -n "$START_AT" ] || fail "START_AT: when the shards begin (Unix seconds or RFC 3339), once for all of them"
fi
for value in "$HOST" "$PORT" "$DATABASE" "$USER" "$SECRET" "$IMAGE" "$CPU" "$DEADLINE_SECONDS" "$START_AT"; do
  case "$value" in *'"'* | *'|'* | *'\'* | *"
"*) fail "a setting holds a quote, a backslash, '|' or a line break: '$value'" ;; esac
done

# The workload's flags as the rest of a YAML flow sequence: , "--tests", "set", ...
args=""
for word in ${DBBENCH_ARGS:---tests set --duration 60s}; do
  case "$word" in *'"'* | *'|'* | *'\'*) fail "DBBENCH_ARGS: '$word' holds a quote, a backslash or '|'" ;; esac
  case "$word" in --phase | --run-id | --shards | --shard | --start-at | --log-result)
    fail "DBBENCH_ARGS: $word is the Job's own (render.sh sets it)" ;; esac
  args="$args, \"$word\""
done

sed -e "s|@RUN_ID@|$RUN_ID|g" -e "s|@COMMAND@|$COMMAND|g" -e "s|@ARGS@|$args|g" \
    -e "s|@HOST@|$HOST|g" -e "s|@PORT@|$PORT|g" -e "s|@DATABASE@|$DATABASE|g" -e "s|@USER@|$USER|g" \
    -e "s|@SECRET@|$SECRET|g" -e "s|@IMAGE@|$IMAGE|g" -e "s|@CPU@|$CPU|g" \
    -e "s|@DEADLINE_SECONDS@|$DEADLINE_SECONDS|g" -e "s|@SHARDS@|$SHARDS|g" -e "s|@START_AT@|$START_AT|g" \
    "$template"
