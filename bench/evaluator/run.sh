#!/usr/bin/env bash
# Side-by-side benchmark of infergate's local evaluator and onnxruntime on the Aloha model.
#
# Usage: bench/evaluator/run.sh [SINGLE_ROW_REPS] [BATCH_REPS]   (defaults 300 and 5)
# Needs ../shared/wallaroo-data beside the checkout. Installs onnxruntime and numpy into bench/.venv.
# Both engines get 2 threads and exclude JSON decoding from the timed region; the machine is shared,
# so the two run back to back, interleaved per input, and only their ratio is meaningful.
set -euo pipefail

root="$(cd "$(dirname "$0")/../.." && pwd)"
data="$root/../shared/wallaroo-data"
model="$data/aloha-cnn-lstm.fused.onnx"
single_reps="${1:-300}"
batch_reps="${2:-5}"
threads=2

if [[ ! -f "$model" ]]; then
    echo "missing $model: the Wallaroo tutorial data must sit in ../shared/wallaroo-data" >&2
    exit 1
fi

venv="$root/bench/.venv"
if [[ ! -x "$venv/bin/python" ]]; then
    python3 -m venv "$venv"
fi
"$venv/bin/pip" install --quiet onnxruntime numpy

(cd "$root" && swift build -c release --product infergate >&2)
infergate="$root/.build/release/infergate"

field() { sed -E "s/.*\"$1\": ?([0-9.]+).*/\1/" <<<"$2"; }

printf '%-14s %-10s %12s %12s %14s\n' input engine median_ms min_ms rows_per_s
for spec in "data-1.json:$single_reps" "data-1k.json:$batch_reps" "data-25k.json:$batch_reps"; do
    file="${spec%%:*}"
    reps="${spec##*:}"
    ours="$(INFERGATE_LOG_LEVEL=error "$infergate" eval --model "$model" --input "$data/$file" --bench "$reps")"
    peer="$("$venv/bin/python" "$root/bench/evaluator/ort_peer.py" "$model" "$threads" "$reps" "$data/$file:$reps")"
    for pair in "infergate:$ours" "onnxruntime:$peer"; do
        name="${pair%%:*}"
        line="${pair#*:}"
        printf '%-14s %-10s %12s %12s %14s\n' "$file" "$name" \
            "$(field median_ms "$line")" "$(field min_ms "$line")" "$(field rows_per_second "$line")"
    done
    ratio="$(awk -v a="$(field rows_per_second "$ours")" -v b="$(field rows_per_second "$peer")" \
        'BEGIN { printf "%.2f", a / b }')"
    echo "  $file: infergate/onnxruntime throughput ratio $ratio (latency ratio is its inverse)"
done
