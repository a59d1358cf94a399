#!/usr/bin/env python3
"""Compiles and runs every model of examples/models/zoo and prints the Markdown table of
docs/Importer.md: op counts, depth, bootstraps, key switches, errors on cleartext slots
and encrypted (toy parameters, CPU backend) against the onnxruntime references.

    python3 scripts/zoo-report.py [--build build] [--no-encrypted] [NAME ...]

Standard library only. Each model: aegis-opt --aegis-compile="security=toy bootstrap=true",
then aegis-run --backend=plain and aegis-run (encrypted). A failure is reported in the
table (and the exit status is 1), never skipped.
"""
import argparse
import json
import os
import re
import subprocess
import sys
import tempfile
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
ZOO = os.path.join(ROOT, "examples", "models", "zoo")


def run(cmd):
    t0 = time.time()
    p = subprocess.run(cmd, capture_output=True, text=True)
    return p.returncode, p.stdout + p.stderr, time.time() - t0


def grab(pattern, text, default="?"):
    m = re.search(pattern, text)
    return m.group(1) if m else default


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--build", default=os.path.join(ROOT, "build"))
    ap.add_argument("--no-encrypted", action="store_true")
    ap.add_argument("names", nargs="*")
    args = ap.parse_args()
    opt = os.path.join(args.build, "bin", "aegis-opt")
    runner = os.path.join(args.build, "bin", "aegis-run")
    with open(os.path.join(ZOO, "manifest.json")) as f:
        models = json.load(f)["models"]
    if args.names:
        models = [m for m in models if m["name"] in args.names]
    print("| model | family | opset | ONNX nodes | model ops | levels | bootstraps | "
          "key switches | compile | error, cleartext slots | error, encrypted | encrypted run |")
    print("|---|---|---|---|---|---|---|---|---|---|---|---|")
    bad = 0
    with tempfile.TemporaryDirectory() as tmp:
        for m in models:
            name = m["name"]
            art = os.path.join(tmp, name + ".aegis")
            rc, rep, tc = run([opt, os.path.join(ZOO, m["file"]),
                               "--aegis-compile=security=toy bootstrap=true", "-o", art])
            row = [name, m["family"], str(m["opset"]["ai.onnx"]), str(m["onnx_nodes"])]
            if rc != 0:
                err = next((l for l in rep.splitlines() if "error" in l), rep.strip()[-200:])
                print("| " + " | ".join(row) + " | compile failed: %s |" % err.replace("|", "/"))
                bad += 1
                sys.stdout.flush()
                continue
            row += [grab(r"for (\d+) model ops", rep),
                    grab(r"longest path spends (\d+) levels", rep),
                    grab(r"bootstraps (\d+) \(", rep, "0"),
                    grab(r"key switches (\d+)", rep),
                    "%.1f s" % tc]
            ins = []
            for f in m["input_files"]:
                ins += ["--input", os.path.join(ZOO, f)]
            ref = ["--reference", os.path.join(ZOO, m["reference"])]
            rc, out, _ = run([runner, art] + ins + ref + ["--backend=plain"])
            plain = grab(r"max abs error ([0-9.e+-]+)", out, "failed")
            row.append(plain)
            ok = rc == 0 and plain != "failed" and float(plain) <= 1e-2
            if args.no_encrypted:
                row += ["-", "-"]
            else:
                rc2, out, te = run([runner, art] + ins + ref + ["--no-progress"])
                enc = grab(r"max abs error ([0-9.e+-]+)", out, "failed")
                row += [enc, "%.1f s" % te]
                ok = ok and rc2 == 0 and enc != "failed" and float(enc) <= 1e-2
            bad += not ok
            print("| " + " | ".join(row) + " |")
            sys.stdout.flush()
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
