#!/usr/bin/env bash
# Sets everything up and runs the gateway on its default configuration.
#
# Without a real Wallaroo installation configured, it starts the *Wallaroo stand-in* (a local
# imitation of Keycloak's token endpoint and a pipeline, built for tests) on 127.0.0.1:9090 and
# points the default configuration at it, so the whole path can be tried on this machine:
#   curl -s -H 'Content-Type: application/json' --data @../shared/wallaroo-data/data-1.json \
#        http://127.0.0.1:8080/v1/api/pipelines/infer/aloha-1
# Set INFERGATE_CONFIG to use another configuration (then no stand-in is started).
set -euo pipefail
cd "$(dirname "$0")/.."
export PATH="/opt/swift/usr/bin:$PATH"

scripts/install-deps.sh
swift build -c release
bin="$(swift build -c release --show-bin-path)"

config="${INFERGATE_CONFIG:-config/infergate.json}"
if [[ -z "${INFERGATE_CONFIG:-}" ]]; then
    export WALLAROO_CLIENT_SECRET="${WALLAROO_CLIENT_SECRET:-standin-secret}"
    "$bin/wallaroo-standin" --listen 127.0.0.1:9090 --client-secret "$WALLAROO_CLIENT_SECRET" &
    standin=$!
    trap 'kill "$standin" 2>/dev/null || true' EXIT
    echo "quickstart: Wallaroo stand-in (not a real Wallaroo) on http://127.0.0.1:9090" >&2
fi

"$bin/infergate" check --config "$config" >/dev/null
"$bin/infergate" serve --config "$config"
