#!/usr/bin/env bash
# Local, pinned Apache Airflow for development, demos and end-to-end tests (Airflow 3; Airflow 2
# too, for `npm run compat`).
#
#   scripts/airflow/airflow.sh install            # venv in .airflow/venv (no-op when up to date)
#   scripts/airflow/airflow.sh up     [--fab]     # start, wait until healthy and the DAGs are visible
#   scripts/airflow/airflow.sh down   [--fab]     # stop everything `up` started
#   scripts/airflow/airflow.sh stop   [--fab] <component...>   # stop some (e.g. scheduler); `up` starts them again
#   scripts/airflow/airflow.sh status [--fab]
#   scripts/airflow/airflow.sh logs   [--fab] [-f] [component...]
#   scripts/airflow/airflow.sh cli    [--fab] -- <airflow args>   # airflow CLI with this setup's env
#   scripts/airflow/airflow.sh env    [--fab]     # print the exported settings (eval-able)
#   scripts/airflow/airflow.sh lock               # re-freeze requirements.txt from requirements.in
#   scripts/airflow/airflow.sh published <name>==<version>   # when the package index got it (UTC)
#
# Default: SimpleAuthManager, AIRFLOW_HOME=.airflow/home.  --fab: FabAuthManager, .airflow/home-fab.
# User/password is airflow/airflow in both modes.
#
# Environment knobs:
#   AIRFLOW_PORT                 api-server port (default 8080); use another one to run both modes at once
#   AIRFLOW_DIR                  where venv and homes live (default .airflow; compat: .airflow/compat/<version>)
#   AIRFLOW_REQUIREMENTS         the lock to install (default requirements.txt; compat: compat/<version>.txt)
#   AIRFLOW_INSTALLER=pip        install with pip instead of uv (uv is bootstrapped from PyPI otherwise)
#   AIRFLOW_PYTHON               interpreter for the venv (default: python3.11, python3.12, python3.13, python3)
#   AIRFLOW_UP_TIMEOUT           seconds `up` waits for health + DAGs (default 180)
#   AIRFLOW_STOP_TIMEOUT         seconds `down` waits after SIGTERM before SIGKILL (default 20)
#   AIRFLOW_JWT_EXPIRATION_TIME  [api_auth] jwt_expiration_time in seconds (default 86400)
#   AIRFLOW_WITH_TRIGGERER=1     also run `airflow triggerer` (not needed by the repo's DAGs)
#   AIRFLOW_WAIT_DAGS            comma-separated DAG ids `up` waits for (default: the three of dags/)
#   AIRFLOW_MIN_FILE_PROCESS_INTERVAL  seconds before a DAG file is parsed again (default 10)
#   AIRFLOW_STATUS_SCALE_DAGS    N: dags/scale_dags.py defines scale_0001..N (npm run bench:airflow); unset: none
#   AIRFLOW_STATUS_PROBE_DAGS    a folder: dags/status_probes.py and status_probe_import.py define the status_probe_*
#                                DAGs (the real-Airflow tests of issue 18's verdicts); unset: none
#   AIRFLOW_WEBSERVER / AIRFLOW_USERNAME / AIRFLOW_PASSWORD
#                                exported to the scheduler (and so to tasks); default to this instance
set -euo pipefail

SCRIPT_DIR="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
REPO_ROOT="$(cd "$SCRIPT_DIR/../.." && pwd)"
AF_DIR="${AIRFLOW_DIR:-$REPO_ROOT/.airflow}"
VENV="$AF_DIR/venv"
REQ_IN="$SCRIPT_DIR/requirements.in"
REQ="${AIRFLOW_REQUIREMENTS:-$SCRIPT_DIR/requirements.txt}"
# Shared by every AIRFLOW_DIR (compat installs several Airflows side by side).
UV_BOOTSTRAP="$REPO_ROOT/.airflow/uv-bootstrap"
STAMP="$VENV/.requirements.sha256"
UV_VERSION="${UV_VERSION:-0.13.9}"
DAGS_DIR="$REPO_ROOT/dags"
CHECKS="$SCRIPT_DIR/checks.py"
# Every component `up` can start, in start order. The api-server comes first and `down` stops it
# last: the others and their tasks report their state through its execution API. Airflow 2 has a
# webserver instead, and its scheduler parses the DAGs itself (see set_components).
COMPONENTS=(api-server scheduler dag-processor triggerer)
# Not needed by the repo's DAGs: started only with AIRFLOW_WITH_TRIGGERER=1 (or when already running).
OPTIONAL_COMPONENT=triggerer

log() { printf '[airflow.sh] %s\n' "$*" >&2; }
die() { printf '[airflow.sh] ERROR: %s\n' "$*" >&2; exit 1; }

# ----------------------------------------------------------------------------- install

find_python() {
  local cands=() c
  if [[ -n "${AIRFLOW_PYTHON:-}" ]]; then cands=("$AIRFLOW_PYTHON"); else cands=(python3.11 python3.12 python3.13 python3); fi
  for c in "${cands[@]}"; do
    if command -v "$c" >/dev/null 2>&1 && "$c" "$CHECKS" python-ok 2>/dev/null; then
      command -v "$c"; return 0
    fi
  done
  die "need Python 3.11-3.13 (apache-airflow-providers-fab requires >=3.11); set AIRFLOW_PYTHON"
}

# Prints a uv executable (installing it from PyPI into .airflow/uv-bootstrap if needed), or nothing.
find_uv() {
  if [[ -x "$UV_BOOTSTRAP/bin/uv" ]]; then echo "$UV_BOOTSTRAP/bin/uv"; return 0; fi
  if command -v uv >/dev/null 2>&1; then command -v uv; return 0; fi
  local py; py="$(find_python)"
  log "bootstrapping uv==$UV_VERSION into $UV_BOOTSTRAP"
  if "$py" -m venv "$UV_BOOTSTRAP" >&2 &&
     "$UV_BOOTSTRAP/bin/pip" install -q "uv==$UV_VERSION" >&2; then
    echo "$UV_BOOTSTRAP/bin/uv"
  else
    log "could not install uv; falling back to pip"
    rm -rf "$UV_BOOTSTRAP"
  fi
}

req_hash() { { cat "$REQ"; "$1" "$CHECKS" python-version; } | sha256sum | cut -d' ' -f1; }

# Serialise concurrent invocations (e.g. parallel test runners) on a lock file.
take_lock() {
  mkdir -p "$AF_DIR"
  eval "exec $1>\"$AF_DIR/.lock-$2\""
  flock -w "${AIRFLOW_LOCK_TIMEOUT:-600}" "$1" || die "timed out waiting for $AF_DIR/.lock-$2"
}

cmd_install() {
  [[ -f "$REQ" ]] || die "missing $REQ"
  take_lock 8 install
  if [[ -x "$VENV/bin/python" && -x "$VENV/bin/airflow" && -f "$STAMP" ]] &&
     [[ "$(cat "$STAMP")" == "$(req_hash "$VENV/bin/python")" ]]; then
    log "Airflow already installed in $VENV ($("$VENV/bin/python" "$CHECKS" airflow-version))"
    return 0
  fi
  local start=$SECONDS py uv
  py="$(find_python)"
  if [[ "${AIRFLOW_INSTALLER:-uv}" == pip ]]; then uv=""; else uv="$(find_uv || true)"; fi
  rm -f "$STAMP"
  if [[ -n "$uv" ]]; then
    log "installing with $("$uv" --version) (cache: ${UV_CACHE_DIR:-~/.cache/uv})"
    [[ -x "$VENV/bin/python" ]] || "$uv" venv --quiet --python "$py" "$VENV"
    # Bytecode now, not at each start: where PYTHONDONTWRITEBYTECODE is set, every Airflow process (and each
    # task's) would compile what it imports again, ~3 × the import time, enough to miss `up`'s deadline on a busy machine.
    "$uv" pip sync --quiet --compile-bytecode --python "$VENV/bin/python" "$REQ"
  else
    log "installing with pip (cache: ~/.cache/pip)"
    [[ -x "$VENV/bin/python" ]] || "$py" -m venv "$VENV"
    "$VENV/bin/python" -m pip install -q --upgrade pip
    "$VENV/bin/python" -m pip install -q -r "$REQ"
  fi
  local ver; ver="$("$VENV/bin/airflow" version 2>/dev/null | tail -n 1)" || true
  [[ -n "$ver" ]] || die "airflow does not start from $VENV"
  req_hash "$VENV/bin/python" >"$STAMP"
  log "installed apache-airflow $ver in $((SECONDS - start))s"
}

# AIRFLOW_REQUIREMENTS_IN + AIRFLOW_REQUIREMENTS (+ AIRFLOW_EXCLUDE_NEWER: nothing published after
# that date) freeze another set, as `npm run compat` does for each Airflow version it tries.
cmd_lock() {
  local uv; uv="$(find_uv)"; [[ -n "$uv" ]] || die "lock needs uv"
  local in="${AIRFLOW_REQUIREMENTS_IN:-$REQ_IN}" extra=() how="scripts/airflow/airflow.sh lock"
  if [[ -n "${AIRFLOW_EXCLUDE_NEWER:-}" ]]; then extra=(--exclude-newer "$AIRFLOW_EXCLUDE_NEWER"); how="npm run compat -- --lock (exclude-newer $AIRFLOW_EXCLUDE_NEWER)"; fi
  "$uv" pip compile --universal --python-version 3.11 --annotation-style line "${extra[@]}" \
    --custom-compile-command "$how" "$in" -o "$REQ"
}

# The upload time of the newest file of one release, as the package index records it (uv reads it
# for --exclude-newer and writes it into a pylock.toml): `npm run compat` locks each version as of its release.
cmd_published() {
  local uv; uv="$(find_uv)"; [[ -n "$uv" ]] || die "published needs uv"
  [[ "${ARGS[0]:-}" == *==* ]] || die "usage: $0 published <name>==<version>"
  local when
  when="$(printf '%s\n' "${ARGS[0]}" | "$uv" pip compile --quiet --no-deps --no-header --python-version 3.11 --format pylock.toml - |
    grep -o 'upload-time = [0-9TZ:.-]*' | cut -d' ' -f3 | sort | tail -n 1)"
  [[ -n "$when" ]] || die "the index has no upload time for ${ARGS[0]}"
  echo "$when"
}

# ----------------------------------------------------------------------------- mode / env

# The installed Airflow's major version in AF_MAJOR (3 when nothing is installed yet), and its components.
set_components() {
  AF_MAJOR="$("$VENV/bin/python" "$CHECKS" airflow-version 2>/dev/null | cut -d. -f1 || true)"
  [[ -n "$AF_MAJOR" ]] || AF_MAJOR=3
  if [[ $AF_MAJOR == 2 ]]; then COMPONENTS=(webserver scheduler triggerer); else COMPONENTS=(api-server scheduler dag-processor triggerer); fi
}
airflow_major() { echo "$AF_MAJOR"; }

MODE=simple
FOLLOW=0
ARGS=()
parse_args() {
  while (($#)); do
    case "$1" in
      --fab) MODE=fab ;;
      --simple) MODE=simple ;;
      -f|--follow) FOLLOW=1 ;;
      --) shift; ARGS+=("$@"); break ;;
      *) ARGS+=("$1") ;;
    esac
    shift
  done
  if [[ $MODE == fab ]]; then AHOME="$AF_DIR/home-fab"; else AHOME="$AF_DIR/home"; fi
  RUN_DIR="$AHOME/run"
  LOG_DIR="$AHOME/logs"
  set_components
}

# A random secret kept in a file so restarts keep issued JWTs / sessions valid.
secret_file() {
  local f="$AHOME/$1"
  if [[ ! -s "$f" ]]; then
    (umask 077; head -c 96 /dev/urandom | base64 -w0 | tr -d '\n/+=' >"$f")
  fi
  cat "$f"
}

# Port: explicit AIRFLOW_PORT wins; otherwise the one the running instance was started with; else 8080.
resolve_port() {
  if [[ -n "${AIRFLOW_PORT:-}" ]]; then PORT="$AIRFLOW_PORT"
  elif [[ -s "$RUN_DIR/port" ]] && any_alive; then PORT="$(cat "$RUN_DIR/port")"
  else PORT=8080; fi
  BASE_URL="http://127.0.0.1:$PORT"
  if [[ "$(airflow_major)" == 2 ]]; then API_URL="$BASE_URL/api/v1"; else API_URL="$BASE_URL/api/v2"; fi
}

setup_env() {
  mkdir -p "$AHOME" "$RUN_DIR" "$LOG_DIR"
  export AIRFLOW_HOME="$AHOME"
  export AIRFLOW__CORE__DAGS_FOLDER="$DAGS_DIR"
  export AIRFLOW__CORE__LOAD_EXAMPLES=False
  export AIRFLOW__CORE__DAGS_ARE_PAUSED_AT_CREATION=False
  export AIRFLOW__CORE__EXECUTOR=LocalExecutor
  export AIRFLOW__CORE__PARALLELISM=4
  export AIRFLOW__CORE__MAX_ACTIVE_TASKS_PER_DAG=4
  export AIRFLOW__CORE__EXECUTION_API_SERVER_URL="$BASE_URL/execution/"
  export AIRFLOW__DATABASE__SQL_ALCHEMY_CONN="sqlite:///$AHOME/airflow.db"
  export AIRFLOW__API__HOST=127.0.0.1
  export AIRFLOW__API__PORT="$PORT"
  export AIRFLOW__API__WORKERS=1
  export AIRFLOW__API__SECRET_KEY; AIRFLOW__API__SECRET_KEY="$(secret_file api_secret_key)"
  export AIRFLOW__API_AUTH__JWT_SECRET; AIRFLOW__API_AUTH__JWT_SECRET="$(secret_file jwt_secret)"
  export AIRFLOW__API_AUTH__JWT_EXPIRATION_TIME="${AIRFLOW_JWT_EXPIRATION_TIME:-86400}"
  export AIRFLOW__DAG_PROCESSOR__REFRESH_INTERVAL=5
  # How often a DAG file is parsed again: 10 s shows edits quickly; `npm run bench:airflow` raises it
  # (AIRFLOW_MIN_FILE_PROCESS_INTERVAL) so that re-parsing its hundreds of DAGs does not load the host.
  export AIRFLOW__DAG_PROCESSOR__MIN_FILE_PROCESS_INTERVAL="${AIRFLOW_MIN_FILE_PROCESS_INTERVAL:-10}"
  # Airflow 2's name for it (its scheduler parses); left at Airflow's default (30 s) unless asked.
  if [[ -n "${AIRFLOW_MIN_FILE_PROCESS_INTERVAL:-}" ]]; then export AIRFLOW__SCHEDULER__MIN_FILE_PROCESS_INTERVAL="$AIRFLOW_MIN_FILE_PROCESS_INTERVAL"; fi
  export AIRFLOW__DAG_PROCESSOR__PARSING_PROCESSES=1
  export AIRFLOW__SCHEDULER__PARSING_CLEANUP_INTERVAL=30
  # Per-instance side ports so both modes can run at once (8080 -> worker log server 8793 as in stock Airflow, trigger log server 9793).
  # The log servers are not started at all (--skip-serve-logs, see start_component); the ports stay distinct for whoever does.
  export AIRFLOW__LOGGING__WORKER_LOG_SERVER_PORT="${AIRFLOW_WORKER_LOG_SERVER_PORT:-$((PORT + 713))}"
  export AIRFLOW__LOGGING__TRIGGER_LOG_SERVER_PORT="${AIRFLOW_TRIGGER_LOG_SERVER_PORT:-$((PORT + 1713))}"
  if [[ "$(airflow_major)" == 2 ]]; then
    # Airflow 2: a Flask webserver with FAB; its REST API (/api/v1) takes HTTP basic only with this backend.
    export AIRFLOW__WEBSERVER__WEB_SERVER_HOST=127.0.0.1
    export AIRFLOW__WEBSERVER__WEB_SERVER_PORT="$PORT"
    export AIRFLOW__WEBSERVER__WORKERS=1
    export AIRFLOW__WEBSERVER__SECRET_KEY="$AIRFLOW__API__SECRET_KEY"
    export AIRFLOW__API__AUTH_BACKENDS="airflow.api.auth.backend.basic_auth,airflow.api.auth.backend.session"
    # Airflow 2 refuses SQLite with the LocalExecutor unless told (its own test suite's switch); the
    # SequentialExecutor it would take runs tasks inside the scheduler loop, which the launcher DAG's
    # long-running task would block. Good enough for a local check, never for production.
    export _AIRFLOW__SKIP_DATABASE_EXECUTOR_COMPATIBILITY_CHECK=1
  elif [[ $MODE == fab ]]; then
    export AIRFLOW__CORE__AUTH_MANAGER=airflow.providers.fab.auth_manager.fab_auth_manager.FabAuthManager
    # As the seed had it. NB: on Airflow 3.3.2 / FAB 3.10.2 this does NOT enable HTTP basic auth on
    # /api/v2 (FastAPI; JWT bearer only); it only affects FAB's legacy Flask views. [api] auth_backends
    # is the pre-3.0 name of the same option.
    export AIRFLOW__FAB__AUTH_BACKENDS="airflow.providers.fab.auth_manager.api.auth.backend.basic_auth,airflow.providers.fab.auth_manager.api.auth.backend.session"
    export AIRFLOW__API__AUTH_BACKENDS="$AIRFLOW__FAB__AUTH_BACKENDS"
  else
    export AIRFLOW__CORE__AUTH_MANAGER=airflow.api_fastapi.auth.managers.simple.simple_auth_manager.SimpleAuthManager
    export AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_USERS="airflow:admin"
    export AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE="$AHOME/simple_auth_manager_passwords.json"
  fi
  # Handed down to tasks (the NestJS service started by Airflow_Lab2_Flask reads these).
  export AIRFLOW_WEBSERVER="${AIRFLOW_WEBSERVER:-$BASE_URL}"
  export AIRFLOW_USERNAME="${AIRFLOW_USERNAME:-airflow}"
  export AIRFLOW_PASSWORD="${AIRFLOW_PASSWORD:-airflow}"
}

write_env_file() {
  env | grep -E '^(AIRFLOW_HOME|AIRFLOW__[A-Z_]+)=' | sort | sed -E "s/^([^=]+)=(.*)$/export \1='\2'/" >"$AHOME/airflow.env"
  chmod 600 "$AHOME/airflow.env"
}

# ----------------------------------------------------------------------------- processes

# The components this instance runs: all but the optional one, unless asked for or already started.
components() {
  local c
  for c in "${COMPONENTS[@]}"; do
    if [[ $c != "$OPTIONAL_COMPONENT" || "${AIRFLOW_WITH_TRIGGERER:-0}" == 1 || -s "$RUN_DIR/$c.pid" ]]; then echo "$c"; fi
  done
}

pid_alive() { [[ -n "${1:-}" ]] && kill -0 "$1" 2>/dev/null; }
comp_pid() { [[ -s "$RUN_DIR/$1.pid" ]] && cat "$RUN_DIR/$1.pid" || true; }

# Whether every component this instance runs is alive.
all_alive() {
  local c
  for c in $(components); do
    pid_alive "$(comp_pid "$c")" || return 1
  done
}

any_alive() {
  local c
  for c in "${COMPONENTS[@]}"; do
    pid_alive "$(comp_pid "$c")" && return 0
  done
  return 1
}

port_in_use() { ss -ltnH "sport = :$1" 2>/dev/null | grep -q .; }

start_component() {
  local c="$1" pid
  pid="$(comp_pid "$c")"
  if pid_alive "$pid"; then log "$c already running (pid $pid)"; return 0; fi
  local args=("$c")
  [[ $c == api-server ]] && args+=(--host 127.0.0.1 --port "$PORT")
  [[ $c == webserver ]] && args+=(--hostname 127.0.0.1 --port "$PORT")
  # Their log servers bind every address (no host setting in Airflow 2.10 nor 3.3); the api-server
  # reads the task logs from the shared local folder instead, so nothing listens beyond loopback.
  [[ $c == scheduler || $c == triggerer ]] && args+=(--skip-serve-logs)
  printf '\n===== %s start %s =====\n' "$(date -Is)" "$c" >>"$LOG_DIR/$c.log"
  # setsid: own session + process group (pgid == pid), detached from the caller's terminal.
  setsid nohup "$VENV/bin/airflow" "${args[@]}" >>"$LOG_DIR/$c.log" 2>&1 </dev/null 8>&- 9>&- &
  echo $! >"$RUN_DIR/$c.pid"
  log "started $c (pid $!)"
}

# All pids in the sessions of our components (task supervisors/runners included; they keep the session).
session_pids() {
  local sids=() c pid
  for c in "${COMPONENTS[@]}"; do
    pid="$(comp_pid "$c")"; [[ -n "$pid" ]] && sids+=("$pid")
  done
  ((${#sids[@]})) || return 0
  ps -eo pid=,sid=,stat= | awk -v s=" ${sids[*]} " 'index(s, " " $2 " ") && $3 !~ /^Z/ { print $1 }'
}

# Healthy, logged in, and the DAGs visible: prints what is missing otherwise.
py_ready() {
  "$VENV/bin/python" "$CHECKS" ready "$BASE_URL" "$MODE" "${AIRFLOW_WAIT_DAGS:-Airflow_Lab2,Airflow_Lab2_Flask,entraînement_modèle}" "$(airflow_major)"
}

is_healthy() { py_ready >/dev/null 2>&1; }

print_info() {
  cat <<EOF
Airflow $("$VENV/bin/python" "$CHECKS" airflow-version) ($([[ $AF_MAJOR == 2 ]] && echo "FAB webserver" || echo "$MODE auth manager")) is up:
  URL:          $BASE_URL   (UI; REST API under $API_URL)
  credentials:  airflow / airflow   $([[ "$(airflow_major)" == 2 ]] && echo "(HTTP basic)" || echo "(token: POST $BASE_URL/auth/token {\"username\":\"airflow\",\"password\":\"airflow\"})")
  AIRFLOW_HOME: $AHOME
  DAGs folder:  $DAGS_DIR
  logs:         $LOG_DIR/{$(components | tr ' \n' ',,' | sed 's/,*$//')}.log   (task logs under $LOG_DIR/dag_id=*)
  CLI:          $0 cli$([[ $MODE == fab ]] && echo ' --fab') -- dags list      (or: source $AHOME/airflow.env)
EOF
}

tail_logs() {
  local c
  for c in $(components); do
    [[ -f "$LOG_DIR/$c.log" ]] && { echo "----- $LOG_DIR/$c.log (tail) -----" >&2; tail -n "${1:-30}" "$LOG_DIR/$c.log" >&2; }
  done
}

# ----------------------------------------------------------------------------- commands

cmd_up() {
  local start=$SECONDS
  resolve_port
  if any_alive; then
    setup_env
    if all_alive && is_healthy; then log "already up ($MODE) on $BASE_URL"; print_info; return 0; fi
    log "some components are not running or not (yet) healthy; starting the missing ones"
  else
    if port_in_use "$PORT"; then die "port $PORT is already in use by another process (set AIRFLOW_PORT)"; fi
  fi
  cmd_install
  set_components
  setup_env
  echo "$PORT" >"$RUN_DIR/port"
  write_env_file
  if [[ $MODE == simple && $AF_MAJOR != 2 ]]; then
    # Writable file; the simple auth manager may add generated passwords for other users.
    local pw="$AIRFLOW__CORE__SIMPLE_AUTH_MANAGER_PASSWORDS_FILE"
    if [[ ! -s "$pw" ]] || ! "$VENV/bin/python" "$CHECKS" password-ok "$pw" 2>/dev/null; then
      echo '{"airflow": "airflow"}' >"$pw"
    fi
  fi
  # `airflow db migrate` (~8 s) only for a new DB or a changed installation.
  local dbstamp="$AHOME/.db-migrated" want; want="$(cat "$STAMP")"
  if [[ ! -s "$AHOME/airflow.db" || ! -f "$dbstamp" || "$(cat "$dbstamp")" != "$want" ]]; then
    log "migrating metadata DB ($AIRFLOW__DATABASE__SQL_ALCHEMY_CONN)"
    rm -f "$dbstamp" "$AHOME/.fab-user"
    "$VENV/bin/airflow" db migrate >>"$LOG_DIR/db-migrate.log" 2>&1 || { tail -n 40 "$LOG_DIR/db-migrate.log" >&2; die "airflow db migrate failed"; }
    echo "$want" >"$dbstamp"
  fi
  if [[ ($MODE == fab || "$(airflow_major)" == 2) && ! -f "$AHOME/.fab-user" ]]; then
    if ! "$VENV/bin/airflow" users list 2>/dev/null | awk '{print $3}' | grep -qx airflow; then
      log "creating FAB admin user airflow/airflow"
      "$VENV/bin/airflow" users create --username airflow --password airflow --firstname Air --lastname Flow \
        --role Admin --email airflow@example.com >>"$LOG_DIR/db-migrate.log" 2>&1 || { tail -n 40 "$LOG_DIR/db-migrate.log" >&2; die "airflow users create failed"; }
    fi
    touch "$AHOME/.fab-user"
  fi
  local c
  for c in $(components); do start_component "$c"; done
  local timeout="${AIRFLOW_UP_TIMEOUT:-180}" msg=""
  log "waiting up to ${timeout}s for Airflow's health and the DAGs"
  while :; do
    if msg="$(py_ready)"; then break; fi
    for c in $(components); do
      pid_alive "$(comp_pid "$c")" || { tail_logs 60; die "$c exited during startup (see $LOG_DIR/$c.log)"; }
    done
    if ((SECONDS - start > timeout)); then
      tail_logs 40; die "not ready after ${timeout}s: $msg"
    fi
    sleep 2
  done
  log "ready after $((SECONDS - start))s"
  print_info
}

# SIGTERM to the process groups of the given components, then wait until their sessions are empty.
# Halfway through the timeout the SIGTERM is repeated: the scheduler sometimes hangs in
# "Shutting down LocalExecutor; waiting for running tasks to finish. Signal again if you don't want to wait."
stop_components() {
  local timeout="$1" c pid t0=$SECONDS sids=() resent=0
  shift
  for c in "$@"; do
    pid="$(comp_pid "$c")"
    [[ -n "$pid" ]] && sids+=("$pid")
  done
  ((${#sids[@]})) || return 0
  signal_groups() {
    for pid in "${sids[@]}"; do
      # Group only (component + e.g. the executor's workers/supervisors); task processes and node
      # have their own groups and get SIGTERM forwarded by their supervisor (-> on_kill).
      pid_alive "$pid" && kill -TERM -- "-$pid" 2>/dev/null || true
    done
  }
  signal_groups
  while ((SECONDS - t0 < timeout)); do
    ps -eo sid=,stat= | awk -v s=" ${sids[*]} " 'index(s, " " $1 " ") && $2 !~ /^Z/ { f=1 } END { exit !f }' || return 0
    if ((!resent && SECONDS - t0 >= timeout / 2)); then resent=1; log "still running, SIGTERM again: $*"; signal_groups; fi
    sleep 0.5
  done
  return 1
}

# Stops the named components only (their tasks with them), e.g. the scheduler to see Airflow without one.
cmd_stop() {
  ((${#ARGS[@]})) || die "usage: $0 stop [--fab] <component...> (of: ${COMPONENTS[*]})"
  local c
  for c in "${ARGS[@]}"; do
    [[ " ${COMPONENTS[*]} " == *" $c "* ]] || die "unknown component $c (of: ${COMPONENTS[*]})"
  done
  log "stopping $MODE: ${ARGS[*]}"
  local sids=() pid pids
  for c in "${ARGS[@]}"; do
    pid="$(comp_pid "$c")"
    [[ -n "$pid" ]] && sids+=("$pid")
  done
  if ! stop_components "${AIRFLOW_STOP_TIMEOUT:-20}" "${ARGS[@]}"; then
    # A scheduler's LocalExecutor waits for its running tasks to finish: those left are killed, as `down` does.
    pids="$(ps -eo pid=,sid=,stat= | awk -v s=" ${sids[*]} " 'index(s, " " $2 " ") && $3 !~ /^Z/ { print $1 }')"
    if [[ -n "$pids" ]]; then
      log "SIGKILL to leftovers: $(echo $pids)"
      # shellcheck disable=SC2086
      kill -KILL $pids 2>/dev/null || true
      sleep 1
    fi
  fi
  for c in "${ARGS[@]}"; do rm -f "$RUN_DIR/$c.pid"; done
  log "stopped ${ARGS[*]}; \`$0 up\` starts them again"
}

cmd_down() {
  if ! any_alive && [[ -z "$(session_pids)" ]]; then
    log "not running ($MODE)"; rm -f "$RUN_DIR"/*.pid; return 0
  fi
  local timeout="${AIRFLOW_STOP_TIMEOUT:-20}" t0=$SECONDS pids
  # Scheduler (and its running tasks) and the rest first, while the api-server can still record
  # their final state; otherwise killed runs stay "running" and are re-queued as orphans by the next `up`.
  local server="${COMPONENTS[0]}" others=() c
  for c in "${COMPONENTS[@]:1}"; do [[ -n "$(comp_pid "$c")" ]] && others+=("$c"); done
  log "stopping $MODE: ${others[*]} (and running tasks) first"
  stop_components "$timeout" "${others[@]}" || log "${others[*]} still alive after ${timeout}s"
  log "stopping $server"
  stop_components "$timeout" "$server" || log "$server still alive after ${timeout}s"
  pids="$(session_pids)"
  if [[ -n "$pids" ]]; then
    log "SIGKILL to leftovers: $(echo $pids)"
    # shellcheck disable=SC2086
    kill -KILL $pids 2>/dev/null || true
    sleep 1
  fi
  rm -f "$RUN_DIR"/*.pid
  local port; port="$(cat "$RUN_DIR/port" 2>/dev/null || echo "${AIRFLOW_PORT:-8080}")"
  if port_in_use "$port"; then log "WARNING: something still listens on port $port"; fi
  log "stopped ($MODE) in $((SECONDS - t0))s"
}

# Proportional set size of all processes in a session (shared pages counted once).
session_pss_mib() {
  local p total=0 kb
  for p in $(ps -eo pid=,sid= | awk -v s="$1" '$2 == s { print $1 }'); do
    kb="$(awk '/^Pss:/ { print $2 }' "/proc/$p/smaps_rollup" 2>/dev/null || true)"
    total=$((total + ${kb:-0}))
  done
  echo $((total / 1024))
}

cmd_status() {
  resolve_port
  local c pid rc=0
  echo "mode: $MODE  AIRFLOW_HOME: $AHOME  url: $BASE_URL"
  for c in "${COMPONENTS[@]}"; do
    pid="$(comp_pid "$c")"
    [[ -z "$pid" && $c == "$OPTIONAL_COMPONENT" ]] && continue
    if pid_alive "$pid"; then
      printf '  %-14s running  pid %-7s pss %s MiB (whole session)\n' "$c" "$pid" "$(session_pss_mib "$pid")"
    else
      printf '  %-14s stopped\n' "$c"; rc=3
    fi
  done
  if any_alive; then
    setup_env
    echo "  health: $(curl -s --max-time 5 "$API_URL/$([[ "$(airflow_major)" == 2 ]] && echo health || echo monitor/health)" || echo unreachable)"
    echo "  ready:  $(py_ready || true)"
  fi
  return $rc
}

cmd_logs() {
  local files=() c
  if ((${#ARGS[@]})); then for c in "${ARGS[@]}"; do files+=("$LOG_DIR/$c.log"); done
  else for c in $(components); do [[ -f "$LOG_DIR/$c.log" ]] && files+=("$LOG_DIR/$c.log"); done; fi
  ((${#files[@]})) || die "no logs in $LOG_DIR"
  if ((FOLLOW)); then exec tail -n 50 -F "${files[@]}"; else tail -n 100 "${files[@]}"; fi
}

cmd_cli() {
  resolve_port; setup_env
  [[ -x "$VENV/bin/airflow" ]] || die "not installed; run: $0 install"
  exec "$VENV/bin/airflow" "${ARGS[@]}"
}

cmd_env() {
  resolve_port; setup_env
  env | grep -E '^(AIRFLOW_HOME|AIRFLOW__[A-Z_]+)=' | sort | sed -E "s/^([^=]+)=(.*)$/export \1='\2'/"
}

# The header comment of this file, and the component names.
usage() {
  awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"
  echo "Components: ${COMPONENTS[*]}"
}

main() {
  local cmd="${1:-}"; shift || true
  parse_args "$@"
  case "$cmd" in
    install) cmd_install ;;
    lock) cmd_lock ;;
    published) cmd_published ;;
    up) take_lock 9 "$MODE"; cmd_up ;;
    down) take_lock 9 "$MODE"; cmd_down ;;
    stop) take_lock 9 "$MODE"; cmd_stop ;;
    status) cmd_status ;;
    logs) cmd_logs ;;
    cli) cmd_cli ;;
    env) cmd_env ;;
    *) usage; [[ -z "$cmd" || "$cmd" == -h || "$cmd" == help ]] || exit 2 ;;
  esac
}

main "$@"
