"""scale_0001 … scale_NNNN: many cheap DAGs for `npm run bench:airflow` (issue 17), and only for it.

They exist only while AIRFLOW_STATUS_SCALE_DAGS holds a number (1-5000) in the environment of the
dag-processor (Airflow 3) or scheduler (Airflow 2); `airflow.sh up` hands its own environment down.
Unset, this file defines no DAG at all, so the repository's usual Airflow and its test suites see
only the seed's two DAGs.

Each DAG is as cheap as a DAG can be: no schedule (runs only when triggered, so nothing runs by
itself during a measurement), one EmptyOperator, which the scheduler marks successful without
handing it to the executor (no task process, no log). Tags: `scale` and one of four team tags;
owners rotate through five names, so WATCH_DAGS's `tag:` and `owner:` terms have something to select.
"""

from __future__ import annotations

import os
from datetime import datetime

try:  # Airflow 3: the task SDK and the standard provider
    from airflow.providers.standard.operators.empty import EmptyOperator
    from airflow.sdk import DAG
except ImportError:  # Airflow 2 (npm run compat)
    from airflow import DAG
    from airflow.operators.empty import EmptyOperator

TEAMS = ("team-ingest", "team-ml", "team-finance", "team-web")
OWNERS = ("data-eng", "ml-platform", "finance", "web", "ops")
MAX_DAGS = 5000


def _count() -> int:
    text = os.environ.get("AIRFLOW_STATUS_SCALE_DAGS", "").strip()
    if not text:
        return 0
    count = int(text)  # a typo fails this file's import loudly, in the dag-processor's log
    if not 0 <= count <= MAX_DAGS:
        raise ValueError(f"AIRFLOW_STATUS_SCALE_DAGS must be 0-{MAX_DAGS}, got {count}")
    return count


for _i in range(1, _count() + 1):
    _dag_id = f"scale_{_i:04d}"
    with DAG(
        dag_id=_dag_id,
        schedule=None,
        start_date=datetime(2024, 1, 1),
        catchup=False,
        is_paused_upon_creation=False,
        default_args={"owner": OWNERS[_i % len(OWNERS)], "retries": 0},
        tags=["scale", TEAMS[_i % len(TEAMS)]],
    ) as _dag:
        EmptyOperator(task_id="noop")
    globals()[_dag_id] = _dag
