// Rotations of one ciphertext hoisted into one run (one ModUp,
// aegis-ckks-hoist-rotations) give the same bits as the rotations one by
// one, on one device and under aegis-run's fixed plan on 2 and 3 devices
// (where the run shares one all-gather too).
//
// RUN: rm -rf %t && mkdir -p %t
// RUN: %python -c "import struct; a=[0.5,-1.0,0.25,2.0,-0.75,1.5,0.125,-0.5]; y=[a[(j+1)%%8]+a[(j+2)%%8]*a[(j+5)%%8] for j in range(8)]; w=lambda p,v,s: open(p,'wb').write(b'\x93NUMPY\x01\x00'+struct.pack('<H',118)+(\"{'descr': '<f8', 'fortran_order': False, 'shape': %%s, }\" %% s).ljust(117).encode()+b'\n'+struct.pack('<%%dd' %% len(v),*v)); w('%t/x.npy',a,'(8,)'); w('%t/y.npy',y,'(8,)')"
// RUN: aegis-opt %s --aegis-ckks-emit-artifact="output=%t/plain.aegis security=toy" -o /dev/null 2>/dev/null
// RUN: aegis-opt %s --aegis-ckks-hoist-rotations="report=true" --aegis-ckks-emit-artifact="output=%t/hoisted.aegis security=toy" -o /dev/null 2>&1 | FileCheck %s --check-prefix=REPORT
// RUN: aegis-run %t/plain.aegis --input %t/x.npy --output %t/plain.npy > /dev/null
// RUN: aegis-run %t/hoisted.aegis --input %t/x.npy --output %t/hoisted.npy --reference %t/y.npy | FileCheck %s
// RUN: cmp %t/plain.npy %t/hoisted.npy
// RUN: aegis-run %t/hoisted.aegis --devices=2 --input %t/x.npy --output %t/hoisted2.npy --report %t/h2.json > /dev/null
// RUN: cmp %t/plain.npy %t/hoisted2.npy
// RUN: aegis-run %t/plain.aegis --devices=2 --input %t/x.npy --report %t/p2.json > /dev/null
// RUN: %python -c "import json,sys; print(*[json.load(open(f))['communication']['ranks'][0]['collectives']['all-gather']['count'] for f in sys.argv[1:]])" %t/p2.json %t/h2.json | FileCheck %s --check-prefix=GATHERS
// RUN: aegis-run %t/hoisted.aegis --devices=3 --input %t/x.npy --output %t/hoisted3.npy > /dev/null
// RUN: cmp %t/plain.npy %t/hoisted3.npy

// Three rotations and a relinearization: four all-gathers one by one, two
// with the run's shared one.
// GATHERS: 4 2
// REPORT: hoisted rotations: 3 rotations in 1 runs, one ModUp each (2 ModUps saved; aegis-ckks-hoist-rotations)
// CHECK: output 'y' [8]: max abs error {{[0-9]\.[0-9]+e-(0[4-9]|[1-9][0-9])}}

module attributes {ckks.nominal_scale = 40 : i32, ckks.params = #ckks.params<logN = 11, logQ = [50, 40, 40, 40, 40, 40], logP = [50, 50], dnum = 3>} {
  func.func @main(
      %a: !ckks.ct<slots = 8, level = 5, logScale = 40> {ckks.name = "x", ckks.shape = array<i64: 8>, ckks.slot_map = array<i32: 0, 1, 2, 3, 4, 5, 6, 7>})
      -> (!ckks.ct<slots = 8, level = 4, logScale = 40> {ckks.name = "y", ckks.shape = array<i64: 8>}) {
    %r1 = ckks.rotate %a by 1 : !ckks.ct<slots = 8, level = 5, logScale = 40> -> !ckks.ct<slots = 8, level = 5, logScale = 40>
    %r2 = ckks.rotate %a by 2 : !ckks.ct<slots = 8, level = 5, logScale = 40> -> !ckks.ct<slots = 8, level = 5, logScale = 40>
    %d1 = ckks.level_down %r1 : !ckks.ct<slots = 8, level = 5, logScale = 40> -> !ckks.ct<slots = 8, level = 4, logScale = 40>
    %r5 = ckks.rotate %a by 5 : !ckks.ct<slots = 8, level = 5, logScale = 40> -> !ckks.ct<slots = 8, level = 5, logScale = 40>
    %m = ckks.mul %r2, %r5 : (!ckks.ct<slots = 8, level = 5, logScale = 40>, !ckks.ct<slots = 8, level = 5, logScale = 40>) -> !ckks.ct<slots = 8, level = 5, logScale = 80, size = 3>
    %l = ckks.relinearize %m : !ckks.ct<slots = 8, level = 5, logScale = 80, size = 3> -> !ckks.ct<slots = 8, level = 5, logScale = 80>
    %s = ckks.rescale %l : !ckks.ct<slots = 8, level = 5, logScale = 80> -> !ckks.ct<slots = 8, level = 4, logScale = 40>
    %y = ckks.add %d1, %s : (!ckks.ct<slots = 8, level = 4, logScale = 40>, !ckks.ct<slots = 8, level = 4, logScale = 40>) -> !ckks.ct<slots = 8, level = 4, logScale = 40>
    return %y : !ckks.ct<slots = 8, level = 4, logScale = 40>
  }
}
