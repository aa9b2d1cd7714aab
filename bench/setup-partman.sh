#!/usr/bin/env bash
# Installs pg_partman 4.x for the local PostgreSQL server from Debian's packages, so the load test
# (bench/load.ts) can measure `partman.run_maintenance()` as a baseline. Idempotent: does nothing when
# the extension's control file is already there. Needs root (apt-get).
set -euo pipefail

# The major version of the server the bench talks to (the only cluster on these machines).
pg_major="${PG_MAJOR:-$(ls /etc/postgresql 2>/dev/null | sort -n | tail -n 1)}"
if [ -z "$pg_major" ]; then
  echo "setup-partman: no PostgreSQL cluster found under /etc/postgresql" >&2
  exit 1
fi

extension_dir="/usr/share/postgresql/${pg_major}/extension"
if [ -f "${extension_dir}/pg_partman.control" ]; then
  echo "setup-partman: pg_partman already installed for PostgreSQL ${pg_major} ($(grep default_version "${extension_dir}/pg_partman.control"))"
  exit 0
fi

export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
apt-get install -y -qq "postgresql-${pg_major}-partman"
echo "setup-partman: installed $(grep default_version "${extension_dir}/pg_partman.control")"
