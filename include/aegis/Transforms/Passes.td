//===- Passes.td - distribution passes ---------------------*- tablegen -*-===//
//
// Passes that span dialects: they read the ckks program and decide where its
// ciphertexts live on a device grid and what moves between devices.
//
//===----------------------------------------------------------------------===//

#ifndef AEGIS_TRANSFORMS_PASSES_TD
#define AEGIS_TRANSFORMS_PASSES_TD

include "mlir/Pass/PassBase.td"

def Place : Pass<"aegis-dist-place", "::mlir::ModuleOp"> {
  let summary = "Chooses a placement of every ciphertext on a device grid "
                "from a cost model";
  let description = [{
    Reads the module's ckks program (`func.func @main`, `ckks.params`) and,
    for `devices` devices, evaluates placement strategies with one cost
    model (lib/Transforms/DistPlan.cpp), then records the chosen one:

    * `limb` (grid `1xP`): every ciphertext split over all devices by
      balanced RNS-limb ranges; key switches gather the switched
      polynomial's limbs, rescales broadcast the top limb and repartition
      (exactly aegis-run's limb-partitioned execution, input-broadcast key
      switching);
    * `token` / `head` (grid `Px1`): every ciphertext whole on one device,
      input ciphertexts by token tile / by feature block (head); an op
      whose result only one device needs (down to the outputs) runs there,
      any other on the device holding most of its operands; a ciphertext
      needed by another device is transferred once per device;
    * `joint` (grid `GxB`, G and B > 1, the best factorisation): token
      groups, each limb-split over its B devices;
    * `auto`: the strategy of least modelled time whose memory per device
      fits `capacity-gib`; `compare`: the same choice, after printing the
      side-by-side table.

    Key switching on limb-split groups (`keyswitch`): a sum of rotations
    (`ckks.rotate_sum`) can be key-switched by *output aggregation*: every
    device computes the partial inner products of its own digits for all
    terms and one reduce-scatter + one all-reduce combine them, instead of
    one all-gather per term (*input broadcast*). It needs its terms split
    by whole digits: they move there first (an all-to-all of the limbs
    whose owner changes; none when the balanced ranges already are whole
    digits) and the result moves back. `keyswitch=auto` (default) evaluates
    the limb and joint strategies both ways, input broadcast everywhere,
    and each rotate_sum aggregated where that (moves included) sends fewer
    bytes than its all-gathers, and keeps the one of least modelled time,
    then fewest bytes; `broadcast` / `aggregate` force one. The choice is
    recorded as `dist.keyswitch = "aggregate"` on each aggregated
    rotate_sum (the reduction happens inside the op, on partial products
    that are not ciphertexts, so no start / wait pair stands for it; the
    moves are `dist.all_to_all_start` with `source = "keyswitch"`); the
    report lists the reduce-scatters and all-reduces among the collectives.

    Cost model, per device: bytes sent per collective (the formulas of
    docs/Distributed.md), split by kind, by source (key switching, rescale,
    bootstrap, model, client i/o) and by model part (ffn: linear layers and
    activations; attention: the attention kernel; other); memory high-water
    (live ciphertexts, encoded plaintexts, evaluation-key rows) and a
    modelled time: a list schedule of the program on every device with
    per-operation costs from a table measured by `bench/CkksBench.cpp`
    (docs/BENCHMARKS.md) and links from a latency/bandwidth preset
    (`link=nvlink|pcie`), collectives overlapping compute from the
    producer's end to the consumer's start.

    The pass adds `shard.grid @devices(shape = GxB)`, the module attributes
    `dist.strategy` and `dist.grid`, and `dist.placement =
    #dist.placement<group = g>` on every ckks op and ciphertext argument.
    `report` prints the table, `report-json=FILE` writes it as JSON
    (`"placement"`: `chosen`, `devices`, `single_device_memory_bytes`,
    `strategies`, see docs/Distributed.md).

    Before (`devices=2 placement=limb`):
    ```mlir
    func.func @main(%x: !ct) -> !ct {
      %0 = ckks.rotate %x by 1 : !ct -> !ct
      return %0 : !ct
    }
    ```
    After:
    ```mlir
    shard.grid @devices(shape = 1x2)
    func.func @main(%x: !ct {dist.placement = #dist.placement<group = 0>}) -> !ct {
      %0 = ckks.rotate %x by 1 {dist.placement = #dist.placement<group = 0>} : !ct -> !ct
      return %0 : !ct
    }
    ```
  }];
  let dependentDialects = ["::mlir::aegis::dist::DistDialect",
                           "::mlir::shard::ShardDialect"];
  let options = [
    Option<"devices", "devices", "unsigned", "1",
           "Devices of the grid (1: the pass does nothing)">,
    Option<"placement", "placement", "std::string", "\"auto\"",
           "limb, token, head, joint, auto or compare">,
    Option<"capacityGiB", "capacity-gib", "double", "80",
           "Memory per device the placement must fit (GiB)">,
    Option<"link", "link", "std::string", "\"nvlink\"",
           "Link model: nvlink or pcie">,
    Option<"hoistRotations", "hoist-rotations", "bool", "true",
           "Co-schedule the rotations of one ciphertext on one group as one "
           "hoisted rotation sharing one all-gather">,
    Option<"report", "report", "bool", "false",
           "Print the placement table to stderr">,
    Option<"reportJson", "report-json", "std::string", "\"\"",
           "Write the placement report as JSON to this file">,
    Option<"keySwitch", "keyswitch", "std::string", "\"auto\"",
           "Key switching of rotate_sums on limb-split groups: auto, "
           "broadcast (input broadcast) or aggregate (output aggregation)">
  ];
  let statistics = [
    Statistic<"numAggregated", "aggregated",
              "rotate_sums key-switched by output aggregation">,
    Statistic<"numCollectives", "collectives",
              "Collectives of the chosen placement">,
    Statistic<"numTransfers", "transfers",
              "Ciphertexts moved between groups (model communication)">,
    Statistic<"maxBytesSent", "max-bytes-sent",
              "Bytes the busiest device sends under the chosen placement">
  ];
}

def InsertCollectives : Pass<"aegis-dist-insert-collectives",
                             "::mlir::ModuleOp"> {
  let summary = "Inserts the collectives a placed ckks program needs";
  let description = [{
    After `aegis-dist-place`: wherever a ciphertext's placement differs from
    what its consumer needs, inserts an asynchronous collective pair, the
    `*_start` right after the producer (as early as the dependency allows)
    and the `dist.wait` right before the consumer (as late):

    * a key switch (`ckks.rotate`, `ckks.relinearize`, `ckks.conjugate`) on
      a limb-split ciphertext: `dist.all_gather_start` of the switched
      polynomial (input-broadcast key switching). With
      `dist.hoist_rotations` (aegis-dist-place's `hoist-rotations`, on by
      default) the rotations of one ciphertext on one group are
      co-scheduled: one gather before the first, the others moved right
      after it reading the same gathered value, the first marked
      `dist.hoisted = n` (the artifact runs them as one hoisted rotation:
      one all-gather, one ModUp);
    * a rescale: `dist.broadcast_start` of the top limb before it and, when
      the limbs' owners change at the lower level, `dist.all_to_all_start`
      after it (the same after a `ckks.level_down`);
    * a bootstrap: `dist.all_gather_start` of the whole ciphertext;
    * an operand owned by another group: `dist.transfer_start` (once per
      ciphertext and destination group; later uses share it);
    * inputs from and outputs to the client (device 0):
      `dist.broadcast_start` / `dist.all_to_all_start` with `source = "io"`.

    Each start op carries the bytes every device sends (`sent`); their sum
    per device is the placement report's figure, and for the limb, token
    and head placements what `aegis-run` measures when it runs the
    artifact on P devices (a transfer: a 32-byte header and the
    polynomials).

    Before (`1x2` grid, placed):
    ```mlir
    %0 = ckks.rotate %x by 1 {dist.placement = #dist.placement<group = 0>} : !ct -> !ct
    ```
    After:
    ```mlir
    %r = dist.all_gather_start %x on @devices {polys = 1 : i64, sent = array<i64: 49152, 32768>, source = "keyswitch"} : !ct
    %g = dist.wait %r : !ct
    %0 = ckks.rotate %g by 1 {dist.placement = #dist.placement<group = 0>} : !ct -> !ct
    ```
  }];
  let dependentDialects = ["::mlir::aegis::dist::DistDialect"];
  let statistics = [
    Statistic<"numHoisted", "hoisted-runs",
              "Runs of rotations of one ciphertext sharing one all-gather">,
    Statistic<"numStarts", "collectives", "Collective pairs inserted">,
    Statistic<"bytesSent", "bytes-sent", "Bytes sent, all devices together">
  ];
}

#endif // AEGIS_TRANSFORMS_PASSES_TD
