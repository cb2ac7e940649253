#!/usr/bin/env bash
# What `npm test` needs beyond npm packages, installed when missing (idempotent, fast when present):
# Debian's Chromium for the browser test, the pinned Airflow whose OpenAPI spec checks the fake
# and which the real-Airflow suites run (started by the Jest global setup, not here), the pinned
# schemathesis of the contract test and feedparser of the feeds test, and the deployment checks'
# tools (scripts/deploy-tools.sh: helm, hadolint, kubernetes-validate, checkov).
set -euo pipefail
cd "$(dirname "$0")/.."

# The suite runs on the Node LTS the project brings (the `node` devDependency, which npm puts first
# on the PATH of npm scripts), whatever node runs npm itself.
if [[ "$(node --version)" != v24.* ]]; then
  echo "[test-prereqs] the tests run on Node 24 (node_modules/.bin/node from the \`node\` devDependency), found $(command -v node) $(node --version); run npm ci" >&2
  exit 1
fi

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
bash scripts/deploy-tools.sh
bash scripts/contract/install.sh
