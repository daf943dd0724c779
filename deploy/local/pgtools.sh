# Sourced by deploy/backup and deploy/restore: the database the console uses, and PostgreSQL client programs
# of the server's major version. Needs PROG, say and die from the caller.

# The connection string the console uses: ConnectionStrings__Dispatch, else the local cluster's
# (deploy/local/postgres.sh ensure starts it if needed and prints it).
dispatch_connection() {
  if [[ -n "${ConnectionStrings__Dispatch:-}" ]]; then
    printf '%s\n' "$ConnectionStrings__Dispatch"
  else
    "$ROOT/deploy/local/postgres.sh" ensure || die "deploy/local/postgres.sh ensure failed"
  fi
}

# Exports PGHOST, PGPORT, PGDATABASE, PGUSER, PGPASSWORD (and PGSSLMODE) from an Npgsql connection string
# (Key=Value;…, keys in any case, with or without spaces; a value may be quoted).
export_pg_env() {
  local part key value
  unset PGHOST PGPORT PGDATABASE PGUSER PGPASSWORD PGSSLMODE
  local IFS=';'
  for part in $1; do
    [[ "$part" == *=* ]] || continue
    key=${part%%=*}
    value=${part#*=}
    key=$(printf '%s' "$key" | tr -d ' \t' | tr 'A-Z' 'a-z')
    value=${value#"${value%%[![:space:]]*}"}
    value=${value%"${value##*[![:space:]]}"}
    if [[ "$value" =~ ^\"(.*)\"$ || "$value" =~ ^\'(.*)\'$ ]]; then value=${BASH_REMATCH[1]}; fi
    case "$key" in
      host|server) export PGHOST=$value ;;
      port) export PGPORT=$value ;;
      database|db) export PGDATABASE=$value ;;
      username|userid|user|uid) export PGUSER=$value ;;
      password|pwd) export PGPASSWORD=$value ;;
      sslmode) export PGSSLMODE=$(printf '%s' "$value" | tr 'A-Z' 'a-z') ;;
    esac
  done
  [[ -n "${PGDATABASE:-}" ]] || die "the connection string names no Database"
  export PGCONNECT_TIMEOUT=10
}

# The bin folder whose client programs suit a server of major version $1: the same major version (Debian's
# /usr/lib/postgresql/N/bin), else the oldest newer one (pg_dump refuses servers newer than itself), else PATH's.
pg_bin_for() {
  local want=$1 d v
  if [[ -x /usr/lib/postgresql/$want/bin/pg_dump ]]; then echo "/usr/lib/postgresql/$want/bin"; return 0; fi
  for d in $(compgen -G '/usr/lib/postgresql/*/bin' | sort -V); do
    v=$(basename -- "$(dirname -- "$d")")
    if [[ "$v" =~ ^[0-9]+$ ]] && ((v >= want)) && [[ -x $d/pg_dump ]]; then echo "$d"; return 0; fi
  done
  d=$(command -v pg_dump 2>/dev/null || true)
  if [[ -n "$d" ]]; then
    v=$("$d" --version | sed -E 's/.* ([0-9]+)(\.[0-9]+)*.*/\1/')
    if [[ "$v" =~ ^[0-9]+$ ]] && ((v >= want)); then dirname -- "$d"; return 0; fi
  fi
  return 1
}

# Any psql, to ask the server its version.
any_psql() {
  local d
  for d in $(compgen -G '/usr/lib/postgresql/*/bin' | sort -V -r); do
    [[ -x $d/psql ]] && { echo "$d/psql"; return 0; }
  done
  command -v psql 2>/dev/null || return 1
}

# Sets PG_BIN for the server the PG* variables point at, connecting to database $1 (default PGDATABASE).
find_pg_bin_for_server() {
  local psql num major
  psql=$(any_psql) || die "psql is not installed (Debian: apt-get install postgresql-client)"
  num=$(PGDATABASE=${1:-$PGDATABASE} "$psql" -X -tAq -c 'show server_version_num') \
    || die "cannot connect to PostgreSQL at ${PGHOST:-localhost}:${PGPORT:-5432} as ${PGUSER:-?}"
  major=$((num / 10000))
  PG_BIN=$(pg_bin_for "$major") \
    || die "no pg_dump/pg_restore for PostgreSQL $major is installed (Debian: apt-get install postgresql-client-$major)"
}
