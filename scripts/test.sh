#!/usr/bin/env bash
# The test command of README.md: installs what the tests need (idempotent), then runs every test
# of the workspace on the embedded default (SQLite + local files).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
# Tesseract runs one thread per read (as the ivs binary sets it); faster on small machines
export OMP_THREAD_LIMIT=${OMP_THREAD_LIMIT:-1}
cargo test --workspace --locked "$@"
