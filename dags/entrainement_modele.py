"""entraînement_modèle: a DAG whose id is not ASCII, as French-speaking teams name theirs.

Airflow accepts any DAG id matching `^[\\w.-]+$` with Python's Unicode `\\w`; the service must too
(test/real-airflow/unicode-dag-id.e2e-spec.ts reads this DAG's runs through every route). One task
that finishes at once; manual schedule, so it costs nothing until a test triggers it.
"""

from __future__ import annotations

from datetime import datetime

try:  # Airflow 3 task SDK
    from airflow.sdk import dag, task
except ImportError:  # Airflow 2 (npm run compat)
    from airflow.decorators import dag, task


@dag(
    dag_id="entraînement_modèle",
    schedule=None,
    start_date=datetime(2024, 1, 1),
    catchup=False,
    is_paused_upon_creation=False,
    default_args={"owner": "mlops", "retries": 0},
    tags=["lab2", "unicode"],
    doc_md=__doc__,
)
def entrainement_modele():
    @task(task_id="entraîner")
    def entrainer() -> None:
        print("modèle entraîné")

    entrainer()


entrainement_modele()
