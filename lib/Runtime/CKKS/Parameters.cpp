//===- Parameters.cpp - RNS-CKKS parameter sets ---------------------------===//

#include "aegis/Runtime/CKKS/Parameters.h"

#include "aegis/Runtime/Math/Primes.h"
#include "aegis/Runtime/Support/Crc32c.h"
#include "aegis/Runtime/Support/Error.h"

#include <cmath>
#include <cstring>
#include <iomanip>
#include <map>
#include <set>
#include <sstream>

namespace aegis {
namespace ckks {

unsigned maxLogQP(unsigned logDegree) {
  static const unsigned bounds[] = {27, 54, 109, 218, 438, 881, 1747, 3464};
  require(logDegree >= kMinLogDegree && logDegree <= kMaxLogDegree,
          "ring degree 2^", logDegree, " is outside the supported range 2^",
          kMinLogDegree, "..2^", kMaxLogDegree);
  return bounds[logDegree - kMinLogDegree];
}

namespace {
// Base conversion sums at most this many products in 128 bits.
constexpr size_t kMaxPrimesPerBasis = 64;

void checkLogDegree(unsigned logDegree) { (void)maxLogQP(logDegree); }

double sumLog2(const std::vector<uint64_t> &moduli) {
  double sum = 0;
  for (uint64_t q : moduli) {
    sum += std::log2(double(q));
  }
  return sum;
}

std::string bitsSummary(const std::vector<uint64_t> &moduli) {
  // "60 + 10 x 40 bits": run-length of the rounded sizes.
  std::ostringstream os;
  size_t i = 0;
  bool first = true;
  while (i < moduli.size()) {
    long bits = std::lround(std::log2(double(moduli[i])));
    size_t j = i;
    while (j < moduli.size() &&
           std::lround(std::log2(double(moduli[j]))) == bits) {
      ++j;
    }
    os << (first ? "" : " + ");
    if (j - i > 1) {
      os << (j - i) << " x ";
    }
    os << bits;
    first = false;
    i = j;
  }
  os << " bits";
  return os.str();
}
} // namespace

Parameters Parameters::create(const ParameterSpec &spec) {
  checkLogDegree(spec.logDegree);
  require(!spec.chainBits.empty(), "the modulus chain is empty: give at least "
                                   "the bit size of q_0 in chainBits");
  require(!spec.specialBits.empty(), "no special primes: hybrid key switching "
                                     "needs at least one (specialBits)");
  size_t degree = size_t(1) << spec.logDegree;
  std::map<unsigned, NttPrimeGenerator> generators;
  std::set<uint64_t> used;
  auto nextPrime = [&](unsigned bits) {
    auto it = generators.find(bits);
    if (it == generators.end()) {
      it = generators.emplace(bits, NttPrimeGenerator(bits, degree)).first;
    }
    for (;;) {
      uint64_t p = it->second.next();
      if (used.insert(p).second) {
        return p;
      }
    }
  };
  std::vector<uint64_t> chain, special;
  for (unsigned bits : spec.chainBits) {
    chain.push_back(nextPrime(bits));
  }
  for (unsigned bits : spec.specialBits) {
    special.push_back(nextPrime(bits));
  }
  double scale = spec.defaultScale;
  if (scale == 0) {
    unsigned bits = spec.chainBits.size() > 1 ? spec.chainBits[1]
                                              : spec.chainBits[0];
    scale = std::ldexp(1.0, int(bits));
  }
  return fromModuli(spec.logDegree, std::move(chain), std::move(special),
                    spec.dnum, scale, spec.secret, spec.hammingWeight,
                    spec.allowInsecure);
}

Parameters Parameters::fromModuli(unsigned logDegree,
                                  std::vector<uint64_t> chainModuli,
                                  std::vector<uint64_t> specialModuli,
                                  unsigned dnum, double defaultScale,
                                  SecretDistribution secret,
                                  unsigned hammingWeight, bool allowInsecure) {
  Parameters p;
  p.logDegree_ = logDegree;
  p.chain_ = std::move(chainModuli);
  p.special_ = std::move(specialModuli);
  p.dnum_ = dnum;
  p.defaultScale_ = defaultScale;
  p.secret_ = secret;
  p.hammingWeight_ = hammingWeight;
  p.allowInsecure_ = allowInsecure;
  p.validate();
  return p;
}

void Parameters::validate() const {
  checkLogDegree(logDegree_);
  size_t n = degree();
  require(!chain_.empty() && chain_.size() <= 256, "modulus chain of ",
          chain_.size(), " primes: expected 1 to 256");
  require(!special_.empty() && special_.size() <= kMaxPrimesPerBasis,
          special_.size(), " special primes: expected 1 to ",
          kMaxPrimesPerBasis);
  std::set<uint64_t> seen;
  auto checkPrime = [&](uint64_t q, const char *what, size_t index) {
    require(q > (uint64_t(1) << 17) && q < (uint64_t(1) << 61), what, index,
            " = ", q, " is outside (2^17, 2^61)");
    require(q % (2 * n) == 1, what, index, " = ", q,
            " is not 1 mod 2N (N = ", n, "): no negacyclic NTT");
    require(isPrime(q), what, index, " = ", q, " is not prime");
    require(seen.insert(q).second, what, index, " = ", q,
            " appears twice among the moduli");
  };
  for (size_t i = 0; i < chain_.size(); ++i) {
    checkPrime(chain_[i], "chain prime q", i);
  }
  for (size_t i = 0; i < special_.size(); ++i) {
    checkPrime(special_[i], "special prime p", i);
  }
  require(dnum_ >= 1 && dnum_ <= chain_.size(), "dnum = ", dnum_,
          " is outside [1, L + 1 = ", chain_.size(), "]");
  require(digitSize() <= kMaxPrimesPerBasis, "key-switching digits of ",
          digitSize(), " limbs exceed the limit of ", kMaxPrimesPerBasis,
          ": raise dnum");
  require(std::isfinite(defaultScale_) && defaultScale_ >= 1.0 &&
              defaultScale_ < std::ldexp(1.0, 120),
          "default scale ", defaultScale_, " is outside [1, 2^120)");
  if (secret_ == SecretDistribution::SparseTernary) {
    require(hammingWeight_ >= 1 && hammingWeight_ <= n,
            "sparse ternary secret with Hamming weight ", hammingWeight_,
            ": expected 1 to N = ", n);
  } else {
    require(secret_ == SecretDistribution::UniformTernary,
            "unknown secret distribution ", unsigned(secret_));
    require(hammingWeight_ == 0, "Hamming weight ", hammingWeight_,
            " given for a uniform ternary secret: expected 0");
  }
  if (!allowInsecure_ && !meetsSecurityBound()) {
    std::ostringstream os;
    os << std::fixed << std::setprecision(1) << logQP();
    fail("parameters are not 128-bit secure: N = 2^", logDegree_,
         " with log2(QP) = ", os.str(), " exceeds the HE-standard bound ",
         maxLogQP(logDegree_),
         " for a ternary secret; shorten the modulus chain, raise N, or set "
         "allowInsecure for test parameters");
  }
}

unsigned Parameters::digitSize() const {
  unsigned limbs = unsigned(chain_.size());
  return (limbs + dnum_ - 1) / dnum_;
}

unsigned Parameters::numDigits() const {
  unsigned limbs = unsigned(chain_.size());
  return (limbs + digitSize() - 1) / digitSize();
}

double Parameters::logQ() const { return sumLog2(chain_); }
double Parameters::logP() const { return sumLog2(special_); }

bool Parameters::meetsSecurityBound() const {
  return logQP() <= double(maxLogQP(logDegree_));
}

std::vector<uint8_t> Parameters::canonicalBytes() const {
  std::vector<uint8_t> out;
  auto put = [&](uint64_t v, int bytes) {
    for (int i = 0; i < bytes; ++i) {
      out.push_back(uint8_t(v >> (8 * i)));
    }
  };
  put(logDegree_, 4);
  put(chain_.size(), 4);
  put(special_.size(), 4);
  put(dnum_, 4);
  uint64_t scaleBits;
  std::memcpy(&scaleBits, &defaultScale_, 8);
  put(scaleBits, 8);
  put(uint8_t(secret_), 1);
  put(hammingWeight_, 4);
  put(allowInsecure_ ? 1 : 0, 1);
  for (uint64_t q : chain_) {
    put(q, 8);
  }
  for (uint64_t p : special_) {
    put(p, 8);
  }
  return out;
}

uint64_t Parameters::hash() const {
  std::vector<uint8_t> bytes = canonicalBytes();
  return fnv1a64(bytes.data(), bytes.size());
}

std::string Parameters::describe() const {
  std::ostringstream os;
  os << std::fixed << std::setprecision(1);
  os << "CKKS parameters (hash " << std::hex << std::setw(16)
     << std::setfill('0') << hash() << std::dec << std::setfill(' ') << ")\n";
  os << "  ring degree N = 2^" << logDegree_ << ", " << maxSlots()
     << " slots\n";
  os << "  chain: " << chain_.size() << " primes (" << bitsSummary(chain_)
     << "), levels 0.." << maxLevel() << ", log2(Q) = " << logQ() << "\n";
  os << "  special: " << special_.size() << " primes ("
     << bitsSummary(special_) << "), log2(P) = " << logP() << "\n";
  os << "  key switching: dnum = " << dnum_ << ", " << numDigits()
     << " digits of up to " << digitSize() << " limbs\n";
  os << "  default scale: 2^" << std::log2(defaultScale_) << "\n";
  os << "  secret: "
     << (secret_ == SecretDistribution::SparseTernary
             ? "sparse ternary, Hamming weight " +
                   std::to_string(hammingWeight_)
             : std::string("uniform ternary"))
     << "\n";
  os << "  security: ";
  if (meetsSecurityBound()) {
    os << "128-bit classical (log2(QP) = " << logQP() << " <= "
       << maxLogQP(logDegree_) << ", HE standard, ternary secret)";
    if (allowInsecure_) {
      os << "; insecure opt-in set";
    }
  } else {
    os << "INSECURE TEST PARAMETERS (log2(QP) = " << logQP() << " > "
       << maxLogQP(logDegree_) << " for N = 2^" << logDegree_
       << "; explicit opt-in)";
  }
  os << "\n";
  return os.str();
}

} // namespace ckks
} // namespace aegis
