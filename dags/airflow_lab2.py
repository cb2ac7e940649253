"""Airflow_Lab2: a light stand-in for the seed's ML pipeline.

load_data -> preprocess -> train -> evaluate -> should_trigger_flask -> trigger_flask_api

Run conf (all optional):
  {"fail": true}            -> the `train` task raises, the run ends `failed`
  {"trigger_flask": false}  -> the final TriggerDagRunOperator is skipped (default: trigger)
  {"flask_conf": {...}}     -> conf handed to the triggered Airflow_Lab2_Flask run,
                               e.g. {"flask_conf": {"env": {"FLASK_PORT": "5601"}}}
Every task finishes within a second or two; no third-party dependencies.
"""

from __future__ import annotations

import random
from datetime import datetime

try:  # Airflow 3: the task SDK and the standard provider
    from airflow.providers.standard.operators.trigger_dagrun import TriggerDagRunOperator
    from airflow.sdk import dag, get_current_context, task
except ImportError:  # Airflow 2 (npm run compat), which has neither
    from airflow.decorators import dag, task
    from airflow.operators.python import get_current_context
    from airflow.operators.trigger_dagrun import TriggerDagRunOperator

FLASK_DAG_ID = "Airflow_Lab2_Flask"


def _conf() -> dict:
    dag_run = get_current_context().get("dag_run")
    conf = getattr(dag_run, "conf", None) or {}
    return conf if isinstance(conf, dict) else {}


def _truthy(value) -> bool:
    if isinstance(value, str):
        return value.strip().lower() in {"1", "true", "yes", "on"}
    return bool(value)


@dag(
    dag_id="Airflow_Lab2",
    schedule=None,
    start_date=datetime(2024, 1, 1),
    catchup=False,
    is_paused_upon_creation=False,
    max_active_runs=3,
    default_args={"owner": "mlops", "retries": 0},
    render_template_as_native_obj=True,
    tags=["lab2", "ml"],
    doc_md=__doc__,
)
def airflow_lab2():
    @task
    def load_data() -> list[list[float]]:
        rng = random.Random(42)
        rows = [[rng.uniform(0, 10), rng.uniform(0, 10)] for _ in range(200)]
        print(f"loaded {len(rows)} rows")
        return rows

    @task
    def preprocess(rows: list[list[float]]) -> list[list[float]]:
        lo = [min(c) for c in zip(*rows)]
        hi = [max(c) for c in zip(*rows)]
        scaled = [[(v - l) / ((h - l) or 1.0) for v, l, h in zip(r, lo, hi)] for r in rows]
        print(f"scaled {len(scaled)} rows to [0, 1]")
        return scaled

    @task
    def train(rows: list[list[float]]) -> dict:
        if _truthy(_conf().get("fail")):
            raise RuntimeError("Training failed on purpose (dag_run.conf has fail=true)")
        # "k-means" with k=2, a few iterations: cheap and deterministic.
        centers = [rows[0], rows[-1]]
        for _ in range(5):
            groups: list[list[list[float]]] = [[], []]
            for r in rows:
                d = [sum((a - b) ** 2 for a, b in zip(r, c)) for c in centers]
                groups[d.index(min(d))].append(r)
            centers = [[sum(col) / len(g) for col in zip(*g)] if g else c for g, c in zip(groups, centers)]
        print(f"trained centers={centers}")
        return {"centers": centers}

    @task
    def evaluate(model: dict, rows: list[list[float]]) -> float:
        centers = model["centers"]
        sse = sum(min(sum((a - b) ** 2 for a, b in zip(r, c)) for c in centers) for r in rows)
        print(f"SSE={sse:.4f}")
        return sse

    @task.short_circuit
    def should_trigger_flask() -> bool:
        trigger = _truthy(_conf().get("trigger_flask", True))
        print(f"trigger {FLASK_DAG_ID}: {trigger}")
        return trigger

    trigger_flask_api = TriggerDagRunOperator(
        task_id="trigger_flask_api",
        trigger_dag_id=FLASK_DAG_ID,
        conf="{{ dag_run.conf.get('flask_conf', {}) if dag_run.conf else {} }}",
        wait_for_completion=False,
    )

    rows = load_data()
    clean = preprocess(rows)
    model = train(clean)
    evaluate(model, clean) >> should_trigger_flask() >> trigger_flask_api


airflow_lab2()
