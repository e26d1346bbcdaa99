#!/usr/bin/env bash
# Proxy benchmark: wrk POSTs data-1.json, in one run, against
#   (a) a fast upstream directly (nginx answering a recorded Wallaroo response),
#   (b) nginx as a reverse proxy adding a static Authorization header, access log on,
#       one worker per core, upstream keepalive,
#   (c) infergate (release build) with a token provider, durable SQLite audit log and limits,
# all on loopback against the same upstream, and prints requests/s, p50, p99 and the ratios.
#
# Usage: bench/proxy/run.sh [DURATION_SECONDS] [CONNECTIONS]
# Everything runs on 127.0.0.1 and stops by itself; nothing is left running.
set -euo pipefail
cd "$(dirname "$0")/../.."
export PATH="/opt/swift/usr/bin:$PATH"

duration="${1:-10}"
connections="${2:-32}"
data="../shared/wallaroo-data/data-1.json"
[[ -f "$data" ]] || { echo "bench: $data is missing" >&2; exit 1; }

scripts/install-deps.sh
for tool in nginx wrk; do
    if ! command -v "$tool" >/dev/null 2>&1; then
        sudo_cmd=(); [[ $(id -u) -ne 0 ]] && sudo_cmd=(sudo)
        "${sudo_cmd[@]}" apt-get install -y -qq --no-install-recommends nginx-light wrk >/dev/null
    fi
done
swift build -c release --product infergate >/dev/null
swift build -c release --product wallaroo-standin >/dev/null
bin="$(swift build -c release --show-bin-path)"

work="$(mktemp -d)"
pids=()
cleanup() {
    for pid in "${pids[@]}"; do kill "$pid" 2>/dev/null || true; done
    [[ -f "$work/upstream.pid" ]] && kill "$(cat "$work/upstream.pid")" 2>/dev/null || true
    [[ -f "$work/proxy.pid" ]] && kill "$(cat "$work/proxy.pid")" 2>/dev/null || true
    sleep 0.3
    rm -rf "$work"
}
trap cleanup EXIT

# A recorded-shape legacy response for one row, as the pipeline would answer data-1.json.
response='[{"check_failures":[],"elapsed":[53101,318104],"model_name":"aloha","model_version":"bench","original_data":null,"outputs":[{"Float":{"data":[0.0015195814],"dim":[1,1],"v":1}},{"Float":{"data":[0.98291475],"dim":[1,1],"v":1}}],"pipeline_name":"aloha-1","shadow_data":{},"time":1648570552486}]'

mkdir -p "$work/logs"
cat > "$work/upstream.conf" <<CONF
worker_processes 1;
pid $work/upstream.pid;
error_log $work/logs/upstream-error.log;
events { worker_connections 4096; }
http {
    access_log off;
    client_body_buffer_size 64k;
    server {
        listen 127.0.0.1:18081 reuseport;
        keepalive_requests 1000000;
        location / { default_type application/json; return 200 '$response'; }
    }
}
CONF
cat > "$work/proxy.conf" <<CONF
worker_processes $(nproc);
pid $work/proxy.pid;
error_log $work/logs/proxy-error.log;
events { worker_connections 4096; }
http {
    access_log $work/logs/proxy-access.log;
    upstream pipeline { server 127.0.0.1:18081; keepalive 64; }
    server {
        listen 127.0.0.1:18082;
        keepalive_requests 1000000;
        location / {
            proxy_pass http://pipeline;
            proxy_http_version 1.1;
            proxy_set_header Connection "";
            proxy_set_header Authorization "Bearer static-benchmark-token";
        }
    }
}
CONF
nginx -c "$work/upstream.conf" -p "$work" -g 'daemon on;'
nginx -c "$work/proxy.conf" -p "$work" -g 'daemon on;'

"$bin/wallaroo-standin" --listen 127.0.0.1:18090 >/dev/null 2>&1 &
pids+=($!)
cat > "$work/infergate.json" <<CONF
{"server": {"listen": "127.0.0.1:18083"},
 "token_providers": {"w": {"token_url": "http://127.0.0.1:18090/auth/realms/master/protocol/openid-connect/token",
                           "client_id": "api-client", "client_secret": "standin-secret"}},
 "routes": [{"name": "aloha", "path": "/v1/api/pipelines/infer/aloha-1",
             "upstream": "http://127.0.0.1:18081/v1/api/pipelines/infer/aloha-1", "token_provider": "w",
             "limits": {"requests_per_second": 1000000, "burst": 1000000, "max_in_flight": 4096}}],
 "unknown_callers": {"policy": "allow", "limits": {"requests_per_second": 1000000, "burst": 1000000}},
 "audit": {"path": "$work/audit.sqlite", "durability": "${AUDIT_MODE:-durable}", "flush_interval_ms": 100},
 "logging": {"level": "warning"}}
CONF
"$bin/infergate" serve --config "$work/infergate.json" 2>"$work/logs/infergate.log" &
pids+=($!)

for _ in $(seq 1 100); do
    if curl -fsS http://127.0.0.1:18083/readyz >/dev/null 2>&1; then break; fi
    sleep 0.1
done

cat > "$work/post.lua" <<LUA
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
local f = io.open("$data", "rb")
wrk.body = f:read("*all")
f:close()
LUA

# CPU time (utime + stime, in clock ticks) of the given processes, all their threads included.
cpu_ticks() {
    local total=0 pid
    for pid in "$@"; do
        read -r -a fields < "/proc/$pid/stat"
        total=$((total + fields[13] + fields[14]))
    done
    echo "$total"
}

# run NAME URL PID...: wrk against URL; records the CPU the PIDs spent serving the main run.
run() {
    local name="$1" url="$2"
    shift 2
    wrk -t2 -c"$connections" -d2s -s "$work/post.lua" "$url" >/dev/null  # warm-up
    local before after
    before=$(cpu_ticks "$@")
    wrk -t2 -c"$connections" -d"${duration}s" -s "$work/post.lua" --latency "$url" > "$work/$name.txt"
    after=$(cpu_ticks "$@")
    echo "$((after - before))" > "$work/$name.cpu"
}
upstream_workers=$(pgrep -P "$(cat "$work/upstream.pid")" | tr '\n' ' ')
proxy_workers=$(pgrep -P "$(cat "$work/proxy.pid")" | tr '\n' ' ')
# shellcheck disable=SC2086  # word splitting of the pid lists is intended
run direct http://127.0.0.1:18081/v1/api/pipelines/infer/aloha-1 $upstream_workers
# shellcheck disable=SC2086
run nginx http://127.0.0.1:18082/v1/api/pipelines/infer/aloha-1 $proxy_workers
run infergate http://127.0.0.1:18083/v1/api/pipelines/infer/aloha-1 "${pids[1]}"

rows=$(sqlite3 "$work/audit.sqlite" "SELECT count(*) FROM audit_rows")
python3 - "$work" "$duration" "$connections" "$rows" "$(getconf CLK_TCK)" <<'PY'
import re, sys
work, duration, connections, rows, ticks = sys.argv[1], sys.argv[2], sys.argv[3], sys.argv[4], int(sys.argv[5])

def parse(name):
    text = open(f"{work}/{name}.txt").read()
    rps = float(re.search(r"Requests/sec:\s+([\d.]+)", text).group(1))
    def pct(p):
        value, unit = re.search(rf"\s{p}%\s+([\d.]+)(us|ms|s)", text).groups()
        return float(value) * {"us": 0.001, "ms": 1.0, "s": 1000.0}[unit]
    errors = re.search(r"Non-2xx or 3xx responses: (\d+)", text)
    requests = int(re.search(r"(\d+) requests in", text).group(1))
    cpu_us = int(open(f"{work}/{name}.cpu").read()) / ticks * 1e6 / max(1, requests)
    return rps, pct(50), pct(99), int(errors.group(1)) if errors else 0, cpu_us

results = {name: parse(name) for name in ("direct", "nginx", "infergate")}
print(f"proxy benchmark: wrk -t2 -c{connections} -d{duration}s, POST data-1.json, loopback, {__import__('os').cpu_count()} cores")
print("cpu us/req: CPU time of the target's own processes (upstream workers, proxy workers, gateway) per request")
print(f"{'target':<12}{'req/s':>12}{'p50 ms':>10}{'p99 ms':>10}{'non-2xx':>10}{'cpu us/req':>12}")
for name, (rps, p50, p99, errors, cpu) in results.items():
    print(f"{name:<12}{rps:>12.0f}{p50:>10.3f}{p99:>10.3f}{errors:>10}{cpu:>12.1f}")
n, g = results["nginx"], results["infergate"]
print(f"infergate/nginx throughput: {g[0] / n[0]:.2f}x (target >= 0.80)")
print(f"infergate/nginx p99:        {g[2] / n[2]:.2f}x (target <= 2.00)")
print(f"infergate/nginx cpu per request: {g[4] / n[4]:.2f}x")
print(f"infergate audit rows written: {rows}")
PY
