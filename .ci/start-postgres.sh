#!/usr/bin/env bash
# Installs PostgreSQL 15 (Debian 12) when missing and starts a throw-away cluster for the metadata
# tests on 127.0.0.1, then prints the URL the tests read from BERTH_TEST_POSTGRES.
# Usage: eval "$(bash .ci/start-postgres.sh DIR [PORT])". Idempotent: a running cluster is reused.
set -euo pipefail
export DEBIAN_FRONTEND=noninteractive

# Descriptors inherited beyond 0-2 (a test harness's pipes) would stay open in the server it starts,
# and whoever waits for those pipes to close would wait for ever.
for fd in /proc/$$/fd/*; do
    fd="${fd##*/}"
    if ((fd > 2)); then eval "exec $fd>&-" 2>/dev/null || true; fi
done

dir="${1:?usage: start-postgres.sh DIR [PORT]}"
port="${2:-55432}"
bin=/usr/lib/postgresql/15/bin

if [[ ! -x "$bin/initdb" ]]; then
    apt-get update -qq >&2
    apt-get install -y -qq --no-install-recommends "postgresql-15=15.*" >&2 ||
        apt-get install -y -qq --no-install-recommends postgresql-15 >&2
fi

# initdb and postgres refuse to run as root: the cluster belongs to the postgres account.
as_owner=()
if [[ "$(id -u)" == 0 ]]; then
    id postgres >/dev/null 2>&1 || useradd --system --home-dir /var/lib/postgresql postgres
    as_owner=(runuser -u postgres --)
fi

mkdir -p "$dir"
dir="$(cd "$dir" && pwd)"
[[ "$(id -u)" == 0 ]] && chown postgres "$dir"
if [[ ! -f "$dir/PG_VERSION" ]]; then
    printf 'berth\n' >"$dir.pw"
    [[ "$(id -u)" == 0 ]] && chown postgres "$dir.pw"
    "${as_owner[@]}" "$bin/initdb" -D "$dir" -U berth --pwfile="$dir.pw" -A scram-sha-256 >/dev/null
    rm -f "$dir.pw"
fi
if ! "${as_owner[@]}" "$bin/pg_ctl" -D "$dir" status >/dev/null 2>&1; then
    "${as_owner[@]}" "$bin/pg_ctl" -D "$dir" -l "$dir/server.log" -w -t 60 \
        -o "-c listen_addresses=127.0.0.1 -p $port -k $dir -c max_connections=400 -c fsync=on" start \
        </dev/null >/dev/null 2>&1
fi
PGPASSWORD=berth "$bin/psql" -h 127.0.0.1 -p "$port" -U berth -d postgres -tAc \
    "SELECT 1 FROM pg_database WHERE datname = 'berth'" | grep -q 1 ||
    PGPASSWORD=berth "$bin/createdb" -h 127.0.0.1 -p "$port" -U berth berth
echo "export BERTH_TEST_POSTGRES=postgres://berth:berth@127.0.0.1:$port/berth"
echo "export BERTH_TEST_POSTGRES_DATA=$dir"
