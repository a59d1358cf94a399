// RUN: aegis-opt %s --split-input-file --verify-diagnostics \
// RUN:   --aegis-ckks-rotation-key-budget="max-key-mib=1"

!ct = !ckks.ct<slots = 8, level = 1, logScale = 40>

// A byte budget needs the parameters that size a key.
// expected-error @+1 {{max-key-mib needs the module's ckks.params to size a key (use max-keys instead)}}
module {
  func.func @bytes(%x: !ct) -> !ct {
    %0 = ckks.rotate %x by 3 : !ct -> !ct
    return %0 : !ct
  }
}

// -----

// A budget smaller than one key. N = 2^14, 4 + 2 primes, dnum 2: a key is
// 2 x 2 x 6 x 16384 x 8 bytes = 3 MiB.
!ct = !ckks.ct<slots = 8192, level = 1, logScale = 40>
// expected-error @+1 {{max-key-mib=1 is smaller than one key (3 MiB)}}
module attributes {ckks.params = #ckks.params<logN = 14, logQ = [60, 40, 40, 40], logP = [60, 60], dnum = 2>} {
  func.func @small(%x: !ct) -> !ct {
    %0 = ckks.rotate %x by 3 : !ct -> !ct
    return %0 : !ct
  }
}

// -----

!a = !ckks.ct<slots = 8, level = 1, logScale = 40>
!b = !ckks.ct<slots = 16, level = 1, logScale = 40>

// expected-error @+1 {{rotation-key budget: the module rotates ciphertexts of 2 different slot counts; one is supported}}
module {
  func.func @mixed(%x: !a, %y: !b) -> (!a, !b) {
    %0 = ckks.rotate %x by 3 : !a -> !a
    %1 = ckks.rotate %y by 3 : !b -> !b
    return %0, %1 : !a, !b
  }
}
