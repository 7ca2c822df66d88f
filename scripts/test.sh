#!/usr/bin/env bash
# The test command of README.md: installs what the tests need (idempotent), then runs every test
# of the workspace on the embedded default (SQLite + local files).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
cargo test --workspace --locked "$@"
