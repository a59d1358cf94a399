#!/usr/bin/env python3
"""Check the committed fixtures without regenerating them.

    python3 examples/models/verify.py      # needs onnx, onnxruntime, numpy

For every model in manifest.json: the .onnx matches its recorded sha256 and size,
passes onnx.checker (full_check), and onnxruntime on the committed inputs reproduces
the committed reference outputs (max abs difference <= 1e-5). Prints one line per
model and 'N passed, N failed'.
"""
import hashlib
import json
import os
import sys

import numpy as np
import onnx
import onnxruntime as ort

HERE = os.path.dirname(os.path.abspath(__file__))


def main():
    with open(os.path.join(HERE, "manifest.json")) as f:
        models = json.load(f)["models"]
    passed = failed = 0
    for e in models:
        problems = []
        path = os.path.join(HERE, e["file"])
        data = open(path, "rb").read()
        if hashlib.sha256(data).hexdigest() != e["sha256"] or len(data) != e["file_bytes"]:
            problems.append("sha256/size differs from manifest")
        model = onnx.load_from_string(data)
        try:
            onnx.checker.check_model(model, full_check=True)
        except Exception as ex:  # noqa: BLE001
            problems.append("checker: %s" % ex)
        so = ort.SessionOptions()
        so.intra_op_num_threads = 1
        so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
        sess = ort.InferenceSession(data, so, providers=["CPUExecutionProvider"])
        feeds = {i["name"]: np.load(os.path.join(HERE, i["file"])) for i in e["inputs"]}
        outs = sess.run([o["name"] for o in e["outputs"]], feeds)
        worst = 0.0
        for o, got in zip(e["outputs"], outs):
            ref = np.load(os.path.join(HERE, o["file"]))
            if ref.shape != got.shape:
                problems.append("%s: shape %s vs ref %s" % (o["name"], got.shape, ref.shape))
                continue
            worst = max(worst, float(np.max(np.abs(ref.astype(np.float64) - got))))
        if worst > 1e-5:
            problems.append("max |ort - ref| = %.3g" % worst)
        status = "ok" if not problems else "FAIL " + "; ".join(problems)
        print("%-34s %s (max |ort - ref| %.2g)" % (e["name"], status, worst))
        passed += not problems
        failed += bool(problems)
    print("%d passed, %d failed" % (passed, failed))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
