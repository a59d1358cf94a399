//===- BootstrapSerialization.cpp - bootstrapping keys on disk ------------===//

#include "aegis/Runtime/Bootstrap/BootstrapSerialization.h"

#include "aegis/Runtime/CKKS/SerializationIO.h"

namespace aegis {
namespace ckks {

namespace {
using namespace serialization;

void writeLevelKey(Writer &w, const Context &ctx, const LevelKey &key) {
  w.put<uint8_t>(key.empty() ? 0 : 1);
  if (key.empty())
    return;
  w.put<uint32_t>(key.maxLevel());
  w.put<uint64_t>(key.galoisElement());
  w.put<uint32_t>(key.numDigits());
  for (unsigned j = 0; j < key.numDigits(); ++j) {
    w.putPoly(ctx, key.b(j).data(), key.b(j).numLimbs());
    w.putPoly(ctx, key.a(j).data(), key.a(j).numLimbs());
  }
}

LevelKey readLevelKey(Reader &r, const ContextPtr &context) {
  const Context &ctx = *context;
  if (r.get<uint8_t>("key presence") == 0)
    return LevelKey();
  uint32_t maxLevel = r.get<uint32_t>("key level");
  require(maxLevel <= ctx.maxLevel(), r.kind(), " has a key up to level ",
          maxLevel, " beyond the chain's top level ", ctx.maxLevel());
  uint64_t g = r.get<uint64_t>("Galois element");
  require(g == 0 || (g % 2 == 1 && g > 1 && g < 2 * ctx.degree()), r.kind(),
          " has Galois element ", g, ": expected 0 or an odd number in (1, 2N)");
  uint32_t digits = r.get<uint32_t>("digit count");
  require(digits == ctx.numDigits(maxLevel), r.kind(), " has ", digits,
          " digits at level ", maxLevel, ": the parameters give ",
          ctx.numDigits(maxLevel));
  std::vector<RnsPoly> bs, as;
  for (uint32_t j = 0; j < digits; ++j) {
    bs.push_back(r.getPoly(ctx, ctx.extendedIndices(maxLevel), "key polynomial"));
    as.push_back(r.getPoly(ctx, ctx.extendedIndices(maxLevel), "key polynomial"));
  }
  return LevelKey(context, maxLevel, g, std::move(bs), std::move(as));
}
} // namespace

Bytes serialize(const BootstrapKeys &keys, const Context &context) {
  Writer w(ObjectKind::BootstrapKeys, context.params());
  w.put<uint64_t>(keys.galois.size());
  for (const auto &[g, key] : keys.galois)
    writeLevelKey(w, context, key);
  writeLevelKey(w, context, keys.relin);
  writeLevelKey(w, context, keys.sparseToDense);
  const EncapsulationKey &e = keys.denseToSparse;
  w.put<uint8_t>(e.empty() ? 0 : 1);
  if (!e.empty()) {
    w.putPoly(context, e.b().data(), e.b().numLimbs());
    w.putPoly(context, e.a().data(), e.a().numLimbs());
  }
  return w.finish();
}

BootstrapKeys deserializeBootstrapKeys(const Bytes &bytes,
                                       const ContextPtr &context) {
  require(context != nullptr, "loading bootstrapping keys needs a context");
  Reader r(bytes, ObjectKind::BootstrapKeys);
  r.checkParameters(context->params());
  BootstrapKeys keys;
  uint64_t n = r.get<uint64_t>("Galois key count");
  require(n <= 4 * context->degree(), r.kind(), " lists ", n,
          " Galois keys: corrupt");
  for (uint64_t i = 0; i < n; ++i) {
    LevelKey key = readLevelKey(r, context);
    require(!key.empty() && key.galoisElement() != 0, r.kind(),
            " has an empty or non-Galois entry in its Galois keys");
    uint64_t g = key.galoisElement();
    require(!keys.galois.count(g), r.kind(), " repeats Galois element ", g);
    keys.galois.emplace(g, std::move(key));
  }
  keys.relin = readLevelKey(r, context);
  keys.sparseToDense = readLevelKey(r, context);
  if (r.get<uint8_t>("encapsulation key presence") != 0) {
    uint32_t special = context->specialIndex(0);
    uint32_t moduli[2] = {0, special};
    RnsPoly b = r.getPoly(*context, ModuliSpan(moduli, 2), "encapsulation key");
    RnsPoly a = r.getPoly(*context, ModuliSpan(moduli, 2), "encapsulation key");
    keys.denseToSparse = EncapsulationKey(context, std::move(b), std::move(a));
  }
  r.finish();
  return keys;
}

} // namespace ckks
} // namespace aegis
