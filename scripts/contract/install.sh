#!/usr/bin/env bash
# Installs the pinned schemathesis and feedparser (scripts/contract/requirements.txt) into .contract/venv, git-ignored.
# Idempotent: a no-op when the venv already holds exactly these requirements.
set -euo pipefail
cd "$(dirname "$0")/../.."
VENV=.contract/venv
REQUIREMENTS=scripts/contract/requirements.txt
STAMP="$VENV/.requirements"
if [[ -x "$VENV/bin/schemathesis" && -f "$STAMP" ]] && cmp -s "$REQUIREMENTS" "$STAMP"; then exit 0; fi
echo "[contract] installing schemathesis and feedparser into $VENV…" >&2
PYTHON=${CONTRACT_PYTHON:-python3}
rm -rf "$VENV"
"$PYTHON" -m venv "$VENV"
"$VENV/bin/pip" install --quiet --disable-pip-version-check -r "$REQUIREMENTS"
cp "$REQUIREMENTS" "$STAMP"
