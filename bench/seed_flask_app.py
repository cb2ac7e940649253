"""The seed's design, rebuilt for the benchmark from its description (shared/seed: "Synthèse - DAG
Airflow Flask API"): a Flask app whose four routes, /, /success, /failure and /health, each ask
Airflow's REST API (/api/v2) for the latest run of TARGET_DAG_ID with `requests`, once per page
view, served by Flask's built-in server (app.run, threaded). Nothing is cached.

Differences from the seed, all for the benchmark: it binds 127.0.0.1 instead of 0.0.0.0, and it
authenticates with HTTP basic (the stand-in Airflow accepts it), as the seed's
AIRFLOW_USERNAME/AIRFLOW_PASSWORD suggest.
"""

import os

import requests
from flask import Flask, jsonify, redirect

AIRFLOW_WEBSERVER = os.environ.get("AIRFLOW_WEBSERVER", "http://localhost:8080")
AIRFLOW_USERNAME = os.environ.get("AIRFLOW_USERNAME", "airflow")
AIRFLOW_PASSWORD = os.environ.get("AIRFLOW_PASSWORD", "airflow")
TARGET_DAG_ID = os.environ.get("TARGET_DAG_ID", "Airflow_Lab2")
FLASK_PORT = int(os.environ.get("FLASK_PORT", "5555"))

app = Flask(__name__)


def get_latest_run():
    """One Airflow call per page view: the latest run of the target DAG, or None."""
    url = f"{AIRFLOW_WEBSERVER}/api/v2/dags/{TARGET_DAG_ID}/dagRuns"
    response = requests.get(
        url,
        params={"order_by": "-run_after", "limit": 1},
        auth=(AIRFLOW_USERNAME, AIRFLOW_PASSWORD),
        timeout=10,
    )
    response.raise_for_status()
    runs = response.json().get("dag_runs", [])
    return runs[0] if runs else None


def page(title, run):
    state = run["state"] if run else "no run"
    run_id = run["dag_run_id"] if run else "-"
    return (
        f"<html><head><title>{title}</title></head><body>"
        f"<h1>{title}</h1><p>DAG: {TARGET_DAG_ID}</p><p>State: {state}</p><p>Run: {run_id}</p>"
        f"</body></html>"
    )


@app.route("/")
def index():
    try:
        run = get_latest_run()
    except Exception:
        return redirect("/failure")
    return redirect("/success" if run and run["state"] == "success" else "/failure")


@app.route("/success")
def success():
    return page("Success", get_latest_run())


@app.route("/failure")
def failure():
    return page("Failure", get_latest_run())


@app.route("/health")
def health():
    try:
        run = get_latest_run()
        return jsonify(status="healthy", dag_id=TARGET_DAG_ID, latest_state=run["state"] if run else None)
    except Exception as error:  # the seed reports Airflow's trouble as unhealthy
        return jsonify(status="unhealthy", error=str(error)), 503


if __name__ == "__main__":
    app.run(host="127.0.0.1", port=FLASK_PORT, threaded=True)
