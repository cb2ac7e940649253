"""status_probe_import: a DAG whose file a test makes fail to import, for the real-Airflow test of issue 18.

Only while AIRFLOW_STATUS_PROBE_DAGS names a folder (see status_probes.py), and that folder holds
status_probe_import.py: this file runs that code as its own, so a test that writes a syntax error into
it makes this DAG file fail to import, with Python's SyntaxError as the import error, and writes it
back to mend it. Unset, or without that file, this file defines no DAG.
"""

from __future__ import annotations

import os
from pathlib import Path

_folder = os.environ.get("AIRFLOW_STATUS_PROBE_DAGS", "").strip()
_code = Path(_folder, "status_probe_import.py") if _folder else None

if _code is not None and _code.is_file():
    # The code's DAG lands in this module's globals, where Airflow looks for it, with this file as its file.
    exec(compile(_code.read_text(encoding="utf-8"), str(_code), "exec"), globals())
