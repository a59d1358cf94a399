"""Prints a ckks program with two independent bootstraps N + 1 ops apart:
the first result is negated N times in a chain, then %b is bootstrapped."""
import sys

n = int(sys.argv[1])
lo = "!ckks.ct<slots = 8, level = 1, logScale = 40>"
hi = "!ckks.ct<slots = 8, level = 9, logScale = 40>"
print("module attributes {ckks.params = #ckks.params<logN = 13, logQ = "
      "[60, 40, 40, 40, 40, 40, 40, 40, 40, 40], logP = [60, 60], dnum = 5>} {")
print(f"func.func @far(%a: {lo}, %b: {lo}) -> ({hi}, {hi}) {{")
print(f"  %r0 = ckks.bootstrap %a : {lo} -> {hi}")
for i in range(1, n + 1):
    print(f"  %r{i} = ckks.negate %r{i - 1} : {hi} -> {hi}")
print(f"  %rb = ckks.bootstrap %b : {lo} -> {hi}")
print(f"  return %r{n}, %rb : {hi}, {hi}")
print("}")
print("}")
