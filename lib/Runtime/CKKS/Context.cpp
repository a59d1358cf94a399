//===- Context.cpp - Parameters, tables and backend -----------------------===//

#include "aegis/Runtime/CKKS/Context.h"

#include "aegis/Runtime/Support/Error.h"
#include "aegis/Support/Rotation.h"
#include "aegis/Runtime/Support/ThreadPool.h"

namespace aegis {
namespace ckks {

std::shared_ptr<const Context> Context::create(const Parameters &params,
                                               const BackendFactory &factory) {
  return std::make_shared<const Context>(params, factory);
}

Context::Context(const Parameters &params, const BackendFactory &factory)
    : params_(params) {
  tables_.logDegree = params.logDegree();
  tables_.degree = params.degree();
  std::vector<uint64_t> all = params.chainModuli();
  all.insert(all.end(), params.specialModuli().begin(),
             params.specialModuli().end());
  for (uint64_t q : all) {
    tables_.moduli.emplace_back(q);
  }
  // NTT tables are independent per modulus: build them in parallel.
  std::vector<std::unique_ptr<NttTables>> ntt(all.size());
  parallelFor(0, all.size(), [&](size_t i) {
    ntt[i] = std::make_unique<NttTables>(tables_.moduli[i], tables_.logDegree);
  });
  for (auto &t : ntt) {
    tables_.ntt.push_back(std::move(*t));
  }

  unsigned levels = params.maxLevel() + 1;
  unsigned k = params.numSpecial();
  for (uint32_t i = 0; i < all.size(); ++i) {
    allIndices_.push_back(i);
  }
  extended_.resize(levels);
  for (unsigned l = 0; l < levels; ++l) {
    for (uint32_t i = 0; i <= l; ++i) {
      extended_[l].push_back(i);
    }
    for (uint32_t j = 0; j < k; ++j) {
      extended_[l].push_back(levels + j);
    }
  }

  // ModUp converters: digit j, first `count` limbs.
  unsigned alpha = params.digitSize();
  modUp_.resize(params.numDigits());
  for (unsigned j = 0; j < params.numDigits(); ++j) {
    unsigned size = digitEnd(j, params.maxLevel()) - digitBegin(j);
    for (unsigned count = 1; count <= size; ++count) {
      std::vector<uint32_t> source;
      for (unsigned i = 0; i < count; ++i) {
        source.push_back(j * alpha + i);
      }
      modUp_[j].push_back(
          std::make_unique<BaseConverter>(std::move(source), tables_.moduli));
    }
  }
  std::vector<uint32_t> special(allIndices_.begin() + levels,
                                allIndices_.end());
  modDown_ = std::make_unique<BaseConverter>(special, tables_.moduli);

  for (unsigned i = 0; i < levels; ++i) {
    const Modulus &q = tables_.moduli[i];
    uint64_t p = 1;
    for (uint64_t pj : params.specialModuli()) {
      p = mulMod(p, reduce64(pj, q), q);
    }
    pModQ_.push_back(p);
    pInvModQ_.push_back(invMod(p, q));
  }

  rescaleInv_.resize(levels);
  rescaleHalf_.resize(levels);
  for (unsigned l = 1; l < levels; ++l) {
    uint64_t ql = tables_.moduli[l].value;
    for (unsigned i = 0; i < l; ++i) {
      const Modulus &q = tables_.moduli[i];
      rescaleInv_[l].push_back(invMod(reduce64(ql, q), q));
      rescaleHalf_[l].push_back(reduce64(ql / 2, q));
    }
  }

  backend_ = factory ? factory(tables_) : createCpuBackend(tables_);
  require(backend_ != nullptr, "backend factory returned no backend");
}

Context::~Context() = default;

unsigned Context::digitEnd(unsigned j, unsigned level) const {
  unsigned end = (j + 1) * digitSize();
  return end < level + 1 ? end : level + 1;
}

const BaseConverter &Context::modUpConverter(unsigned digit,
                                             unsigned count) const {
  require(digit < modUp_.size() && count >= 1 &&
              count <= modUp_[digit].size(),
          "no ModUp converter for digit ", digit, " with ", count, " limbs");
  return *modUp_[digit][count - 1];
}

uint64_t Context::galoisElementForRotation(long steps) const {
  int64_t k = positiveRotation(steps, int64_t(degree() / 2));
  // 5^k mod 2N by square-and-multiply (2N is a power of two: mask).
  const uint64_t mask = 2 * degree() - 1;
  uint64_t g = 1, base = 5;
  for (uint64_t e = uint64_t(k); e != 0; e >>= 1) {
    if (e & 1) {
      g = (g * base) & mask;
    }
    base = (base * base) & mask;
  }
  return g;
}

void Context::checkGaloisElement(uint64_t g) const {
  require(g % 2 == 1 && g < 2 * degree(), "Galois element ", g,
          " is not an odd number below 2N = ", 2 * degree());
}

const std::vector<uint32_t> &Context::galoisPermutation(uint64_t g) const {
  checkGaloisElement(g);
  std::lock_guard<std::mutex> lock(galoisMutex_);
  auto it = galoisCache_.find(g);
  if (it != galoisCache_.end()) {
    return *it->second;
  }
  unsigned logN = logDegree();
  size_t n = degree();
  uint64_t mask = 2 * n - 1;
  auto perm = std::make_unique<std::vector<uint32_t>>(n);
  for (uint32_t i = 0; i < n; ++i) {
    uint64_t e = nttEvaluationExponent(i, logN);
    uint64_t image = (g * e) & mask;
    (*perm)[i] = bitReverse(uint32_t((image - 1) / 2), logN);
  }
  const std::vector<uint32_t> &ref = *perm;
  galoisCache_.emplace(g, std::move(perm));
  return ref;
}

} // namespace ckks
} // namespace aegis
