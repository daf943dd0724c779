#!/usr/bin/env bash
# Local PostgreSQL cluster for Dispatch (the "embedded default").
#
#   deploy/local/postgres.sh ensure   install PostgreSQL if needed, init + start our own cluster,
#                                     print ONE line on stdout: the Npgsql connection string
#   deploy/local/postgres.sh stop     stop the cluster
#   deploy/local/postgres.sh status   print whether it runs (exit 0 running, 3 otherwise)
#
# Settings (environment):
#   DISPATCH_DATA_DIR   data folder (default: normal user ${XDG_DATA_HOME:-$HOME/.local/share}/dispatch/postgres,
#                       root /var/lib/dispatch/postgres)
#   DISPATCH_PG_PORT    TCP port on 127.0.0.1 (default 5433)
#
# Beside the data folder (in its parent) live: `password` (0600, the `dispatch` superuser's password),
# `run/` (unix socket directory), `<data folder name>.log` (server log) and `<data folder name>.lock`.
# PostgreSQL refuses to run as root, so as root the cluster belongs to the `postgres` OS user.
# All messages go to stderr; only the connection string goes to stdout. See docs/setup.md.
set -euo pipefail

exec 3>&1 1>&2 # fd 3 = the real stdout (connection string / status); everything else goes to stderr

PROG=deploy/local/postgres.sh
log() { printf '%s: %s\n' "$PROG" "$*"; }
die() { printf '%s: error: %s\n' "$PROG" "$*"; exit 1; }

usage() {
  printf 'usage: %s ensure|stop|status\n' "$PROG"
  exit 2
}

[[ $# -eq 1 ]] || usage
COMMAND=$1
case "$COMMAND" in ensure|stop|status) ;; -h|--help|help) usage ;; *) usage ;; esac

# ---------------------------------------------------------------- settings
IS_ROOT=false
[[ $(id -u) -eq 0 ]] && IS_ROOT=true
PG_OS_USER=postgres # the OS user owning the cluster when we are root

if [[ -n "${DISPATCH_DATA_DIR:-}" ]]; then
  DATA_DIR=$DISPATCH_DATA_DIR
elif $IS_ROOT; then
  DATA_DIR=/var/lib/dispatch/postgres
else
  [[ -n "${HOME:-}" ]] || die "HOME is not set; set DISPATCH_DATA_DIR"
  DATA_DIR=${XDG_DATA_HOME:-$HOME/.local/share}/dispatch/postgres
fi
DATA_DIR=$(realpath -m -- "$DATA_DIR")
[[ "$DATA_DIR" != / ]] || die "DISPATCH_DATA_DIR must not be /"
BASE_DIR=$(dirname -- "$DATA_DIR")
NAME=$(basename -- "$DATA_DIR")
PASSWORD_FILE=$BASE_DIR/password
SOCKET_DIR=$BASE_DIR/run
LOG_FILE=$BASE_DIR/$NAME.log
LOCK_FILE=$BASE_DIR/$NAME.lock

PORT=${DISPATCH_PG_PORT:-5433}
if ! [[ "$PORT" =~ ^[0-9]{1,5}$ ]] || ((10#$PORT < 1 || 10#$PORT > 65535)); then
  die "DISPATCH_PG_PORT must be a TCP port number, got '$PORT'"
fi
PORT=$((10#$PORT))

# The socket path must fit in sun_path (107 bytes).
if (( ${#SOCKET_DIR} + ${#PORT} + 12 > 107 )); then
  die "the socket directory path '$SOCKET_DIR' is too long for a unix socket; set DISPATCH_DATA_DIR to a shorter path"
fi

cd / # the postgres OS user may not be able to enter the caller's working directory

# ---------------------------------------------------------------- helpers
# Run a command with only stdin/stdout/stderr open: the server must not inherit our lock (fd 9) or the
# caller's stdout (fd 3), or it would hold the lock forever and a caller reading our stdout to its end
# would never see it end.
without_extra_fds() {
  (
    for fd in "/proc/$BASHPID/fd/"*; do
      fd=${fd##*/}
      if [[ "$fd" =~ ^[0-9]+$ ]] && ((fd > 2)); then eval "exec $fd>&-" 2>/dev/null || true; fi
    done
    "$@"
  )
}

# Run a PostgreSQL server program as the cluster's owner.
as_owner() {
  if $IS_ROOT; then
    runuser -u "$PG_OS_USER" -- "$@"
  else
    "$@"
  fi
}

# PG_BIN: the bin folder of the highest installed PostgreSQL (or the one matching an existing cluster).
find_pg_bin() {
  local want=${1:-} d
  if [[ -n "$want" ]]; then
    d=/usr/lib/postgresql/$want/bin
    if [[ -x $d/initdb && -x $d/pg_ctl ]]; then echo "$d"; return 0; fi
  else
    local dirs
    dirs=$(compgen -G '/usr/lib/postgresql/*/bin' | sort -V -r || true)
    for d in $dirs; do
      if [[ -x $d/initdb && -x $d/pg_ctl ]]; then echo "$d"; return 0; fi
    done
  fi
  # Not Debian's layout: try PATH.
  local pg_ctl initdb
  pg_ctl=$(command -v pg_ctl || true)
  initdb=$(command -v initdb || true)
  if [[ -n "$pg_ctl" && -n "$initdb" && $(dirname -- "$pg_ctl") == $(dirname -- "$initdb") ]]; then
    d=$(dirname -- "$pg_ctl")
    if [[ -z "$want" ]] || "$d/pg_ctl" --version | grep -qE "[^0-9.]$want(\.|$| )"; then
      echo "$d"; return 0
    fi
  fi
  return 1
}

install_postgres() {
  local cmd='apt-get update && apt-get install -y postgresql'
  command -v apt-get >/dev/null || die "PostgreSQL (initdb, pg_ctl) is not installed and apt-get is not available; install PostgreSQL server binaries, or set ConnectionStrings__Dispatch to use your own server"
  local -a sudo=()
  if ! $IS_ROOT; then
    if command -v sudo >/dev/null && sudo -n true 2>/dev/null; then
      sudo=(sudo -n)
    else
      die "PostgreSQL is not installed. Install it once as root, then run this again:
    sudo sh -c '$cmd'
(or, as root: $cmd)"
    fi
  fi
  log "PostgreSQL is not installed; installing Debian's 'postgresql' package (${sudo[*]:+${sudo[*]} }$cmd)"
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get update -q || die "apt-get update failed"
  "${sudo[@]}" env DEBIAN_FRONTEND=noninteractive apt-get install -y -q postgresql || die "apt-get install -y postgresql failed"
  # The package also creates and starts the system 'main' cluster on 5432; we leave it alone.
}

# Version of an existing cluster, or empty.
cluster_version() {
  if [[ -f $DATA_DIR/PG_VERSION ]]; then
    tr -d '[:space:]' <"$DATA_DIR/PG_VERSION"
  elif $IS_ROOT && runuser -u "$PG_OS_USER" -- test -f "$DATA_DIR/PG_VERSION" 2>/dev/null; then
    runuser -u "$PG_OS_USER" -- cat "$DATA_DIR/PG_VERSION" | tr -d '[:space:]'
  fi
}

data_dir_nonempty() {
  [[ -d $DATA_DIR ]] && [[ -n $(ls -A -- "$DATA_DIR" 2>/dev/null) ]]
}

pid_file_field() { # line N of postmaster.pid (1 pid, 4 port)
  sed -n "${1}p" "$DATA_DIR/postmaster.pid" 2>/dev/null | tr -d '[:space:]'
}

# What the pid in postmaster.pid is now: "postgres" (a live PostgreSQL process), "gone" (no such
# process, or a zombie nobody reaped yet) or "other" (the pid was reused by another program).
postmaster_pid_kind() {
  local pid state comm
  pid=$(pid_file_field 1)
  [[ "$pid" =~ ^[0-9]+$ ]] || { echo gone; return; }
  state=$(awk '/^State:/ {print $2; exit}' "/proc/$pid/status" 2>/dev/null || true)
  if [[ -z "$state" || "$state" == Z || "$state" == X ]]; then echo gone; return; fi
  comm=$(cat "/proc/$pid/comm" 2>/dev/null || true)
  if [[ "$comm" == postgres* || "$comm" == postmaster* ]]; then echo postgres; else echo other; fi
}

# Live processes whose working directory is our data folder (every PostgreSQL process chdirs there).
procs_in_data_dir() {
  find /proc -mindepth 2 -maxdepth 2 -name cwd -printf '%h\t%l\n' 2>/dev/null \
    | awk -F '\t' -v dir="$DATA_DIR" '$2 == dir { sub("^/proc/", "", $1); print $1 }' || true
}

# 0 if our postmaster runs.
server_running() {
  [[ -f $DATA_DIR/postmaster.pid ]] || return 1
  [[ $(postmaster_pid_kind) == postgres ]] || return 1
  as_owner "$PG_BIN/pg_ctl" status -D "$DATA_DIR" >/dev/null 2>&1
}

new_password() {
  local raw pw=""
  while ((${#pw} < 24)); do
    raw=$(head -c 512 /dev/urandom | LC_ALL=C tr -dc 'A-Za-z0-9')
    pw+=$raw
  done
  printf '%s' "${pw:0:24}"
}

write_conf() {
  # Our settings live in dispatch.conf (included from postgresql.conf), rewritten at every start so a
  # changed DISPATCH_PG_PORT or moved folder takes effect.
  local q_sock=${SOCKET_DIR//\'/\'\'}
  local tmp
  tmp=$(mktemp)
  cat >"$tmp" <<EOF
# Written by deploy/local/postgres.sh at every start; edit that script, not this file.
listen_addresses = '127.0.0.1'
port = $PORT
unix_socket_directories = '$q_sock'
max_connections = 200
EOF
  chmod 0600 "$tmp"
  $IS_ROOT && chown "$PG_OS_USER:" "$tmp"
  mv -f -- "$tmp" "$DATA_DIR/dispatch.conf"
}

init_cluster() {
  local locale=C
  if locale -a 2>/dev/null | grep -qiE '^c\.utf-?8$'; then locale=C.UTF-8; fi

  if [[ ! -s $PASSWORD_FILE ]]; then
    (umask 077; new_password >"$PASSWORD_FILE.tmp")
    mv -f -- "$PASSWORD_FILE.tmp" "$PASSWORD_FILE"
  fi
  chmod 0600 "$PASSWORD_FILE"

  mkdir -p -- "$DATA_DIR"
  chmod 0700 "$DATA_DIR"
  $IS_ROOT && chown "$PG_OS_USER:" "$DATA_DIR"

  # initdb reads the password from a file the cluster owner can read; keep it private and short-lived.
  local pwfile
  pwfile=$(mktemp -p "$SOCKET_DIR" .pw.XXXXXX)
  chmod 0600 "$pwfile"
  cat "$PASSWORD_FILE" >"$pwfile"
  $IS_ROOT && chown "$PG_OS_USER:" "$pwfile"

  log "initializing a new PostgreSQL $("$PG_BIN/pg_ctl" --version | awk '{print $3}') cluster in $DATA_DIR (locale $locale)"
  if ! as_owner "$PG_BIN/initdb" -D "$DATA_DIR" -U dispatch --pwfile="$pwfile" --auth=scram-sha-256 \
      --encoding=UTF8 --locale="$locale" >>"$LOG_FILE.init" 2>&1; then
    rm -f -- "$pwfile"
    tail -n 30 "$LOG_FILE.init" || true
    die "initdb failed (full output: $LOG_FILE.init)"
  fi
  rm -f -- "$pwfile" "$LOG_FILE.init"
  printf "\n# Dispatch: local settings (port, socket, listen address)\ninclude_if_exists = 'dispatch.conf'\n" \
    | as_owner tee -a "$DATA_DIR/postgresql.conf" >/dev/null
}

start_server() {
  # A postmaster.pid left by a kill -9 or a crash. PostgreSQL copes with a dead pid itself (and checks
  # that no old backend still uses the shared memory), but not with a pid that is a zombie or now
  # belongs to another program: then, once no old PostgreSQL process works in the folder, we remove it.
  if [[ -f $DATA_DIR/postmaster.pid ]]; then
    local pid kind i
    pid=$(pid_file_field 1)
    kind=$(postmaster_pid_kind)
    if [[ "$kind" == gone ]]; then
      log "found a stale postmaster.pid (pid $pid is gone; the server was not shut down cleanly)"
      if [[ -e /proc/$pid ]]; then # a zombie: PostgreSQL would think it still runs
        for i in $(seq 1 20); do [[ -z $(procs_in_data_dir) ]] && break; sleep 0.5; done
        [[ -z $(procs_in_data_dir) ]] || die "old PostgreSQL processes still run in $DATA_DIR: $(procs_in_data_dir | tr '\n' ' ')"
        rm -f -- "$DATA_DIR/postmaster.pid"
      fi
    elif [[ "$kind" == other ]]; then
      log "found a stale postmaster.pid (pid $pid now belongs to another program)"
      for i in $(seq 1 20); do [[ -z $(procs_in_data_dir) ]] && break; sleep 0.5; done
      [[ -z $(procs_in_data_dir) ]] || die "old PostgreSQL processes still run in $DATA_DIR: $(procs_in_data_dir | tr '\n' ' ')"
      rm -f -- "$DATA_DIR/postmaster.pid"
    fi
  fi

  write_conf
  if [[ ! -e $LOG_FILE ]]; then
    (umask 027; : >"$LOG_FILE")
  fi
  $IS_ROOT && chown "$PG_OS_USER:" "$LOG_FILE"

  log "starting PostgreSQL on 127.0.0.1:$PORT (data $DATA_DIR, log $LOG_FILE)"
  local attempt errors=""
  for attempt in 1 2 3 4 5; do
    if errors=$(without_extra_fds as_owner "$PG_BIN/pg_ctl" -D "$DATA_DIR" -l "$LOG_FILE" -w -t 120 start \
        </dev/null 2>&1 >/dev/null); then
      return 0
    fi
    # After a kill -9 the old backends may still hold the shared memory for a moment.
    if ((attempt < 5)) && tail -n 5 "$LOG_FILE" 2>/dev/null | grep -qE 'shared memory block|lock file .* already exists'; then
      sleep 2
      continue
    fi
    break
  done
  [[ -z "$errors" ]] || printf '%s\n' "$errors"
  log "PostgreSQL did not start; the end of $LOG_FILE:"
  tail -n 20 "$LOG_FILE" >&2 || true
  if tail -n 20 "$LOG_FILE" 2>/dev/null | grep -q 'Address already in use'; then
    die "port $PORT on 127.0.0.1 is taken by another program; set DISPATCH_PG_PORT to a free port"
  fi
  die "could not start PostgreSQL (data $DATA_DIR)"
}

psql_admin() { # psql as the dispatch superuser over our unix socket
  PGPASSWORD=$PASSWORD PGCONNECT_TIMEOUT=10 "$PG_BIN/psql" -X -q -v ON_ERROR_STOP=1 \
    -h "$SOCKET_DIR" -p "$1" -U dispatch -d postgres "${@:2}"
}

take_lock() {
  exec 9>>"$LOCK_FILE"
  if ! flock -n 9; then
    log "waiting for another $PROG run (lock $LOCK_FILE)"
    flock -w 900 9 || die "timed out waiting for the lock $LOCK_FILE"
  fi
}

prepare_dirs() {
  mkdir -p -- "$BASE_DIR"
  if $IS_ROOT && ! runuser -u "$PG_OS_USER" -- test -x "$BASE_DIR" 2>/dev/null; then
    if id "$PG_OS_USER" >/dev/null 2>&1; then
      die "the '$PG_OS_USER' OS user cannot enter $BASE_DIR; choose a DISPATCH_DATA_DIR it can reach (e.g. under /var/lib)"
    fi
  fi
  mkdir -p -- "$SOCKET_DIR"
  chmod 0755 "$SOCKET_DIR"
  $IS_ROOT && id "$PG_OS_USER" >/dev/null 2>&1 && chown "$PG_OS_USER:" "$SOCKET_DIR"
  return 0
}

# ---------------------------------------------------------------- commands
cmd_status() {
  local version
  version=$(cluster_version)
  if [[ -z "$version" ]]; then
    if data_dir_nonempty; then
      echo "not a PostgreSQL cluster: $DATA_DIR" >&3
    else
      echo "not initialized ($DATA_DIR)" >&3
    fi
    exit 3
  fi
  PG_BIN=$(find_pg_bin "$version") || { echo "stopped (PostgreSQL $version is not installed; data $DATA_DIR)" >&3; exit 3; }
  if server_running; then
    echo "running (pid $(pid_file_field 1), 127.0.0.1:$(pid_file_field 4), data $DATA_DIR)" >&3
    exit 0
  fi
  echo "stopped (data $DATA_DIR)" >&3
  exit 3
}

cmd_stop() {
  local version
  version=$(cluster_version)
  if [[ -z "$version" ]]; then
    log "no cluster in $DATA_DIR; nothing to stop"
    return 0
  fi
  PG_BIN=$(find_pg_bin "$version") || die "PostgreSQL $version binaries are not installed"
  mkdir -p -- "$BASE_DIR"
  take_lock
  if server_running; then
    log "stopping PostgreSQL (data $DATA_DIR)"
    as_owner "$PG_BIN/pg_ctl" -D "$DATA_DIR" -m fast -w -t 120 stop >/dev/null || die "pg_ctl stop failed"
  else
    log "PostgreSQL is not running (data $DATA_DIR)"
  fi
}

cmd_ensure() {
  prepare_dirs
  take_lock

  local version
  version=$(cluster_version)
  if [[ -n "$version" ]]; then
    PG_BIN=$(find_pg_bin "$version") || {
      # Same major version missing: try installing (Debian's default may match), then give up clearly.
      find_pg_bin >/dev/null || install_postgres
      PG_BIN=$(find_pg_bin "$version") \
        || die "the cluster in $DATA_DIR is PostgreSQL $version, whose binaries are not installed (apt-get install postgresql-$version), or remove the folder to start afresh"
    }
  else
    PG_BIN=$(find_pg_bin) || { install_postgres; PG_BIN=$(find_pg_bin) || die "PostgreSQL is still not found after installing it"; }
    if $IS_ROOT; then
      id "$PG_OS_USER" >/dev/null 2>&1 || die "the '$PG_OS_USER' OS user does not exist (PostgreSQL refuses to run as root)"
      prepare_dirs # chown the socket folder now that the user exists
    fi
    if data_dir_nonempty; then
      die "$DATA_DIR is not empty but holds no PostgreSQL cluster; refusing to touch it (set DISPATCH_DATA_DIR elsewhere or empty it)"
    fi
    init_cluster
  fi

  [[ -s $PASSWORD_FILE ]] || die "$PASSWORD_FILE is missing, so the password of the 'dispatch' role is unknown. Reset the cluster: $PROG stop; rm -rf '$DATA_DIR' '$PASSWORD_FILE'"
  PASSWORD=$(tr -d '[:space:]' <"$PASSWORD_FILE")

  if ! server_running; then
    start_server
  fi

  local port
  port=$(pid_file_field 4)
  [[ "$port" =~ ^[0-9]+$ ]] || port=$PORT
  if [[ "$port" != "$PORT" ]]; then
    log "note: the cluster already runs on port $port (not $PORT); using $port. Run '$PROG stop' first to change it."
  fi

  # Wait until it accepts connections (it may still be recovering after a crash).
  local i
  for i in $(seq 1 60); do
    "$PG_BIN/pg_isready" -q -h "$SOCKET_DIR" -p "$port" -t 2 && break
    ((i < 60)) || die "PostgreSQL runs but does not accept connections (see $LOG_FILE)"
    sleep 1
  done

  local exists
  exists=$(psql_admin "$port" -tA -c "SELECT 1 FROM pg_database WHERE datname = 'dispatch'") \
    || die "cannot connect as 'dispatch' (wrong password in $PASSWORD_FILE?); see $LOG_FILE"
  if [[ "$exists" != 1 ]]; then
    log "creating database 'dispatch'"
    psql_admin "$port" -c 'CREATE DATABASE dispatch' >/dev/null 2>&1 \
      || [[ $(psql_admin "$port" -tA -c "SELECT 1 FROM pg_database WHERE datname = 'dispatch'") == 1 ]] \
      || die "could not create database 'dispatch'"
  fi

  printf 'Host=127.0.0.1;Port=%s;Database=dispatch;Username=dispatch;Password=%s\n' "$port" "$PASSWORD" >&3
}

case "$COMMAND" in
  ensure) cmd_ensure ;;
  stop) cmd_stop ;;
  status) cmd_status ;;
esac
