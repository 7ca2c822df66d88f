#!/usr/bin/env bash
# The test command of README.md: installs what the tests need (idempotent), then runs every test
# of the workspace on the embedded default (SQLite + local files).
set -euo pipefail
cd "$(dirname "$0")/.."
scripts/setup.sh
# Tests that read MRZs in-process (not through the binary, which restarts itself with this set)
# run Tesseract on one thread, as the binary does; the binary's own start is tested with the
# variable removed (mrz_read::tesseract_reads_on_one_thread_without_the_variable_in_the_environment)
export OMP_THREAD_LIMIT=${OMP_THREAD_LIMIT:-1}
cargo test --workspace --locked "$@"
