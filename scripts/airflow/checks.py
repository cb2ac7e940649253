"""The checks airflow.sh makes with a Python interpreter (standard library only: `up` waits without curl or jq).

  checks.py python-ok                      exit 0 when this interpreter can run Airflow (3.11-3.13)
  checks.py python-version                 print sys.version (part of the venv's requirements stamp)
  checks.py airflow-version                print the installed apache-airflow version
  checks.py password-ok FILE               exit 0 when the simple auth manager's FILE has airflow/airflow
  checks.py ready BASE_URL MODE DAG[,DAG] [MAJOR]
                                           exit 0 and print "ready" when Airflow at BASE_URL is healthy
                                           and shows the DAGs; else exit 1 and print what is missing
                                           (MAJOR 2: Airflow 2's /api/v1 with HTTP basic)

Run by the candidate interpreters too (python-ok), so an old one must fail cleanly: exit non-zero.
"""

import base64
import json
import sys
import urllib.error
import urllib.parse
import urllib.request

# apache-airflow-providers-fab requires >= 3.11; Airflow 3.3 supports up to 3.13.
SUPPORTED = ((3, 11), (3, 13))
# One readiness probe must not hang `up`'s loop: it retries every 2 s anyway.
HTTP_TIMEOUT_S = 5


def python_ok() -> int:
    low, high = SUPPORTED
    return 0 if low <= sys.version_info[:2] <= high else 1


def python_version() -> int:
    print(sys.version)
    return 0


def airflow_version() -> int:
    import importlib.metadata

    print(importlib.metadata.version("apache-airflow"))
    return 0


def password_ok(path: str) -> int:
    with open(path) as f:
        return 0 if json.load(f).get("airflow") == "airflow" else 1


def _request(base, method, path, body=None, headers=None):
    data = json.dumps(body).encode() if body is not None else None
    req = urllib.request.Request(base + path, data=data, method=method, headers=dict(headers or {}))
    if data is not None:
        req.add_header("Content-Type", "application/json")
    try:
        with urllib.request.urlopen(req, timeout=HTTP_TIMEOUT_S) as resp:
            return resp.status, resp.read().decode()
    except urllib.error.HTTPError as e:
        return e.code, e.read().decode()


def ready(base: str, mode: str, dag_list: str, major: str = "3") -> int:
    dags = [d for d in dag_list.split(",") if d]
    v1 = major == "2"
    api = "/api/v1" if v1 else "/api/v2"
    try:
        status, body = _request(base, "GET", api + ("/health" if v1 else "/monitor/health"))
        if status != 200:
            print(f"health {status}")
            return 1
        health = json.loads(body)
        # Airflow 2's scheduler parses the DAGs itself: no dag_processor to wait for.
        components = ("metadatabase", "scheduler") if v1 else ("metadatabase", "scheduler", "dag_processor")
        bad = [k for k in components if (health.get(k) or {}).get("status") != "healthy"]
        if bad:
            print("not healthy yet: " + ", ".join(bad))
            return 1
        if v1:
            status, body = 404, ""
        else:
            status, body = _request(base, "POST", "/auth/token", {"username": "airflow", "password": "airflow"})
        if status in (200, 201):
            auth = {"Authorization": "Bearer " + json.loads(body)["access_token"]}
        elif mode == "fab" or v1:
            auth = {"Authorization": "Basic " + base64.b64encode(b"airflow:airflow").decode()}
        else:
            print(f"/auth/token {status} {body[:200]}")
            return 1
        # Quoted: a DAG id may be any letters (entraînement_modèle), and a request line is ASCII.
        missing = [d for d in dags if _request(base, "GET", f"{api}/dags/{urllib.parse.quote(d, safe='')}", headers=auth)[0] != 200]
        if missing:
            print("DAGs not visible yet: " + ", ".join(missing))
            return 1
        print("ready")
        return 0
    except Exception as e:  # connection refused etc.
        print(f"{type(e).__name__}: {e}")
        return 1


COMMANDS = {
    "python-ok": python_ok,
    "python-version": python_version,
    "airflow-version": airflow_version,
    "password-ok": password_ok,
    "ready": ready,
}

if __name__ == "__main__":
    if len(sys.argv) < 2 or sys.argv[1] not in COMMANDS:
        sys.exit(__doc__)
    sys.exit(COMMANDS[sys.argv[1]](*sys.argv[2:]))
