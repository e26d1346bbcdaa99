#!/usr/bin/env bash
# Runs the whole test suite: unit tests, loopback integration tests against the Wallaroo
# stand-in, and the evaluator's exactness tests (those skip when ../shared/wallaroo-data is absent).
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="/opt/swift/usr/bin:$PATH"

scripts/install-deps.sh
# Style report (120 columns, one blank line, the checked-in .swift-format); warnings do not fail the run.
swift format lint -r Sources Tests 2>&1 | tail -n 20 || true
swift build --build-tests
# Suites share two cores; serial runs keep the timing-sensitive ones (rates, token expiry) honest.
swift test --skip-build --no-parallel "$@"
