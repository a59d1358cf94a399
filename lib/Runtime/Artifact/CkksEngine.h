//===- CkksEngine.h - the single-device dispatch engine --------*- C++ -*-===//
//
// Part of the runtime: no MLIR or LLVM; private to lib/Runtime/Artifact.
// Registers as whole ciphertexts on one device, evaluated by the
// ckks::Evaluator: the engine of one-device runs and, under a placed
// artifact, of every device of a token or head placement (PlacedRun.cpp).
//
//===----------------------------------------------------------------------===//

#ifndef AEGIS_LIB_RUNTIME_ARTIFACT_CKKSENGINE_H
#define AEGIS_LIB_RUNTIME_ARTIFACT_CKKSENGINE_H

#include "Dispatch.h"
#include "PlaintextCache.h"

#include "aegis/Runtime/Artifact/Session.h"
#include "aegis/Runtime/CKKS/Evaluator.h"
#include "aegis/Runtime/Support/Error.h"

#include <cmath>

namespace aegis {
namespace detail {

using namespace ckks;

/// Registers as ciphertexts on one device.
class CkksEngine {
public:
  using Value = Ciphertext;

  CkksEngine(const Artifact &artifact, const ContextPtr &context,
             const EvaluationKeys &keys)
      : keys_(keys), evaluator_(context), plaintexts_(artifact, context),
        rules_{artifact, *context} {}

  Value add(const Value &a, const Value &b) { return evaluator_.add(a, b); }
  Value sub(const Value &a, const Value &b) { return evaluator_.sub(a, b); }
  Value negate(const Value &a) { return evaluator_.negate(a); }
  Value addPlain(const Value &a, const ArtifactConstant &c) {
    return evaluator_.addPlain(a, encode(c, a, a.scale()));
  }
  Value subPlain(const Value &a, const ArtifactConstant &c) {
    return evaluator_.subPlain(a, encode(c, a, a.scale()));
  }
  Value mulPlain(const Value &a, const ArtifactConstant &c, double logScale) {
    return evaluator_.multiplyPlain(
        a, encode(c, a, rules_.constantScale(a.level(), logScale)));
  }
  Value addConst(const Value &a, double value) {
    return evaluator_.addConstant(a, value);
  }
  Value mulConst(const Value &a, double value, double logScale) {
    if (logScale == 0) {
      Ciphertext c = a;
      evaluator_.multiplyIntegerInPlace(c, int64_t(std::llround(value)));
      return c;
    }
    return evaluator_.multiplyConstant(
        a, value, rules_.constantScale(a.level(), logScale));
  }
  Value mul(const Value &a, const Value &b) {
    return evaluator_.multiply(a, b);
  }
  Value relinearize(const Value &a) {
    require(keys_.relin.has_value(),
            "relinearize needs a relinearization key");
    return evaluator_.relinearize(a, *keys_.relin);
  }
  Value rescale(const Value &a, size_t k) {
    Ciphertext c = evaluator_.rescale(a);
    c.setScale(rules_.afterRescale(c.scale(), k));
    return c;
  }
  Value levelDown(const Value &a, unsigned level) {
    return evaluator_.dropToLevel(a, level);
  }
  Value rotate(const Value &a, long steps) {
    return evaluator_.rotate(a, steps, keys_.galois);
  }
  Value conjugate(const Value &a) {
    return evaluator_.conjugate(a, keys_.galois);
  }
  /// One ModDown for the whole sum (the algorithm is a limb-split choice).
  Value rotateSum(const std::vector<const Value *> &inputs,
                  const std::vector<long> &steps, bool) {
    return evaluator_.rotateAndSum(inputs, steps, keys_.galois);
  }
  /// The constant +-i at scale 1 is the monomial +-X^(N/2): exact.
  Value mulI(const Value &a, bool negative) {
    return evaluator_.multiplyConstant(a, {0.0, negative ? -1.0 : 1.0}, 1.0);
  }
  std::vector<Value> rotateHoisted(const Value &a,
                                   const std::vector<long> &steps) {
    return evaluator_.rotateHoisted(a, steps, keys_.galois);
  }
  Value bootstrap(const Value &a, unsigned headroom, bool complex) {
    if (!keys_.bootstrapper)
      fail("the program bootstraps but no bootstrapping keys were generated");
    return bootstrapWithHeadroom(*keys_.bootstrapper, a, headroom, complex);
  }
  void stored(const Value *, const Value *) {}

private:
  const Plaintext &encode(const ArtifactConstant &c, const Value &a,
                          double scale) {
    return plaintexts_.encode(c, a.level(), scale, a.slots());
  }

  const EvaluationKeys &keys_;
  Evaluator evaluator_;
  detail::PlaintextCache plaintexts_;
  detail::ScaleRules rules_;
};

} // namespace detail
} // namespace aegis

#endif // AEGIS_LIB_RUNTIME_ARTIFACT_CKKSENGINE_H
