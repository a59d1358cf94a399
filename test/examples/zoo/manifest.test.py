"""Checks that the zoo manifest and the zoo tests name the same models."""
import json
import os
import sys

manifest, tests = sys.argv[1], sys.argv[2]
with open(manifest) as f:
    entries = json.load(f)["models"]
models = {e["name"] for e in entries}
files = {n[:-5] for n in os.listdir(tests) if n.endswith(".test") and n != "manifest.test"}
if models - files:
    sys.exit("zoo models without a test: " + " ".join(sorted(models - files)))
if files - models:
    sys.exit("zoo tests without a model: " + " ".join(sorted(files - models)))
for name in sorted(models):
    for ext in (".onnx", ".ref.npy"):
        if not os.path.exists(os.path.join(os.path.dirname(manifest), name + ext)):
            sys.exit("zoo model %s: %s%s missing" % (name, name, ext))
for e in entries:
    ext = e.get("external_data")
    if ext and not os.path.exists(os.path.join(os.path.dirname(manifest), ext["file"])):
        sys.exit("zoo model %s: external data %s missing" % (e["name"], ext["file"]))
print("zoo: %d models, each with a test" % len(models))
