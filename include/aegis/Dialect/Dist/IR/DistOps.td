//===- DistOps.td - the dist dialect: placement and collectives -*- tablegen -*-===//
//
// Ciphertexts placed on a device grid and the collectives that move them.
// The grid is upstream's `shard.grid`; the placement of a ciphertext and the
// collectives are aegis's own, because a ciphertext is split along its RNS
// limbs (not a tensor axis) as well as owned along a model axis.
//
//===----------------------------------------------------------------------===//

#ifndef AEGIS_DIALECT_DIST_IR_DISTOPS_TD
#define AEGIS_DIALECT_DIST_IR_DISTOPS_TD

include "mlir/IR/OpBase.td"
include "mlir/IR/AttrTypeBase.td"
include "mlir/IR/SymbolInterfaces.td"
include "mlir/Interfaces/SideEffectInterfaces.td"

def Dist_Dialect : Dialect {
  let name = "dist";
  let cppNamespace = "::mlir::aegis::dist";
  let summary = "Ciphertexts on a device grid: placements and asynchronous "
                "collectives";
  let description = [{
    The `dist` dialect is the distribution level of aegis. A module compiled
    for several devices holds a device grid, upstream's
    `shard.grid @devices(shape = GxB)`: axis 0 (G groups) is the *model*
    axis, along which ciphertexts are owned whole (a token tile or a head
    per group), axis 1 (B devices per group) is the *limb* axis, along which
    every ciphertext of a group is split into balanced ranges of its RNS
    limbs. `1xP` is pure limb partitioning, `Px1` pure token (or head)
    ownership, `2x2` both at once.

    Every ckks op and function argument carries a placement
    (`dist.placement = #dist.placement<group = g>`: the op runs on group g,
    limb-split over the group's B devices; `group = -1`: on every group).
    Collectives are explicit, asynchronous pairs: a `*_start` op takes the
    ciphertext and returns a `!dist.request`, `dist.wait` completes it and
    yields the ciphertext where its consumer needs it. Each start op records
    why it exists (`source`: `keyswitch`, `rescale`, `model`, `bootstrap`,
    `io`) and the bytes every device of the grid sends (`sent`, row-major
    over the grid), which is what the placement report sums.

    Why not upstream `shard` alone: `shard.shard` and its collectives split
    tensor axes; the limb axis of a ciphertext is not an axis of any tensor
    type, and a key switch's all-gather of one polynomial's limbs, a
    rescale's top-limb broadcast or a limb repartition have no tensor-level
    meaning. The grid is shared with `shard`, so a later tensor-level
    placement can use upstream's sharding propagation on the same grid.

    ```mlir
    shard.grid @devices(shape = 1x2)
    func.func @main(%x: !ct {dist.placement = #dist.placement<group = 0>}) -> !ct {
      %r = dist.all_gather_start %x on @devices {source = "keyswitch", polys = 1, sent = array<i64: 16384, 16384>} : !ct
      %g = dist.wait %r : !ct
      %y = ckks.rotate %g by 1 {dist.placement = #dist.placement<group = 0>} : !ct -> !ct
      return %y : !ct
    }
    ```
  }];
  let dependentDialects = ["::mlir::shard::ShardDialect"];
  let useDefaultTypePrinterParser = 1;
  let useDefaultAttributePrinterParser = 1;
  let extraClassDeclaration = [{
    /// Op / argument attribute holding a #dist.placement.
    static constexpr ::llvm::StringLiteral kPlacementAttrName =
        "dist.placement";
    /// Module attributes written by aegis-dist-place.
    static constexpr ::llvm::StringLiteral kStrategyAttrName = "dist.strategy";
    static constexpr ::llvm::StringLiteral kGridAttrName = "dist.grid";
    /// Module attribute: rotations of one ciphertext on one group share one
    /// all-gather (co-scheduled as one hoisted rotation).
    static constexpr ::llvm::StringLiteral kHoistAttrName =
        "dist.hoist_rotations";
    /// On the first rotation of a hoisted run: the run's length.
    static constexpr ::llvm::StringLiteral kHoistedAttrName = "dist.hoisted";
    /// On a ckks.rotate_sum of a limb-split group: "aggregate" (output
    /// aggregation: one reduction for every term) or "broadcast" (input
    /// broadcast: one all-gather per term), chosen by aegis-dist-place.
    static constexpr ::llvm::StringLiteral kKeySwitchAttrName =
        "dist.keyswitch";

  }];
}

def Dist_PlacementAttr : AttrDef<Dist_Dialect, "Placement"> {
  let mnemonic = "placement";
  let summary = "Where a ciphertext lives on the device grid";
  let description = [{
    `group`: the index along the grid's model axis whose devices hold the
    ciphertext, split over them by balanced RNS-limb ranges (one device per
    group: whole); -1: every group holds it.
  }];
  let parameters = (ins "int64_t":$group);
  let assemblyFormat = "`<` struct(params) `>`";
}

def Dist_RequestType : TypeDef<Dist_Dialect, "Request"> {
  let mnemonic = "request";
  let summary = "An outstanding collective";
  let description = [{
    Returned by a `dist.*_start` op; `dist.wait` completes it. Compute may
    run between the two: that is where communication overlaps it.
  }];
}

class Dist_Op<string mnemonic, list<Trait> traits = []>
    : Op<Dist_Dialect, mnemonic, traits>;

def Dist_Ct : Type<CPred<"::llvm::isa<::mlir::aegis::ckks::CiphertextType>($_self)">,
                   "ckks ciphertext", "::mlir::aegis::ckks::CiphertextType">;

class Dist_StartOp<string mnemonic, string what>
    : Dist_Op<mnemonic # "_start",
              [DeclareOpInterfaceMethods<SymbolUserOpInterface>]> {
  let summary = "Starts " # what;
  let arguments = (ins
    Dist_Ct:$input,
    FlatSymbolRefAttr:$grid,
    StrAttr:$source,
    DefaultValuedAttr<I64Attr, "2">:$polys,
    DenseI64ArrayAttr:$sent,
    OptionalAttr<I64Attr>:$from,
    OptionalAttr<I64Attr>:$to
  );
  let results = (outs Dist_RequestType:$request);
  let assemblyFormat = [{
    $input `on` $grid attr-dict `:` qualified(type($input))
  }];
  let hasVerifier = 1;
}

def Dist_AllGatherStartOp : Dist_StartOp<"all_gather",
    "an all-gather of a ciphertext's limbs over its group"> {
  let description = [{
    Every device of the input's group receives the limbs of the first
    `polys` polynomials it does not hold: before an input-broadcast key
    switch (`polys = 1`: the polynomial being switched) or a bootstrap
    (`polys = 2`: the whole ciphertext).
  }];
}

def Dist_BroadcastStartOp : Dist_StartOp<"broadcast",
    "a broadcast of a ciphertext's top limb over its group"> {
  let description = [{
    The device holding the top limb sends it (all `polys` polynomials) to
    the others of the group: every rescale needs it. With `source = "io"`,
    the 32-byte header with which the client announces an input.
  }];
}

def Dist_AllToAllStartOp : Dist_StartOp<"all_to_all",
    "a limb repartition of a ciphertext within its group"> {
  let description = [{
    Limbs move to their owners under the balanced partition of the
    ciphertext's level (after a rescale or a level drop removed limbs), or
    from the client to the devices (`source = "io"`, inputs) and back
    (outputs).
  }];
}

def Dist_TransferStartOp : Dist_StartOp<"transfer",
    "moving a ciphertext from one group to another"> {
  let description = [{
    Group `from`'s devices send their limb shares of the ciphertext to the
    devices of group `to` holding the same limb ranges (a token tile's K or
    V needed by another tile's attention, a residual used by another
    group). The model's own communication: `source = "model"`.
  }];
}

def Dist_WaitOp : Dist_Op<"wait"> {
  let summary = "Completes a collective and yields the ciphertext";
  let arguments = (ins Dist_RequestType:$request);
  let results = (outs Dist_Ct:$output);
  let assemblyFormat = "$request attr-dict `:` qualified(type($output))";
  let hasVerifier = 1;
}

#endif // AEGIS_DIALECT_DIST_IR_DISTOPS_TD
