# Sourced by the select-only experiments (backend-cost.sh, connection-spread.sh), run through
# scripts/with-services.sh: the dbbench binary, libpq settings for the throwaway server, the point
# query pgbench -S runs, a scratch directory removed on exit, and pgbench's tables at scale 10.
#
#   . "$(dirname "$0")/lib/select-only.sh" NAME      (NAME names the scratch directory)
cd "$(dirname "$0")/.."
BIN="${DBBENCH:-.build/release/dbbench}"
: "${DB_PORT:?run through scripts/with-services.sh}"
export PGPASSWORD="$DB_PASSWORD"
work="$(mktemp -d "/tmp/dbbench-$1.XXXXXX")"
trap 'rm -rf "$work"' EXIT
PG=(-h 127.0.0.1 -p "$DB_PORT" -U "$DB_USER")
QUERY='SELECT abalance FROM pgbench_accounts WHERE aid = $1'

pgbench "${PG[@]}" -i -s 10 -q "$DB_NAME" >/dev/null 2>&1
