#!/usr/bin/env bash
# Throwaway PostgreSQL and Redis servers for tests and the demo.
#
#   scripts/services.sh up      start both on 127.0.0.1, on free ports, in a temporary directory
#   scripts/services.sh down    stop them and delete the directory
#   scripts/services.sh status  print the environment file
#
# `up` writes .services/env (REDIS_HOST, REDIS_PORT, DB_HOST, DB_PORT, DB_USER, DB_PASSWORD,
# DB_NAME, ...) which the tests, the demo and `make bench-*` read. A second Redis server
# (REDIS_OWN_PORT) belongs to the one test suite that reads the server's global counters or pauses
# it, so that tests running in parallel never move each other's numbers. As root, PostgreSQL runs as the
# `postgres` user; as a normal user, as that user. Nothing listens beyond loopback.
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd)"
state="$root/.services"
envfile="$state/env"
pgbin="${PG_BIN:-$(ls -d /usr/lib/postgresql/*/bin 2>/dev/null | sort -V | tail -n 1)}"
db_password="dbbench-test-password"
acl_password="dbbench-acl-password"

log() { echo "services: $*" >&2; }

port_is_free() { ! (exec 3<>"/dev/tcp/127.0.0.1/$1") 2>/dev/null; }

# Ports come from below the kernel's ephemeral range (ip_local_port_range, 32768 and up by default):
# a port there may be taken between the check and the server's bind by any outgoing connection's
# local end, which the check (a connect) cannot see.
ephemeral_low="$(cut -f1 /proc/sys/net/ipv4/ip_local_port_range 2>/dev/null || echo 32768)"

free_port() {
  local port
  for _ in $(seq 1 200); do
    port=$(( 20000 + RANDOM % (ephemeral_low - 20000) ))
    if port_is_free "$port"; then echo "$port"; return 0; fi
  done
  log "no free port found"; return 1
}

as_postgres() {
  if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

# True when both servers named in the environment file accept connections.
servers_answer() {
  local name port
  for name in REDIS_PORT REDIS_OWN_PORT REDIS_TLS_PORT REDIS_TLS_CLIENT_PORT DB_PORT; do
    port="$(sed -n "s/^$name=//p" "$envfile")"
    [ -n "$port" ] && ! port_is_free "$port" || return 1
  done
}

# free_cluster_port: a port that is free and whose cluster bus port (port + 10000) is free too, both
# below the ephemeral range.
free_cluster_port() {
  local port
  for _ in $(seq 1 200); do
    port=$(( 10000 + RANDOM % (ephemeral_low - 20000) ))
    if port_is_free "$port" && port_is_free $(( port + 10000 )); then echo "$port"; return 0; fi
  done
  log "no free port pair found"; return 1
}

# start_redis DIR NAME [OPTION...]: a Redis server on a free loopback port; prints the port. With
# --tls among the options, the port is its TLS port (and it has no plain one).
start_redis() {
  local dir="$1" name="$2" port; shift 2
  if [[ " $* " == *" --cluster-enabled yes "* ]]; then port="$(free_cluster_port)"; else port="$(free_port)"; fi
  local listen=(--port "$port") ping=(-p "$port")
  if [ "${1:-}" = --tls ]; then
    shift
    listen=(--port 0 --tls-port "$port" --tls-cert-file "$dir/tls/server.crt" --tls-key-file "$dir/tls/server.key"
      --tls-ca-cert-file "$dir/tls/ca.crt")
    ping=(-p "$port" --tls --cacert "$dir/tls/ca.crt" --cert "$dir/tls/client.crt" --key "$dir/tls/client.key")
  fi
  redis-server "${listen[@]}" --bind 127.0.0.1 --daemonize yes --dir "$dir" \
    --pidfile "$dir/$name.pid" --logfile "$dir/$name.log" --save "" --appendonly no "$@" >/dev/null
  for _ in $(seq 1 50); do redis-cli "${ping[@]}" ping >/dev/null 2>&1 && break; sleep 0.1; done
  redis-cli "${ping[@]}" ping >/dev/null || { log "$name did not start:"; tail "$dir/$name.log" >&2; return 1; }
  echo "$port"
}

# make_certificates DIR: a CA, a server certificate for localhost, 127.0.0.1 and ::1 signed by it,
# and a client certificate, in DIR/tls (EC P-256 keys, valid for two days).
make_certificates() {
  local tls="$1/tls"; mkdir -p "$tls"
  (
    cd "$tls"
    openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout ca.key -out ca.crt \
      -days 2 -subj "/CN=dbbench test CA"
    for who in server client; do
      openssl req -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes -keyout "$who.key" -out "$who.csr" \
        -subj "/CN=dbbench test $who"
    done
    printf 'subjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1\n' > server.ext
    openssl x509 -req -in server.csr -CA ca.crt -CAkey ca.key -CAcreateserial -out server.crt -days 2 \
      -extfile server.ext
    openssl x509 -req -in client.csr -CA ca.crt -CAkey ca.key -CAcreateserial -out client.crt -days 2
    chmod 644 ./*.key
  ) >"$1/openssl.log" 2>&1 || { log "openssl failed:"; tail "$1/openssl.log" >&2; return 1; }
}

up() {
  if [ -f "$envfile" ]; then
    if servers_answer; then
      log "already up ($envfile); run '$0 down' first"; cat "$envfile"; return 0
    fi
    log "the servers of $envfile no longer answer (machine restarted?): starting new ones"
    down
  fi
  command -v redis-server >/dev/null || { log "redis-server is missing: run 'make deps'"; return 1; }
  [ -x "$pgbin/initdb" ] || { log "PostgreSQL server binaries are missing: run 'make deps'"; return 1; }
  mkdir -p "$state"
  local dir; dir="$(mktemp -d /tmp/dbbench-services.XXXXXX)"
  chmod 755 "$dir"
  echo "$dir" > "$state/dir"

  make_certificates "$dir"
  local redis_port; redis_port="$(start_redis "$dir" redis --unixsocket "$dir/redis.sock" --unixsocketperm 777)"
  local redis_own_port; redis_own_port="$(start_redis "$dir" redis-own)"
  # TLS: one port that takes any client, one that requires a client certificate signed by the CA.
  local redis_tls_port; redis_tls_port="$(start_redis "$dir" redis-tls --tls --tls-auth-clients no)"
  local redis_tls_client_port; redis_tls_client_port="$(start_redis "$dir" redis-tls-clients --tls --tls-auth-clients yes)"
  # A Redis Cluster of three primaries (no replicas), all slots assigned.
  local cluster_ports=()
  for index in 1 2 3; do
    cluster_ports+=("$(start_redis "$dir" "redis-cluster-$index" --cluster-enabled yes \
      --cluster-config-file "$dir/redis-cluster-$index.conf")")
  done
  redis-cli --cluster create "${cluster_ports[@]/#/127.0.0.1:}" --cluster-replicas 0 --cluster-yes \
    >"$dir/redis-cluster.log" 2>&1 || { log "redis cluster create failed:"; tail "$dir/redis-cluster.log" >&2; return 1; }
  for _ in $(seq 1 100); do
    redis-cli -p "${cluster_ports[0]}" cluster info | grep -q '^cluster_state:ok' && break; sleep 0.1
  done
  # ACL users limited to keys under dbbench: one with every command, one without INFO.
  redis-cli -p "$redis_port" ACL SETUSER dbbench-user on ">$acl_password" '~dbbench*' '+@all' >/dev/null
  redis-cli -p "$redis_port" ACL SETUSER dbbench-noinfo on ">$acl_password" '~dbbench*' '+@all' '-info' >/dev/null

  local pg_port; pg_port="$(free_port)"
  mkdir -p "$dir/pg" "$dir/pgsocket"
  printf '%s\n' "$db_password" > "$dir/pwfile"
  if [ "$(id -u)" = 0 ]; then chown postgres: "$dir/pg" "$dir/pgsocket" "$dir/pwfile"; fi
  as_postgres "$pgbin/initdb" -D "$dir/pg" -U postgres --pwfile="$dir/pwfile" \
    --auth-local=trust --auth-host=scram-sha-256 >"$dir/initdb.log" 2>&1 \
    || { log "initdb failed:"; tail "$dir/initdb.log" >&2; return 1; }
  as_postgres "$pgbin/pg_ctl" -D "$dir/pg" -l "$dir/pg/server.log" -w -t 60 \
    -o "-p $pg_port -k $dir/pgsocket -c listen_addresses=127.0.0.1 -c max_connections=250 -c fsync=off -c synchronous_commit=off -c full_page_writes=off" \
    start >/dev/null || { log "postgres did not start:"; tail "$dir/pg/server.log" >&2; return 1; }
  as_postgres "$pgbin/psql" -h "$dir/pgsocket" -p "$pg_port" -U postgres -q -c "CREATE DATABASE analytics" >/dev/null

  cat > "$envfile.tmp" <<EOF
REDIS_HOST=127.0.0.1
REDIS_PORT=$redis_port
REDIS_OWN_PORT=$redis_own_port
REDIS_TLS_PORT=$redis_tls_port
REDIS_CLUSTER_PORTS=$(IFS=,; echo "${cluster_ports[*]}")
REDIS_TLS_CLIENT_PORT=$redis_tls_client_port
REDIS_TLS_DIR=$dir/tls
REDIS_SOCKET=$dir/redis.sock
REDIS_ACL_USER=dbbench-user
REDIS_ACL_NOINFO_USER=dbbench-noinfo
REDIS_ACL_PASSWORD=$acl_password
DB_HOST=127.0.0.1
DB_PORT=$pg_port
DB_USER=postgres
DB_PASSWORD=$db_password
DB_NAME=analytics
PG_SOCKET_DIR=$dir/pgsocket
SERVICES_DIR=$dir
EOF
  mv "$envfile.tmp" "$envfile"
  log "redis on 127.0.0.1:$redis_port, postgres on 127.0.0.1:$pg_port ($dir)"
}

down() {
  [ -f "$state/dir" ] || { log "nothing to stop"; return 0; }
  local dir; dir="$(cat "$state/dir")"
  for pidfile in "$dir"/redis*.pid; do
    if [ -f "$pidfile" ]; then kill "$(cat "$pidfile")" 2>/dev/null || true; fi
  done
  if [ -f "$dir/pg/postmaster.pid" ]; then
    as_postgres "$pgbin/pg_ctl" -D "$dir/pg" -m immediate -w stop >/dev/null 2>&1 || true
  fi
  for _ in $(seq 1 50); do [ -f "$dir/redis.pid" ] && kill -0 "$(cat "$dir/redis.pid")" 2>/dev/null || break; sleep 0.1; done
  rm -rf "$dir" "$state"
  log "stopped"
}

case "${1:-}" in
  up) up ;;
  down) down ;;
  status) [ -f "$envfile" ] && cat "$envfile" || { log "not running"; exit 1; } ;;
  *) echo "usage: $0 up|down|status" >&2; exit 64 ;;
esac
