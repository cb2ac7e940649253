#!/usr/bin/env bash
# The tools the deployment checks (test/deploy/) run, installed when missing (idempotent, a no-op when
# present); called by scripts/test-prereqs.sh, so `npm test` and .ci/run work from a clean clone.
#   - hadolint, kubernetes-validate (with the Kubernetes schemas) and checkov: PyPI, pinned in
#     deploy/requirements.txt, into the git-ignored deploy/.venv (remade when that file changes);
#   - helm: built from the Go module proxy (go install, several minutes on 2 cores) ONCE per machine,
#     outside the repository, in $AIRFLOW_STATUS_TOOLS (default ~/.cache/airflow-status-api/tools/bin),
#     and reused by every clone and worktree.
# Prints nothing on success but what it installs.
set -euo pipefail
cd "$(dirname "$0")/.."

HELM_VERSION=v3.22.0
TOOLS="${AIRFLOW_STATUS_TOOLS:-${XDG_CACHE_HOME:-$HOME/.cache}/airflow-status-api/tools/bin}"
VENV=deploy/.venv
log() { echo "[deploy-tools] $*" >&2; }

# Python tools: a venv stamped with the requirements it was made from.
if ! cmp -s deploy/requirements.txt "$VENV/.requirements" 2>/dev/null; then
  log "installing hadolint, kubernetes-validate and checkov into $VENV (deploy/requirements.txt)…"
  rm -rf "$VENV"
  python3 -m venv "$VENV"
  "$VENV/bin/pip" install -q --disable-pip-version-check -r deploy/requirements.txt
  cp deploy/requirements.txt "$VENV/.requirements"
fi

# helm: the pinned version (as recorded in the binary's module info: `helm version` says only "v3.22"), or build it.
helm_module() { go version -m "$TOOLS/helm" 2>/dev/null | awk '$1 == "mod" && $2 == "helm.sh/helm/v3" { print $3 }'; }
if [[ ! -x "$TOOLS/helm" ]] || { command -v go >/dev/null && [[ "$(helm_module)" != "$HELM_VERSION" ]]; }; then
  if ! command -v go >/dev/null; then
    log "helm $HELM_VERSION is missing and there is no Go toolchain to build it; install Go (https://go.dev/dl/) or put helm $HELM_VERSION at $TOOLS/helm"
    exit 1
  fi
  log "building helm $HELM_VERSION with $(go version) into $TOOLS (once per machine; several minutes)…"
  mkdir -p "$TOOLS"
  (cd /tmp && GOFLAGS=-mod=mod GOBIN="$TOOLS" go install "helm.sh/helm/v3/cmd/helm@$HELM_VERSION")
fi
