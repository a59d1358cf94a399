"""Helpers shared by the fixture generators (no torch/onnx imports here).

Imported by gen_torch113.py (Debian /usr/bin/python3, torch 1.13) and gen_hf.py
(venv with PyPI torch 2.x + transformers), so it only uses numpy and the stdlib.
"""
import json
import os

HERE = os.path.dirname(os.path.abspath(__file__))
WORK = os.path.join(HERE, ".work")


def out_path(name, suffix):
    return os.path.join(HERE, name + suffix)


def save_npy(path, arr):
    import numpy as np
    arr = np.ascontiguousarray(arr)
    # Fixed .npy format version 1.0 so the bytes are identical across numpy versions.
    with open(path, "wb") as f:
        np.lib.format.write_array(f, arr, version=(1, 0), allow_pickle=False)


def write_meta(name, *, description, inputs, outputs, opset, producer, torch_outputs,
               dynamic_axes=None, extra=None):
    """Record what finalize.py needs: inputs {name: array}, outputs [names],
    torch_outputs {name: array} (saved under .work/)."""
    os.makedirs(WORK, exist_ok=True)
    in_files = {}
    single = len(inputs) == 1
    for iname, arr in inputs.items():
        fname = name + (".input.npy" if single else ".input.%s.npy" % iname)
        save_npy(os.path.join(HERE, fname), arr)
        in_files[iname] = fname
    t_files = {}
    for oname, arr in torch_outputs.items():
        fname = "%s.torch.%s.npy" % (name, oname)
        save_npy(os.path.join(WORK, fname), arr)
        t_files[oname] = fname
    meta = {
        "name": name,
        "description": description,
        "file": name + ".onnx",
        "input_files": in_files,
        "outputs": list(outputs),
        "opset": opset,
        "producer": producer,
        "torch_output_files": t_files,
        "dynamic_axes_requested": dynamic_axes or {},
    }
    if extra:
        meta.update(extra)
    with open(os.path.join(WORK, name + ".meta.json"), "w") as f:
        json.dump(meta, f, indent=2, sort_keys=True)
    print("wrote", name)
