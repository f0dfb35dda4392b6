# Sourced by .ci/run (as root, on Debian): install and start what the web tests need, idempotently and quietly.
# - PostgreSQL (Debian package), with a role and an empty database; exports UNSCATHED_TEST_PG_URL.
# - Chromium (Debian package), which the Playwright browser tests drive; Playwright's own browsers are not used.
if ! command -v chromium >/dev/null || ! ls /usr/lib/postgresql/*/bin/pg_ctl >/dev/null 2>&1; then
    export DEBIAN_FRONTEND=noninteractive
    apt-get update -qq
    apt-get install -y -qq postgresql chromium >/dev/null
fi
PG_VERSION=$(ls /usr/lib/postgresql | sort -V | tail -1)
pg_lsclusters -h | awk '{print $1, $2}' | grep -qx "$PG_VERSION main" || pg_createcluster "$PG_VERSION" main >/dev/null
pg_ctlcluster "$PG_VERSION" main start >/dev/null 2>&1 || true  # "already running" is fine; readiness is checked below
PG_PORT=$(pg_lsclusters -h | awk -v v="$PG_VERSION" '$1 == v && $2 == "main" {print $3}')
for _ in $(seq 60); do pg_isready -q -h 127.0.0.1 -p "$PG_PORT" && break; sleep 1; done
pg_isready -q -h 127.0.0.1 -p "$PG_PORT" || { echo "PostgreSQL did not start" >&2; exit 1; }
psql_postgres() { su postgres -c "psql -p $PG_PORT -qtAc \"$1\""; }
[ "$(psql_postgres "SELECT 1 FROM pg_roles WHERE rolname = 'unscathed'")" = 1 ] || psql_postgres "CREATE ROLE unscathed LOGIN PASSWORD 'unscathed'" >/dev/null
[ "$(psql_postgres "SELECT 1 FROM pg_database WHERE datname = 'unscathed_test'")" = 1 ] || psql_postgres "CREATE DATABASE unscathed_test OWNER unscathed" >/dev/null
export UNSCATHED_TEST_PG_URL="postgresql+psycopg://unscathed:unscathed@127.0.0.1:$PG_PORT/unscathed_test"
