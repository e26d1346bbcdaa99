"""onnxruntime peer for bench/evaluator/run.sh: times the same ONNX file on the same inputs.

Prints one JSON line per input file: rows, repetitions, median and min milliseconds, rows per second.
Decoding the JSON input is excluded, as it is for `infergate eval --bench`.
"""
import json
import statistics
import sys
import time

import numpy as np
import onnxruntime as ort


def main() -> None:
    model, threads, repetitions = sys.argv[1], int(sys.argv[2]), sys.argv[3]
    options = ort.SessionOptions()
    options.intra_op_num_threads = threads
    options.inter_op_num_threads = 1
    session = ort.InferenceSession(model, options, providers=["CPUExecutionProvider"])
    for spec in sys.argv[4:]:
        path, count = spec.rsplit(":", 1)
        with open(path) as handle:
            rows = np.asarray(json.load(handle)["text_input"], dtype=np.float32)
        feed = {"text_input": rows}
        session.run(None, feed)
        samples = []
        for _ in range(int(count)):
            start = time.perf_counter_ns()
            session.run(None, feed)
            samples.append(time.perf_counter_ns() - start)
        median = statistics.median(samples) / 1e6
        print(json.dumps({
            "engine": "onnxruntime " + ort.__version__,
            "input": path.rsplit("/", 1)[-1],
            "rows": len(rows),
            "repetitions": len(samples),
            "median_ms": round(median, 4),
            "min_ms": round(min(samples) / 1e6, 4),
            "rows_per_second": round(len(rows) / (median / 1e3)),
        }, separators=(",", ":")), flush=True)


if __name__ == "__main__":
    main()
