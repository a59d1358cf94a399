#!/usr/bin/env python3
"""Compute the onnxruntime reference outputs and write manifest.json.

Run after the generators, with any interpreter that has onnx, onnxruntime and numpy
(e.g. the pyenv `python3` first on PATH after `pip install onnxruntime onnx numpy`,
or /work/venv-fixtures/bin/python):

    python3 examples/models/finalize.py

For every .work/NAME.meta.json written by gen_torch113.py / gen_hf.py it
  * runs onnx.checker.check_model(full_check=True) on NAME.onnx,
  * runs onnxruntime (CPU, 1 thread, graph optimizations disabled) on the committed
    inputs and writes NAME.ref.npy (NAME.ref.OUTPUT.npy for several outputs),
  * compares with the PyTorch output saved by the generator (max |torch - ort|),
  * for models with dynamic axes, also runs onnxruntime at another batch/seq size,
  * collects the op types and the input/output signature read from the ONNX file,
and writes manifest.json (sorted, stable).
"""
import collections
import glob
import hashlib
import json
import os
import sys

import numpy as np
import onnx
import onnxruntime as ort

import fixture_common as fc

DTYPES = {onnx.TensorProto.FLOAT: "float32", onnx.TensorProto.INT64: "int64",
          onnx.TensorProto.INT32: "int32", onnx.TensorProto.BOOL: "bool",
          onnx.TensorProto.DOUBLE: "float64"}


def value_info(vi):
    t = vi.type.tensor_type
    dims, dyn = [], {}
    for i, d in enumerate(t.shape.dim):
        if d.HasField("dim_value"):
            dims.append(d.dim_value)
        else:
            dims.append(d.dim_param or "?")
            dyn[str(i)] = d.dim_param or "?"
    return {"name": vi.name, "dtype": DTYPES.get(t.elem_type, str(t.elem_type)),
            "shape": dims, "dynamic_axes": dyn}


def op_types(model):
    counts = collections.Counter()

    def walk(graph):
        for n in graph.node:
            counts[(n.domain + "::" if n.domain not in ("", "ai.onnx") else "") + n.op_type] += 1
            for a in n.attribute:
                if a.type == onnx.AttributeProto.GRAPH:
                    walk(a.g)
                for g in a.graphs:
                    walk(g)
    walk(model.graph)
    for f in model.functions:
        for n in f.node:
            counts["function:" + f.name + "/" + n.op_type] += 1
    return dict(sorted(counts.items()))


def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def session(path):
    so = ort.SessionOptions()
    so.intra_op_num_threads = 1
    so.inter_op_num_threads = 1
    so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
    return ort.InferenceSession(path, so, providers=["CPUExecutionProvider"])


def main():
    metas = sorted(glob.glob(os.path.join(fc.WORK, "*.meta.json")))
    if not metas:
        sys.exit("no .work/*.meta.json: run gen_torch113.py / gen_hf.py first")
    manifest_path = os.path.join(fc.HERE, "manifest.json")
    entries = {}
    if os.path.exists(manifest_path):  # keep entries of models not regenerated this time
        with open(manifest_path) as f:
            for e in json.load(f)["models"]:
                entries[e["name"]] = e
    for mp in metas:
        with open(mp) as f:
            meta = json.load(f)
        name = meta["name"]
        path = os.path.join(fc.HERE, meta["file"])
        model = onnx.load(path)
        onnx.checker.check_model(model, full_check=True)
        opset = {(o.domain or "ai.onnx"): o.version for o in model.opset_import}
        inputs = [value_info(v) for v in model.graph.input]
        outputs = [value_info(v) for v in model.graph.output]
        assert [o["name"] for o in outputs] == meta["outputs"], (name, outputs)

        sess = session(path)
        feeds = {}
        for inp in inputs:
            fname = meta["input_files"][inp["name"]]
            feeds[inp["name"]] = np.load(os.path.join(fc.HERE, fname))
            inp["file"] = fname
        res = sess.run(meta["outputs"], feeds)
        max_diff = {}
        for oname, arr, out in zip(meta["outputs"], res, outputs):
            rname = name + (".ref.npy" if len(res) == 1 else ".ref.%s.npy" % oname)
            fc.save_npy(os.path.join(fc.HERE, rname), arr)
            out["file"] = rname
            out["shape_of_reference"] = list(arr.shape)
            t = np.load(os.path.join(fc.WORK, meta["torch_output_files"][oname]))
            assert t.shape == arr.shape, (name, t.shape, arr.shape)
            max_diff[oname] = float(np.max(np.abs(t.astype(np.float64) - arr.astype(np.float64))))

        dyn_check = None
        if any(i["dynamic_axes"] for i in inputs):
            # Run once more at batch 2 / seq 5 to show the dynamic axes really are dynamic.
            rng = np.random.default_rng(12345)
            alt = {}
            for inp in inputs:
                shape = list(feeds[inp["name"]].shape)
                for ax, pname in inp["dynamic_axes"].items():
                    shape[int(ax)] = {"batch": 2, "seq": 5}.get(pname, shape[int(ax)])
                alt[inp["name"]] = rng.standard_normal(shape).astype(feeds[inp["name"]].dtype)
            r2 = sess.run(meta["outputs"], alt)
            dyn_check = {"inputs": {k: list(v.shape) for k, v in alt.items()},
                         "outputs": [list(r.shape) for r in r2],
                         "finite": bool(all(np.isfinite(r).all() for r in r2))}

        ops = op_types(model)
        entry = {
            "name": name,
            "description": meta["description"],
            "file": meta["file"],
            "file_bytes": os.path.getsize(path),
            "sha256": sha256(path),
            "opset": opset,
            "ir_version": model.ir_version,
            "producer": dict(meta["producer"], producer_name=model.producer_name,
                             producer_version=model.producer_version),
            "inputs": inputs,
            "outputs": outputs,
            "reference": {"tool": "onnxruntime %s (CPUExecutionProvider, 1 thread, "
                                  "ORT_DISABLE_ALL)" % ort.__version__,
                          "onnx": onnx.__version__, "numpy": np.__version__},
            "max_abs_torch_minus_onnxruntime": max_diff,
            "op_types": sorted(ops),
            "op_counts": ops,
            "num_nodes": sum(ops.values()),
            "num_initializers": len(model.graph.initializer),
            "num_parameters": int(sum(np.prod(t.dims) for t in model.graph.initializer)),
        }
        if dyn_check:
            entry["dynamic_shape_check"] = dyn_check
        for k in ("notes",):
            if k in meta:
                entry[k] = meta[k]
        entries[name] = entry
        print("%-34s %9d B  ops=%2d nodes=%4d  max|torch-ort|=%s"
              % (name, entry["file_bytes"], len(ops), entry["num_nodes"],
                 ", ".join("%s %.3g" % kv for kv in max_diff.items())))

    all_ops = sorted({op for e in entries.values() for op in e["op_types"]})
    manifest = {
        "about": "ONNX model fixtures for the aegis importer; regenerate with "
                 "examples/models/regenerate.sh (see README.md)",
        "all_op_types": all_ops,
        "models": [entries[k] for k in sorted(entries)],
    }
    with open(manifest_path, "w") as f:
        json.dump(manifest, f, indent=2, sort_keys=False)
        f.write("\n")
    total = sum(os.path.getsize(p) for p in glob.glob(os.path.join(fc.HERE, "*"))
                if os.path.isfile(p))
    print("union of op types:", " ".join(all_ops))
    print("total size of examples/models: %.1f MB" % (total / 1e6))


if __name__ == "__main__":
    main()
