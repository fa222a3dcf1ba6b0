#!/usr/bin/env bash
# A PostgreSQL server on 127.0.0.1:5432 (Debian's packages) with a role and database "jobqueue", for the
# checkpoint tests. The password is made once and kept in $JQ_ROOT/postgres/password; the connection facts go
# to /opt/jobqueue-test/env as POSTGRES_HOST, _PORT, _USER, _PASSWORD and _DATABASE (one word each, so the file
# stays a shell file; tests join them into a connection string).
set -euo pipefail
JQ_COMPONENT=postgres
# shellcheck source=scripts/local/common.sh source-path=SCRIPTDIR
. "$(dirname "${BASH_SOURCE[0]}")/common.sh"

ADDR=127.0.0.1
PORT=5432
ROLE=jobqueue
DATABASE=jobqueue
PG_DIR=$JQ_ROOT/postgres
PASSWORD_FILE=$PG_DIR/password

ensure_packages postgresql postgresql-client

# The cluster Debian's postgresql package made (or one we make): the newest installed major version.
version=$(find /usr/lib/postgresql -mindepth 1 -maxdepth 1 -printf '%f\n' | sort -n | tail -n 1)
[ -n "$version" ] || die "no PostgreSQL server under /usr/lib/postgresql"
if ! pg_lsclusters -h | awk -v v="$version" '$1 == v && $2 == "main" { found = 1 } END { exit !found }'; then
    step "creating cluster $version/main"
    quiet pg_createcluster "$version" main
fi

conf=$(mktemp)
printf "listen_addresses = '%s'\nport = %s\n" "$ADDR" "$PORT" >"$conf"
if install_if_changed "$conf" "/etc/postgresql/$version/main/conf.d/jobqueue.conf"; then
    step "configured $version/main for $ADDR:$PORT"
    if pg_lsclusters -h | awk -v v="$version" '$1 == v && $2 == "main" && $4 == "online" { found = 1 } END { exit !found }'; then
        quiet pg_ctlcluster "$version" main restart
    fi
fi

pg_ready() { pg_isready -q -h "$ADDR" -p "$PORT"; }
if ! pg_ready; then
    step "starting PostgreSQL $version on $ADDR:$PORT"
    quiet pg_ctlcluster "$version" main start
    wait_for 30 pg_ready || die_with_log "PostgreSQL not accepting connections on $ADDR:$PORT" "/var/log/postgresql/postgresql-$version-main.log"
fi

install -d -m 755 "$PG_DIR"
if [ ! -s "$PASSWORD_FILE" ]; then
    (umask 077 && head -c 18 /dev/urandom | base64 | tr -d '/+=' >"$PASSWORD_FILE")
    step "made a password for role $ROLE"
fi
password=$(cat "$PASSWORD_FILE")

# Role and database, as the postgres superuser over the local socket. The password goes in on standard input,
# never on a command line.
as_postgres() { runuser -u postgres -- psql -X -q -v ON_ERROR_STOP=1 -d postgres "$@"; }
out=$(as_postgres -v role="$ROLE" -v password="$password" 2>&1 <<'SQL'
SELECT format('CREATE ROLE %I LOGIN', :'role') WHERE NOT EXISTS (SELECT FROM pg_roles WHERE rolname = :'role') \gexec
ALTER ROLE :"role" WITH LOGIN PASSWORD :'password';
SQL
) || die "setting up role $ROLE failed: $out"
if [ "$(as_postgres -tA -c "SELECT 1 FROM pg_database WHERE datname = '$DATABASE'")" != 1 ]; then
    step "creating database $DATABASE"
    quiet runuser -u postgres -- createdb -O "$ROLE" "$DATABASE"
fi

out=$(PGPASSWORD=$password psql -X -h "$ADDR" -p "$PORT" -U "$ROLE" -d "$DATABASE" -tA -c 'SELECT 1' 2>&1) \
    || die "logging in as $ROLE on $ADDR:$PORT failed: $out"
step "PostgreSQL $version on $ADDR:$PORT; role and database $ROLE ok"

env_set POSTGRES_HOST "$ADDR"
env_set POSTGRES_PORT "$PORT"
env_set POSTGRES_USER "$ROLE"
env_set POSTGRES_PASSWORD "$password"
env_set POSTGRES_DATABASE "$DATABASE"
