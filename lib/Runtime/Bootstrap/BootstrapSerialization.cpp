//===- BootstrapSerialization.cpp - bootstrapping keys on disk ------------===//

#include "aegis/Runtime/Bootstrap/BootstrapSerialization.h"

#include "aegis/Runtime/CKKS/SerializationIO.h"

namespace aegis {
namespace ckks {

namespace {
using namespace serialization;

// A bootstrapping key record: a presence byte, then the runtime's compact
// key-switching key record (seed instead of the uniform halves).
void writeOptionalKey(Writer &w, const Context &ctx, const KeySwitchKey &key) {
  w.put<uint8_t>(key.empty() ? 0 : 1);
  if (!key.empty())
    writeKeySwitchKey(w, ctx, key);
}

KeySwitchKey readOptionalKey(Reader &r, const ContextPtr &context) {
  if (r.get<uint8_t>("key presence") == 0)
    return KeySwitchKey();
  return readKeySwitchKey(r, context);
}
} // namespace

Bytes serialize(const BootstrapKeys &keys, const Context &context) {
  Writer w(ObjectKind::BootstrapKeys, context.params());
  w.put<uint64_t>(keys.galois.size());
  for (const auto &[g, key] : keys.galois)
    writeOptionalKey(w, context, key);
  writeOptionalKey(w, context, keys.relin);
  writeOptionalKey(w, context, keys.sparseToDense);
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
    KeySwitchKey key = readOptionalKey(r, context);
    require(!key.empty() && key.galoisElement() != 0, r.kind(),
            " has an empty or non-Galois entry in its Galois keys");
    uint64_t g = key.galoisElement();
    require(!keys.galois.count(g), r.kind(), " repeats Galois element ", g);
    keys.galois.emplace(g, std::move(key));
  }
  keys.relin = readOptionalKey(r, context);
  keys.sparseToDense = readOptionalKey(r, context);
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
