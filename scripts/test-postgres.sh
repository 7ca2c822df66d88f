#!/usr/bin/env bash
# The PostgreSQL suite: the storage conformance tests and the API tests, run against the server
# named by IVS_TEST_PG_URL (each test creates and drops its own database there).
set -euo pipefail
cd "$(dirname "$0")/.."
: "${IVS_TEST_PG_URL:?set IVS_TEST_PG_URL, e.g. postgres://postgres@127.0.0.1:5432/test}"
IVS_REQUIRE_PG=1 cargo test --locked -p ivs-store -p ivs -- --test-threads=2 "$@"
