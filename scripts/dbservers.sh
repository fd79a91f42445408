#!/usr/bin/env bash
# Throwaway PostgreSQL and MariaDB servers for the store suite and the
# cluster tests: each with a data folder of its own under DIR, listening on
# 127.0.0.1 on a port chosen at run time, run as its own system user, with
# a database orchd_test and a user orchd whose password is in a file.
#
#   scripts/dbservers.sh start DIR [postgresql] [mariadb]   (default: both)
#   scripts/dbservers.sh stop DIR
#
# start writes DIR/env, to be sourced: ORCHD_TEST_POSTGRESQL and
# ORCHD_TEST_MARIADB (connection strings in each backend's own form) and
# ORCHD_TEST_DB_PASSWORD_FILE. A server that cannot start is reported and
# left out of DIR/env (its tests then report themselves skipped, with the
# reason in ORCHD_TEST_<NAME>_SKIPPED). stop stops whatever start left
# running; safe to call twice, and on a failed start.
# ORCHD_DB_PG_OPTIONS and ORCHD_DB_MARIADB_OPTIONS add server settings
# (postgres -c ... and mariadbd --...: bench/netstore.sh sets the ones
# docs/OPERATIONS.md recommends for a write-heavy store).
set -euo pipefail
cmd=${1:?start or stop}
dir=${2:?a folder for the servers}
shift 2 || true
which=("$@")
[ ${#which[@]} -gt 0 ] || which=(postgresql mariadb)
PGBIN=/usr/lib/postgresql/15/bin

free_port() {
  python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1]); s.close()'
}

wait_until() {  # wait_until SECONDS command...: polls with a deadline
  local deadline=$((SECONDS + $1)); shift
  until "$@" >/dev/null 2>&1; do
    [ $SECONDS -lt $deadline ] || return 1
    sleep 0.2
  done
}

start_postgresql() {
  local d="$dir/postgresql" port
  [ -x "$PGBIN/initdb" ] || { echo "export ORCHD_TEST_POSTGRESQL_SKIPPED='PostgreSQL 15 is not installed'" >> "$dir/env"; return 0; }
  port=$(free_port)
  mkdir -p "$d"; chown postgres:postgres "$d"; chmod 700 "$d"
  runuser -u postgres -- "$PGBIN/initdb" -D "$d/data" -A trust --auth-host=scram-sha-256 -E UTF8 --locale=C.UTF-8 >"$dir/postgresql-initdb.log" 2>&1 || return 1
  runuser -u postgres -- "$PGBIN/pg_ctl" -D "$d/data" -l "$d/server.log" -w -t 60 \
    -o "-c listen_addresses=127.0.0.1 -c port=$port -c unix_socket_directories=$d -c max_connections=300 ${ORCHD_DB_PG_OPTIONS:-}" start >/dev/null || return 1
  runuser -u postgres -- "$PGBIN/psql" -h "$d" -p "$port" -d postgres -qAt \
    -c "CREATE ROLE orchd LOGIN PASSWORD '$(cat "$dir/password")'" -c "CREATE DATABASE orchd_test OWNER orchd" >/dev/null || return 1
  echo "export ORCHD_TEST_POSTGRESQL='host=127.0.0.1 port=$port dbname=orchd_test user=orchd'" >> "$dir/env"
  echo "export ORCHD_TEST_POSTGRESQL_ADMIN='host=$d port=$port dbname=postgres user=postgres'" >> "$dir/env"
  echo "postgresql: 127.0.0.1:$port ($d)"
}

start_mariadb() {
  local d="$dir/mariadb" port
  command -v mariadbd >/dev/null || { echo "export ORCHD_TEST_MARIADB_SKIPPED='mariadb-server is not installed'" >> "$dir/env"; return 0; }
  port=$(free_port)
  mkdir -p "$d"; chown mysql:mysql "$d"
  mariadb-install-db --datadir="$d/data" --user=mysql --auth-root-authentication-method=socket --skip-test-db >"$dir/mariadb-install.log" 2>&1 || return 1
  mariadbd --no-defaults --datadir="$d/data" --socket="$d/mysqld.sock" --port="$port" --bind-address=127.0.0.1 \
    --user=mysql --pid-file="$d/mysqld.pid" --log-error="$d/server.log" --skip-name-resolve \
    --innodb-buffer-pool-size=256M --max-connections=300 ${ORCHD_DB_MARIADB_OPTIONS:-} >/dev/null 2>&1 &
  wait_until 60 mariadb --no-defaults --socket="$d/mysqld.sock" -uroot -e "SELECT 1" || { cat "$d/server.log" >&2; return 1; }
  mariadb --no-defaults --socket="$d/mysqld.sock" -uroot -e "CREATE DATABASE orchd_test; \
    CREATE USER 'orchd'@'127.0.0.1' IDENTIFIED BY '$(cat "$dir/password")'; \
    GRANT ALL ON orchd_test.* TO 'orchd'@'127.0.0.1';" || return 1
  echo "export ORCHD_TEST_MARIADB='host=127.0.0.1;port=$port;db=orchd_test;user=orchd'" >> "$dir/env"
  echo "export ORCHD_TEST_MARIADB_ADMIN='$d/mysqld.sock'" >> "$dir/env"
  echo "mariadb: 127.0.0.1:$port ($d)"
}

stop_postgresql() {
  local d="$dir/postgresql"
  [ -f "$d/data/postmaster.pid" ] || return 0
  runuser -u postgres -- "$PGBIN/pg_ctl" -D "$d/data" -m immediate -w -t 30 stop >/dev/null 2>&1 || true
}

stop_mariadb() {
  local d="$dir/mariadb" pid
  [ -f "$d/mysqld.pid" ] || return 0
  pid=$(cat "$d/mysqld.pid")
  kill "$pid" 2>/dev/null || true
  wait_until 30 bash -c "! kill -0 $pid" || kill -9 "$pid" 2>/dev/null || true
}

case "$cmd" in
  start)
    mkdir -p "$dir"; chmod 755 "$dir"
    : > "$dir/env"
    # A password that is not in any properties file: the nodes read it
    # from this file (store.password_file).
    head -c 18 /dev/urandom | base64 | tr -d '/+=' > "$dir/password"
    chmod 644 "$dir/password"
    echo "export ORCHD_TEST_DB_PASSWORD_FILE='$dir/password'" >> "$dir/env"
    for s in "${which[@]}"; do
      if ! "start_$s"; then
        echo "dbservers: $s did not start" >&2
        echo "export ORCHD_TEST_$(echo "$s" | tr a-z A-Z)_SKIPPED='the throwaway $s server did not start (see $dir)'" >> "$dir/env"
      fi
    done
    ;;
  stop)
    stop_postgresql
    stop_mariadb
    ;;
  *) echo "usage: $0 start|stop DIR" >&2; exit 2 ;;
esac
