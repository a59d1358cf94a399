//===- CKKSTypes.td - CKKS types and attributes ------------*- tablegen -*-===//

#ifndef AEGIS_DIALECT_CKKS_IR_CKKSTYPES_TD
#define AEGIS_DIALECT_CKKS_IR_CKKSTYPES_TD

include "aegis/Dialect/CKKS/IR/CKKSDialect.td"
include "mlir/IR/AttrTypeBase.td"

class CKKS_Type<string name, string typeMnemonic, list<Trait> traits = []>
    : TypeDef<CKKS_Dialect, name, traits> {
  let mnemonic = typeMnemonic;
}

def CKKS_CiphertextType : CKKS_Type<"Ciphertext", "ct"> {
  let summary = "An RNS-CKKS ciphertext";
  let description = [{
    A ciphertext of `size` polynomials (2 by default; 3 after `ckks.mul`
    until `ckks.relinearize`) at `level` (`level + 1` RNS limbs) with scale
    `2^logScale`, packing `slots` complex slots.

    ```mlir
    !ckks.ct<slots = 4096, level = 5, logScale = 40>
    !ckks.ct<slots = 4096, level = 5, logScale = 80, size = 3>
    ```
  }];
  let parameters = (ins
    "unsigned":$slots,
    "unsigned":$level,
    "unsigned":$logScale,
    DefaultValuedParameter<"unsigned", "2">:$size
  );
  let assemblyFormat = "`<` struct(params) `>`";
  let genVerifyDecl = 1;
  let builders = [
    TypeBuilder<(ins "unsigned":$slots, "unsigned":$level, "unsigned":$logScale), [{
      return $_get($_ctxt, slots, level, logScale, 2);
    }]>
  ];
  let skipDefaultBuilders = 0;
  let extraClassDeclaration = [{
    /// The same ciphertext type with some fields replaced.
    CiphertextType withLevel(unsigned newLevel) const {
      return get(getContext(), getSlots(), newLevel, getLogScale(), getSize());
    }
    CiphertextType withLogScale(unsigned newLogScale) const {
      return get(getContext(), getSlots(), getLevel(), newLogScale, getSize());
    }
    CiphertextType withSize(unsigned newSize) const {
      return get(getContext(), getSlots(), getLevel(), getLogScale(), newSize);
    }
  }];
}

def CKKS_PlaintextType : CKKS_Type<"Plaintext", "pt"> {
  let summary = "An encoded RNS-CKKS plaintext";
  let description = [{
    A plaintext polynomial at `level` with scale `2^logScale` packing `slots`
    complex slots, as produced by `ckks.encode`.

    ```mlir
    !ckks.pt<slots = 4096, level = 5, logScale = 40>
    ```
  }];
  let parameters = (ins
    "unsigned":$slots,
    "unsigned":$level,
    "unsigned":$logScale
  );
  let assemblyFormat = "`<` struct(params) `>`";
  let genVerifyDecl = 1;
}

class CKKS_Attr<string name, string attrMnemonic, list<Trait> traits = []>
    : AttrDef<CKKS_Dialect, name, traits> {
  let mnemonic = attrMnemonic;
}

def CKKS_ParamsAttr : CKKS_Attr<"Params", "params"> {
  let summary = "RNS-CKKS encryption parameters of a module";
  let description = [{
    The ring degree `N = 2^logN`, the bit sizes of the ciphertext primes
    `q_0 .. q_L` (`logQ`, with `q_0` first) and of the special primes
    `p_0 .. p_(a-1)` (`logP`) used by hybrid key switching with `dnum`
    digits. Attached to a module as `ckks.params`.

    ```mlir
    module attributes {ckks.params = #ckks.params<logN = 14, logQ = [60, 40, 40, 40], logP = [60, 60], dnum = 2>} {}
    ```
  }];
  let parameters = (ins
    "unsigned":$logN,
    ArrayRefParameter<"int64_t">:$logQ,
    ArrayRefParameter<"int64_t">:$logP,
    "unsigned":$dnum
  );
  let assemblyFormat = [{
    `<` `logN` `=` $logN `,` `logQ` `=` `[` $logQ `]` `,` `logP` `=` `[` $logP `]`
    `,` `dnum` `=` $dnum `>`
  }];
  let genVerifyDecl = 1;
  let extraClassDeclaration = [{
    /// The largest level a value may have (the index of the last Q prime).
    unsigned getMaxLevel() const { return getLogQ().size() - 1; }
    /// The largest slot count, N/2.
    unsigned getMaxSlots() const { return 1u << (getLogN() - 1); }
    /// log2(QP), the quantity bounded by the security standard.
    int64_t getLogQP() const;
  }];
}

#endif // AEGIS_DIALECT_CKKS_IR_CKKSTYPES_TD
