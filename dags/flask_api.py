"""Airflow_Lab2_Flask: runs this repository's NestJS status service (`node <repo>/dist/main.js`).

The single task `start_Flask_API` runs node in the foreground for as long as the service lives:
  * node exit code 0 -> task success, anything else -> task failed;
  * when Airflow stops the task (run marked failed, task cleared/marked, execution timeout,
    `airflow.sh down`) node gets exactly one SIGTERM (via on_kill), has NODE_KILL_GRACE_SECONDS
    (default 4, below the task supervisor's 5 s SIGTERM->SIGKILL escalation) to exit, then SIGKILL;
  * node runs in its own process group (so its children are signalled too) with PR_SET_PDEATHSIG,
    so it also gets SIGTERM if the task process itself dies abruptly.

Environment: node inherits the task's environment (the scheduler's, i.e. whatever `airflow.sh up`
was started with: FLASK_PORT, HOST, AIRFLOW_WEBSERVER, AIRFLOW_USERNAME, AIRFLOW_PASSWORD,
TARGET_DAG_ID, WATCHDOG_INTERVAL_SECONDS, WATCHDOG_ON_LOSS, ...).

The run conf is an attack surface (anyone allowed to trigger this DAG writes it), so it may set only
the harmless variables of RUN_CONF_ENV (where to listen, the watchdog, logging, the stop grace):
{"env": {"FLASK_PORT": "5601", "WATCHDOG_ON_LOSS": "exit"}} (null unsets one). Anything else (another
variable, such as AIRFLOW_WEBSERVER, which would send the credentials to another server, or
NODE_OPTIONS; another key beside "env"; a value that is not a plain scalar) fails the task with a
message naming it, and nothing is started. NODE_BINARY (default: the Node LTS this repository brings, <repo>/node_modules/.bin/node from its
`node` devDependency, else `node` on PATH) and
NODE_SERVICE_SCRIPT (default: <repo>/dist/main.js) come from this file and the worker's own
environment, never from a run.
"""

from __future__ import annotations

import ctypes
import os
import shutil
import signal
import subprocess
import time
from datetime import datetime
from pathlib import Path

try:  # Airflow 3 task SDK
    from airflow.sdk import BaseOperator, dag
except ImportError:  # Airflow 2 (npm run compat)
    from airflow.decorators import dag
    from airflow.models.baseoperator import BaseOperator

try:  # Airflow 3 task SDK
    from airflow.sdk.exceptions import AirflowException
except ImportError:  # pragma: no cover
    from airflow.exceptions import AirflowException

REPO_ROOT = Path(__file__).resolve().parent.parent
DEFAULT_SCRIPT = REPO_ROOT / "dist" / "main.js"
# The Node LTS the service is built and tested on (package.json's `node` devDependency; `npm ci` puts it here).
REPO_NODE = REPO_ROOT / "node_modules" / ".bin" / "node"
PR_SET_PDEATHSIG = 1
# What a run's conf may set: the service's own settings that change neither whom it talks to, nor with
# which credentials, nor what runs (README, "The seed's DAGs").
RUN_CONF_ENV = frozenset(
    {
        "FLASK_PORT",
        "HOST",
        "LOG_LEVEL",
        "WATCHDOG_INTERVAL_SECONDS",
        "WATCHDOG_ON_LOSS",
        "PORT_PROBE_TIMEOUT_MS",
        "SHUTDOWN_TIMEOUT_MS",
    }
)
RUN_CONF_KEYS = frozenset({"env"})
# Names quoted back in a refusal are cut to this length: they are the run's input.
MAX_QUOTED_NAME = 64


def _quoted(names) -> str:
    return ", ".join(sorted(repr(str(name)[:MAX_QUOTED_NAME]) for name in names))


def _child_setup() -> None:
    """Runs in the forked child before exec: SIGTERM the child when its parent (the task) dies."""
    try:
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(PR_SET_PDEATHSIG, int(signal.SIGTERM), 0, 0, 0)
    except Exception:
        pass
    # Signals ignored/blocked by the task runner must not leak into node.
    for sig in (signal.SIGTERM, signal.SIGINT, signal.SIGHUP):
        signal.signal(sig, signal.SIG_DFL)


class NodeServiceOperator(BaseOperator):
    """Run a long-lived node script; its exit code is the task outcome."""

    ui_color = "#9fe6a0"

    def __init__(self, *, script: str | os.PathLike | None = None, **kwargs) -> None:
        super().__init__(**kwargs)
        self.script = script
        self._proc: subprocess.Popen | None = None
        self._stopped_by_airflow = False
        self._term_sent = False

    # -- helpers ---------------------------------------------------------------------------------
    def _refuse(self, message: str) -> AirflowException:
        """A refusal of the run conf, logged as a line of its own too, so that the task log says it plainly."""
        self.log.error("%s", message)
        return AirflowException(message)

    def _build_env(self, context) -> dict[str, str]:
        """The worker's environment with the run conf's allowed settings; refuses anything else, before anything starts."""
        env = dict(os.environ)
        dag_run = context.get("dag_run")
        conf = getattr(dag_run, "conf", None) or {}
        if not isinstance(conf, dict):
            raise self._refuse(f"dag_run.conf must be an object, got {type(conf).__name__}; nothing was started")
        unknown_keys = set(conf) - RUN_CONF_KEYS
        if unknown_keys:
            raise self._refuse(
                f"dag_run.conf may hold only {_quoted(RUN_CONF_KEYS)}; refused: {_quoted(unknown_keys)}; nothing was started"
            )
        overrides = conf.get("env") or {}
        if not isinstance(overrides, dict):
            raise self._refuse(f"dag_run.conf['env'] must be an object, got {type(overrides).__name__}; nothing was started")
        refused = [key for key in overrides if key not in RUN_CONF_ENV]
        if refused:
            raise self._refuse(
                f"dag_run.conf['env'] may set only {_quoted(RUN_CONF_ENV)}; refused: {_quoted(refused)}; nothing was started"
            )
        for key, value in overrides.items():
            if value is None:
                env.pop(key, None)
            elif isinstance(value, bool):
                env[key] = str(value).lower()
            elif isinstance(value, (str, int, float)) and "\0" not in str(value):
                env[key] = str(value)
            else:
                raise self._refuse(
                    f"dag_run.conf['env'][{_quoted([key])}] must be a string, number, boolean or null; nothing was started"
                )
        if overrides:
            self.log.info("settings from dag_run.conf: %s", sorted(overrides))
        return env

    def _stop_node(self, reason: str) -> None:
        proc = self._proc
        if proc is None or proc.poll() is not None:
            return
        if self._term_sent:  # exactly one SIGTERM (a second one may abort node's graceful shutdown)
            return
        self._term_sent = True
        grace = float(os.environ.get("NODE_KILL_GRACE_SECONDS", "4"))
        self.log.info("%s: sending SIGTERM to node (pid %s), grace %.1fs", reason, proc.pid, grace)
        try:
            os.killpg(proc.pid, signal.SIGTERM)
        except ProcessLookupError:
            return
        deadline = time.monotonic() + grace
        while time.monotonic() < deadline:
            if proc.poll() is not None:
                self.log.info("node exited with %s after SIGTERM", proc.returncode)
                return
            time.sleep(0.05)
        self.log.warning("node did not exit within %.1fs, sending SIGKILL", grace)
        try:
            os.killpg(proc.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass

    # -- operator API --------------------------------------------------------------------------
    def execute(self, context):
        env = self._build_env(context)
        # The executable and the script come from the worker's environment and this file, never from the run.
        node = os.environ.get("NODE_BINARY") or (str(REPO_NODE) if os.access(REPO_NODE, os.X_OK) else None) or shutil.which("node", path=os.environ.get("PATH"))
        if not node:
            raise AirflowException("node binary not found (set NODE_BINARY or put node on PATH)")
        script = Path(os.environ.get("NODE_SERVICE_SCRIPT") or self.script or DEFAULT_SCRIPT)
        if not script.is_file():
            raise AirflowException(f"{script} does not exist; build the service first (npm run build)")

        cmd = [node, str(script)]
        self.log.info("starting %s (cwd %s)", " ".join(cmd), REPO_ROOT)
        self._proc = subprocess.Popen(
            cmd,
            cwd=str(REPO_ROOT),
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.PIPE,
            stderr=subprocess.STDOUT,
            process_group=0,  # own group: the supervisor's killpg doesn't hit node twice
            preexec_fn=_child_setup,
            text=True,
            errors="replace",
            bufsize=1,
        )
        self.log.info("node pid %s", self._proc.pid)
        try:
            context["ti"].xcom_push(key="node_pid", value=self._proc.pid)
        except Exception:  # xcom is informational only
            self.log.debug("could not push node_pid", exc_info=True)
        try:
            assert self._proc.stdout is not None
            for line in self._proc.stdout:
                self.log.info("[node] %s", line.rstrip("\n"))
            rc = self._proc.wait()
        finally:
            # Any exception (e.g. AirflowTaskTimeout raised by the execution_timeout alarm).
            self._stop_node("task is ending")
        if self._stopped_by_airflow:
            raise AirflowException(f"stopped by Airflow; node exited with code {rc}")
        if rc != 0:
            raise AirflowException(f"node exited with code {rc}")
        self.log.info("node exited with code 0")
        return rc

    def on_kill(self) -> None:
        # Called by the task runner's SIGTERM handler and on execution timeout.
        self._stopped_by_airflow = True
        self._stop_node("on_kill")


@dag(
    dag_id="Airflow_Lab2_Flask",
    schedule=None,
    start_date=datetime(2024, 1, 1),
    catchup=False,
    is_paused_upon_creation=False,
    max_active_runs=3,
    default_args={"owner": "mlops", "retries": 0},
    tags=["lab2", "api"],
    doc_md=__doc__,
)
def airflow_lab2_flask():
    NodeServiceOperator(task_id="start_Flask_API")


airflow_lab2_flask()
