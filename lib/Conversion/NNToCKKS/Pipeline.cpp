//===- Pipeline.cpp - the aegis-compile pipeline --------------------------===//

#include "aegis/Conversion/NNToCKKS/Passes.h"

#include "aegis/Dialect/CKKS/Transforms/Passes.h"
#include "aegis/Dialect/NN/Transforms/Passes.h"
#include "aegis/Transforms/Passes.h"

#include "mlir/Pass/PassManager.h"
#include "mlir/Pass/PassOptions.h"
#include "mlir/Pass/PassRegistry.h"
#include "mlir/Transforms/Passes.h"

using namespace mlir;

namespace {

struct CompileOptions : public PassPipelineOptions<CompileOptions> {
  Option<std::string> security{
      *this, "security",
      llvm::cl::desc("128 (default, HE Standard bound enforced) or toy "
                     "(insecure test parameters, marked in the artifact)"),
      llvm::cl::init("128")};
  Option<unsigned> devices{
      *this, "devices",
      llvm::cl::desc("Devices to compile for (1; more: aegis-dist-place and "
                     "aegis-dist-insert-collectives run)"),
      llvm::cl::init(1)};
  Option<unsigned> rotationReuseWindow{
      *this, "rotation-reuse-window",
      llvm::cl::desc("Rotation-key budget: reuse a rotated value only this "
                     "many ops later at most (default 4096; 0: anywhere; "
                     "see aegis-ckks-rotation-key-budget reuse-window)"),
      llvm::cl::init(4096)};
  Option<std::string> placement{
      *this, "placement",
      llvm::cl::desc("With devices > 1: limb (default; the placement "
                     "aegis-run executes), token, head, joint, auto or "
                     "compare (see aegis-dist-place)"),
      llvm::cl::init("limb")};
  Option<std::string> keySwitch{
      *this, "keyswitch",
      llvm::cl::desc("With devices > 1: key switching of the sums of "
                     "rotations on limb-split devices: auto (default), "
                     "broadcast or aggregate (see aegis-dist-place)"),
      llvm::cl::init("auto")};
  Option<std::string> link{
      *this, "link",
      llvm::cl::desc("Link model of the placement report: nvlink or pcie"),
      llvm::cl::init("nvlink")};
  Option<double> capacityGiB{
      *this, "capacity-gib",
      llvm::cl::desc("Memory per device a placement must fit (GiB)"),
      llvm::cl::init(80)};
  Option<std::string> reportJson{
      *this, "report-json",
      llvm::cl::desc("Write the placement report (devices > 1) as JSON"),
      llvm::cl::init("")};
  ListOption<std::string> calibration{
      *this, "calibration",
      llvm::cl::desc("Calibration .npy inputs, one per model input (default: "
                     "standard-normal samples, see samples)")};
  Option<std::string> splitAfter{
      *this, "split-after",
      llvm::cl::desc("ONNX node name of the last op run in plaintext on the "
                     "client (models with token-id inputs; default: the "
                     "embedding lookups and the cheap ops combining them)"),
      llvm::cl::init("")};
  Option<int64_t> samples{
      *this, "samples",
      llvm::cl::desc("Random calibration samples (0, the default: up to 16, "
                     "as many as cover 2048 token rows, at least 2)"),
      llvm::cl::init(0)};
  Option<std::string> output{
      *this, "output",
      llvm::cl::desc("Artifact path (aegis-opt's -o when omitted)"),
      llvm::cl::init("")};
  Option<unsigned> scaleBits{*this, "scale-bits",
                             llvm::cl::desc("log2 of the nominal scale (0: "
                                            "default)"),
                             llvm::cl::init(0)};
  Option<unsigned> logN{*this, "log-n",
                        llvm::cl::desc("log2 ring degree (0: smallest)"),
                        llvm::cl::init(0)};
  Option<std::string> bootstrap{
      *this, "bootstrap",
      llvm::cl::desc("auto (default: at 128-bit when the depth does not fit "
                     "N = 2^16), true or false (see aegis-nn-to-ckks)"),
      llvm::cl::init("auto")};
  Option<unsigned> bootstrapLevels{
      *this, "bootstrap-levels",
      llvm::cl::desc("Levels between bootstraps (0: default)"),
      llvm::cl::init(0)};
  Option<unsigned> bootstrapTransformLevels{
      *this, "bootstrap-transform-levels",
      llvm::cl::desc("Levels of each bootstrap transform: 3 (default) or 2 "
                     "(two more levels between bootstraps; see "
                     "aegis-nn-to-ckks)"),
      llvm::cl::init(3)};
  Option<std::string> bootstrapPlacement{
      *this, "bootstrap-placement",
      llvm::cl::desc("mincut (default: whole-program placement) or greedy "
                     "(refresh on demand; see aegis-nn-to-ckks)"),
      llvm::cl::init("mincut")};
  Option<bool> packBootstraps{
      *this, "pack-bootstraps",
      llvm::cl::desc("Refresh two independent ciphertexts with one complex "
                     "bootstrap where the program allows "
                     "(aegis-ckks-pack-bootstraps; default true)"),
      llvm::cl::init(true)};
  Option<unsigned> packMaxDistance{
      *this, "pack-max-distance",
      llvm::cl::desc("Most ops between two bootstraps packed into one "
                     "(aegis-ckks-pack-bootstraps max-distance; default "
                     "1000)"),
      llvm::cl::init(1000)};
  Option<bool> foldRotateSum{
      *this, "fold-rotate-sum",
      llvm::cl::desc("Sums of rotations as one rotate_sum with one ModDown "
                     "(aegis-ckks-fold-rotate-sum; default true)"),
      llvm::cl::init(true)};
  Option<bool> hoistRotations{
      *this, "hoist-rotations",
      llvm::cl::desc("On one device, runs of rotations of one ciphertext "
                     "share one ModUp (aegis-ckks-hoist-rotations; default "
                     "true)"),
      llvm::cl::init(true)};
  Option<bool> sparseSlots{
      *this, "sparse-slots",
      llvm::cl::desc("With bootstrapping, pack into the fewest slots that "
                     "hold the tensors (sparse bootstraps; default true)"),
      llvm::cl::init(true)};
  Option<unsigned> tokenTile{
      *this, "token-tile",
      llvm::cl::desc("Tokens per ciphertext tile (power of two; 0: automatic, "
                     "see aegis-nn-to-ckks)"),
      llvm::cl::init(0)};
  Option<bool> materialize{
      *this, "materialize-constants",
      llvm::cl::desc("false: compile report only, no artifact (for models "
                     "whose encoded weights do not fit in memory)"),
      llvm::cl::init(true)};
  Option<unsigned> maxRotationKeys{
      *this, "max-rotation-keys",
      llvm::cl::desc("Most rotation keys; other rotations become "
                     "compositions of these (48; 0: one key per offset)"),
      llvm::cl::init(48)};
  Option<double> maxRotationKeyMiB{
      *this, "max-rotation-key-mib",
      llvm::cl::desc("Most MiB of rotation keys (0: no limit)"),
      llvm::cl::init(0)};
  Option<bool> report{*this, "report",
                      llvm::cl::desc("Print the compile report (default on)"),
                      llvm::cl::init(true)};
};

std::string &defaultOutput() {
  static std::string path;
  return path;
}

} // namespace

namespace mlir::aegis {

void setCompileOutput(const std::string &path) { defaultOutput() = path; }

void registerCompilePipeline() {
  PassPipelineRegistration<CompileOptions>(
      "aegis-compile",
      "ONNX-imported nn program to an aegis-run artifact: fuse, split off "
      "the client prefix of token-id models, calibrate, lower to ckks, fit "
      "the rotation keys to a budget, emit; the stages: aegis-nn-fuse, "
      "aegis-nn-split-client, aegis-nn-calibrate, aegis-nn-select-parameters, "
      "aegis-nn-approximate, aegis-nn-place-bootstraps, aegis-nn-to-ckks, "
      "aegis-ckks-pack-bootstraps, aegis-ckks-report, "
      "aegis-ckks-rotation-key-budget, aegis-ckks-fold-rotate-sum, "
      "aegis-ckks-hoist-rotations (one device), aegis-dist-place, "
      "aegis-dist-insert-collectives, aegis-ckks-emit-artifact "
      "(options: security=128|toy devices=N placement=P report-json=F "
      "calibration=X.npy samples=N "
      "split-after=NODE output=F scale-bits=B log-n=L max-rotation-keys=K "
      "max-rotation-key-mib=M report=B)",
      [](OpPassManager &pm, const CompileOptions &o) {
        pm.addPass(nn::createFuse());
        pm.addPass(createCanonicalizerPass());
        nn::SplitClientOptions split;
        split.splitAfter = o.splitAfter;
        pm.addPass(nn::createSplitClient(split));
        nn::CalibrateOptions cal;
        if (!o.calibration.empty()) {
          cal.inputs.assign(o.calibration.begin(), o.calibration.end());
        } else {
          cal.randomSeed = 12345;
          // Default: a budget of token rows, so that calibration does not
          // grow with tokens x samples (2 samples at 2048 tokens).
          cal.samples = o.samples != 0 ? int64_t(o.samples) : 16;
          cal.tokenRows = o.samples != 0 ? 0 : 2048;
        }
        pm.addPass(nn::createCalibrate(cal));
        SelectParametersOptions select;
        select.security = o.security;
        select.scaleBits = o.scaleBits;
        select.logN = o.logN;
        select.bootstrap = o.bootstrap;
        select.bootstrapLevels = o.bootstrapLevels;
        select.sparseSlots = o.sparseSlots;
        select.bootstrapTransformLevels = o.bootstrapTransformLevels;
        select.tokenTile = o.tokenTile;
        pm.addPass(createSelectParameters(select));
        pm.addPass(createApproximate());
        PlaceBootstrapsOptions bootPlace;
        bootPlace.placement = o.bootstrapPlacement;
        pm.addPass(createPlaceBootstraps(bootPlace));
        LowerNNToCKKSOptions lower;
        lower.materialize = o.materialize;
        pm.addPass(createLowerNNToCKKS(lower));
        if (o.packBootstraps) {
          ckks::PackBootstrapsOptions pack;
          pack.maxDistance = o.packMaxDistance;
          pm.addPass(ckks::createPackBootstraps(pack));
        }
        if (o.report)
          pm.addPass(createCompileReport());
        ckks::RotationKeyBudgetOptions budget;
        budget.maxKeys = o.maxRotationKeys;
        budget.maxKeyMiB = o.maxRotationKeyMiB;
        budget.report = o.report;
        budget.reuseWindow = o.rotationReuseWindow;
        pm.addPass(ckks::createRotationKeyBudget(budget));
        if (o.foldRotateSum) {
          ckks::FoldRotateSumOptions fold;
          fold.report = o.report;
          pm.addPass(ckks::createFoldRotateSum(fold));
        }
        // Several devices: aegis-dist-insert-collectives forms its own runs
        // (one all-gather each).
        if (o.devices == 1 && o.hoistRotations) {
          ckks::HoistRotationsOptions hoist;
          hoist.report = o.report;
          pm.addPass(ckks::createHoistRotations(hoist));
        }
        if (o.devices > 1) {
          dist::PlaceOptions place;
          place.devices = o.devices;
          place.placement = o.placement;
          place.link = o.link;
          place.keySwitch = o.keySwitch;
          place.capacityGiB = o.capacityGiB;
          place.report = o.report;
          place.reportJson = o.reportJson;
          pm.addPass(dist::createPlace(place));
          // A report-only compile (no artifact) stops at the placement.
          if (o.materialize)
            pm.addPass(dist::createInsertCollectives());
        }
        if (!o.materialize)
          return;
        ckks::EmitArtifactOptions emit;
        emit.output = o.output.empty() ? defaultOutput() : std::string(o.output);
        emit.security = o.security;
        pm.addPass(ckks::createEmitArtifact(emit));
      });
}

} // namespace mlir::aegis
