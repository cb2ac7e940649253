"""status_probe_*: DAGs that fail silently, for the real-Airflow test of issue 18's verdicts, and only for it.

They exist only while AIRFLOW_STATUS_PROBE_DAGS names a folder in the environment of the dag-processor
(Airflow 3) or scheduler (Airflow 2), as the real-Airflow suites' global setup starts Airflow;
`airflow.sh up` hands its own environment down. Unset, this file defines no DAG at all, so the demo
and the usual Airflow see only the seed's DAGs.

- status_probe_paused: paused from its creation (`paused`).
- status_probe_scheduled: every minute, created paused so that it runs only once the test unpauses
  it; one run at a time, each sleeping five minutes, so the next one cannot start when due
  (`overdue`); with the scheduler stopped, nothing runs (`airflow_scheduler_down`).
- status_probe_long: unscheduled; its task sleeps `{"sleep": seconds}` of the run conf (0 by
  default), so a few quick runs make its usual duration and a slow one runs past it (`running_long`).
- status_probe_reliability: unscheduled; its task sleeps `{"sleep": seconds}` and fails when
  `{"fail": true}`, so that the reliability test (issue 20) makes runs of known outcomes and lengths.
- status_probe_import (dags/status_probe_import.py): a DAG whose code, read from that folder, a test
  breaks with a syntax error (`import_error`).
"""

from __future__ import annotations

import os
import time
from datetime import datetime, timedelta

try:  # Airflow 3: the task SDK
    from airflow.sdk import DAG, get_current_context, task
except ImportError:  # Airflow 2 (npm run compat)
    from airflow import DAG
    from airflow.decorators import task
    from airflow.operators.python import get_current_context

TAGS = ["status-probe"]


def _sleep_from_conf(default: float) -> None:
    dag_run = get_current_context().get("dag_run")
    conf = getattr(dag_run, "conf", None) or {}
    seconds = float(conf.get("sleep", default)) if isinstance(conf, dict) else default
    time.sleep(max(0.0, min(seconds, 3600.0)))


if os.environ.get("AIRFLOW_STATUS_PROBE_DAGS", "").strip():
    with DAG(
        dag_id="status_probe_paused",
        schedule=None,
        start_date=datetime(2024, 1, 1),
        catchup=False,
        is_paused_upon_creation=True,
        tags=TAGS,
    ) as status_probe_paused:

        @task
        def idle() -> None:
            print("paused DAGs do not run")

        idle()

    with DAG(
        dag_id="status_probe_scheduled",
        schedule="* * * * *",
        start_date=datetime(2024, 1, 1),
        catchup=False,
        is_paused_upon_creation=True,
        max_active_runs=1,
        default_args={"retries": 0, "execution_timeout": timedelta(minutes=10)},
        tags=TAGS,
    ) as status_probe_scheduled:

        @task
        def hold() -> None:
            _sleep_from_conf(300)

        hold()

    with DAG(
        dag_id="status_probe_long",
        schedule=None,
        start_date=datetime(2024, 1, 1),
        catchup=False,
        is_paused_upon_creation=False,
        max_active_runs=3,
        default_args={"retries": 0},
        tags=TAGS,
    ) as status_probe_long:

        @task
        def work() -> None:
            _sleep_from_conf(0)

        work()

    with DAG(
        dag_id="status_probe_reliability",
        schedule=None,
        start_date=datetime(2024, 1, 1),
        catchup=False,
        is_paused_upon_creation=False,
        max_active_runs=4,
        default_args={"retries": 0},
        tags=TAGS,
    ) as status_probe_reliability:

        @task
        def step() -> None:
            _sleep_from_conf(0)
            dag_run = get_current_context().get("dag_run")
            conf = getattr(dag_run, "conf", None) or {}
            if isinstance(conf, dict) and conf.get("fail") is True:
                raise RuntimeError("failing as the run's conf asks")

        step()
