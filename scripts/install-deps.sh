#!/usr/bin/env bash
# Installs the Debian packages infergate builds, tests and benchmarks with.
# Safe to run again: it only calls apt-get when something is missing.
set -euo pipefail

packages=(
    libcurl4-openssl-dev  # the upstream client and the token fetches
    libsqlite3-dev        # the audit log
    libssl-dev            # SHA-256 for the audit chain and token fingerprints
    libopenblas-dev       # sgemm for the local model evaluator
    sqlite3               # to look at the audit log by hand
    curl                  # quick-start smoke request
    openssl               # TLS tests of the upstream client make throwaway certificates
)

missing=()
for package in "${packages[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$package" 2>/dev/null | grep -q "install ok installed"; then
        missing+=("$package")
    fi
done

if ((${#missing[@]} > 0)); then
    echo "install-deps: installing ${missing[*]}" >&2
    sudo_cmd=()
    if [[ $(id -u) -ne 0 ]]; then
        sudo_cmd=(sudo)
    fi
    "${sudo_cmd[@]}" apt-get update -qq
    DEBIAN_FRONTEND=noninteractive "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends "${missing[@]}"
fi

if ! command -v swift >/dev/null 2>&1; then
    if [[ -x /opt/swift/usr/bin/swift ]]; then
        echo "install-deps: add /opt/swift/usr/bin to PATH" >&2
    else
        echo "install-deps: the Swift 6 toolchain is required (https://swift.org/install)" >&2
    fi
    exit 1
fi
