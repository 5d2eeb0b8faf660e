#!/usr/bin/env bash
# Start Redis and PostgreSQL for the tests if they are not running (installing them
# with apt-get where they are missing and we may), and create the test database.
set -euo pipefail
SUDO=""; [ "$(id -u)" = 0 ] || SUDO="sudo"

redis_up() { command -v redis-cli >/dev/null && redis-cli -h 127.0.0.1 -p 6379 ping 2>/dev/null | grep -q PONG; }
pg_up() { command -v pg_isready >/dev/null && pg_isready -h 127.0.0.1 -p 5432 -q; }

if ! redis_up; then
  if ! command -v redis-server >/dev/null; then
    $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq redis-server >/dev/null
  fi
  mkdir -p /tmp/boekbrug-redis
  redis-server --daemonize yes --bind 127.0.0.1 --port 6379 --save "" --appendonly no --dir /tmp/boekbrug-redis \
    --logfile /tmp/boekbrug-redis/redis.log
  for _ in $(seq 50); do redis_up && break; sleep 0.2; done
fi
redis_up || { echo "Redis did not start" >&2; exit 1; }

if ! pg_up; then
  if ! ls /etc/postgresql/*/main >/dev/null 2>&1; then
    $SUDO apt-get update -qq && DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq postgresql >/dev/null
  fi
  version=$(ls /etc/postgresql | sort -V | tail -n 1)
  $SUDO pg_ctlcluster --skip-systemctl-redirect "$version" main start || true
  for _ in $(seq 100); do pg_up && break; sleep 0.2; done
fi
pg_up || { echo "PostgreSQL did not start" >&2; exit 1; }

# the test database, reachable as postgres over TCP without a password (trust) or via the socket
export PGPASSWORD="${PGPASSWORD:-postgres}"
if ! psql -h 127.0.0.1 -U postgres -d postgres -qtAc "select 1" >/dev/null 2>&1 && [ "$(id -u)" = 0 ]; then
  # a fresh Debian cluster: peer auth on the socket; give postgres the test password for TCP
  su postgres -c "psql -qc \"ALTER USER postgres PASSWORD 'postgres'\"" >/dev/null
fi
if ! psql -h 127.0.0.1 -U postgres -d postgres -qtAc "select 1" >/dev/null 2>&1; then
  echo "PostgreSQL refuses user postgres on 127.0.0.1; set TEST_POSTGRES_URL to a database you may use" >&2
  exit 1
fi
psql -h 127.0.0.1 -U postgres -d postgres -qtAc "select 1 from pg_database where datname='boekbrug_test'" | grep -q 1 \
  || psql -h 127.0.0.1 -U postgres -d postgres -qc "create database boekbrug_test"
echo "services: Redis and PostgreSQL ready"
