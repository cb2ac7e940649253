#!/usr/bin/env bash
# What `npm test` needs beyond npm packages, installed when missing (idempotent, fast when present):
# Debian's Chromium for the browser test, the pinned schemathesis of the contract test, and the pinned
# Airflow whose OpenAPI spec checks the fake
# and which the real-Airflow suites run (started by the Jest global setup, not here).
set -euo pipefail
cd "$(dirname "$0")/.."

if [[ ! -x /usr/bin/chromium ]]; then
  if [[ $(id -u) -eq 0 ]] && command -v apt-get >/dev/null; then
    echo "[test-prereqs] installing Debian's chromium for the browser test…" >&2
    apt-get update -qq >/dev/null
    DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null
  else
    echo "[test-prereqs] /usr/bin/chromium is missing; install Debian's chromium (sudo apt-get install -y chromium)" >&2
    exit 1
  fi
fi

bash scripts/airflow/airflow.sh install
bash scripts/contract/install.sh
