"""Checks that the bytes the compiler predicts for every device (aegis-dist-place
report-json) equal what aegis-run measured (--report), device by device."""
import json
import sys

compiled = json.load(open(sys.argv[1]))["placement"]
run = json.load(open(sys.argv[2]))
chosen = next(s for s in compiled["strategies"] if s["name"] == compiled["chosen"])
predicted = chosen["bytes_sent_by_device"]
measured = [r["total"]["bytes_sent"] for r in run["communication"]["ranks"]]
if predicted != measured:
    print(f"MISMATCH predicted {predicted} measured {measured}")
    sys.exit(1)
print(f"devices {len(measured)}: predicted = measured = {measured}")
