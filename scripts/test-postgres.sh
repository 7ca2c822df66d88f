#!/usr/bin/env bash
# The PostgreSQL suite: the storage conformance tests and the API tests (with the rest of the
# workspace, which ignores the variable), run against the server
# named by IVS_TEST_PG_URL (each test creates its own database there; they are dropped at the end).
set -euo pipefail
cd "$(dirname "$0")/.."
: "${IVS_TEST_PG_URL:?set IVS_TEST_PG_URL, e.g. postgres://postgres@127.0.0.1:5432/test}"
cleanup() {
  psql "$IVS_TEST_PG_URL" -Atc "select datname from pg_database where datname like 'ivs\_%'" 2>/dev/null |
    while read -r db; do psql "$IVS_TEST_PG_URL" -qc "drop database if exists \"$db\" with (force)" >/dev/null 2>&1 || true; done
}
trap cleanup EXIT
# --workspace (not -p) so the build is the one scripts/test.sh made: no feature re-resolution, no rebuild
IVS_REQUIRE_PG=1 cargo test --workspace --locked -- --test-threads=2 "$@"
