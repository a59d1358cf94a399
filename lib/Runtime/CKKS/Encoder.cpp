//===- Encoder.cpp - CKKS canonical-embedding encoder ---------------------===//

#include "aegis/Runtime/CKKS/Encoder.h"

#include "aegis/Runtime/Math/BigUInt.h"
#include "aegis/Runtime/Support/Error.h"
#include "aegis/Runtime/Support/ThreadPool.h"

#include <cmath>

namespace aegis {
namespace ckks {

namespace {
constexpr double kPi = 3.14159265358979323846;

size_t slotCountFor(size_t count, size_t minSlots, size_t maxSlots) {
  size_t n = 1;
  while (n < count || n < minSlots) {
    n <<= 1;
  }
  require(n <= maxSlots, "cannot encode ", count, " values (", n,
          " slots): at most N/2 = ", maxSlots, " slots");
  return n;
}

// (a * b) without the NaN/infinity recovery of operator* (__muldc3): inputs
// are finite here.
inline std::complex<double> multiply(std::complex<double> a,
                                     std::complex<double> b) {
  return {a.real() * b.real() - a.imag() * b.imag(),
          a.real() * b.imag() + a.imag() * b.real()};
}

void bitReversePermute(std::complex<double> *values, size_t n) {
  for (size_t i = 1, j = 0; i < n; ++i) {
    size_t bit = n >> 1;
    for (; j & bit; bit >>= 1) {
      j ^= bit;
    }
    j ^= bit;
    if (i < j) {
      std::swap(values[i], values[j]);
    }
  }
}
} // namespace

uint64_t residueOfRounded(double value, const Modulus &m) {
  require(std::isfinite(value), "cannot encode the non-finite value ", value);
  double r = std::round(value);
  if (std::fabs(r) < 9.2e18) {
    return fromSigned(int64_t(r), m);
  }
  // r = mantissa * 2^exponent exactly, mantissa a 53-bit integer.
  int exponent = 0;
  double fraction = std::frexp(std::fabs(r), &exponent);
  uint64_t mantissa = uint64_t(std::ldexp(fraction, 53));
  uint64_t residue =
      mulMod(reduce64(mantissa, m), powMod(2, uint64_t(exponent - 53), m), m);
  return r < 0 ? negateMod(residue, m.value) : residue;
}

Encoder::Encoder(ContextPtr context) : context_(std::move(context)) {
  size_t n = context_->degree();
  roots_.resize(2 * n);
  for (size_t k = 0; k < 2 * n; ++k) {
    double angle = kPi * double(k) / double(n);
    roots_[k] = std::complex<double>(std::cos(angle), std::sin(angle));
  }
  rotationGroup_.resize(n / 2);
  uint64_t g = 1;
  for (size_t j = 0; j < n / 2; ++j) {
    rotationGroup_[j] = g;
    g = g * 5 % (2 * n);
  }
}

// Evaluates sum_k c_k w^k at w = xi^(5^j), xi a primitive 4n-th root, for
// j < n: split even and odd coefficients; xi^(5^(j + n/2)) = -xi^(5^j) and the
// squared points are the same problem of half size.
void Encoder::specialFft(std::complex<double> *values, size_t n) const {
  const size_t twoN = 2 * context_->degree();
  bitReversePermute(values, n);
  for (size_t len = 2; len <= n; len <<= 1) {
    size_t half = len >> 1;
    size_t order = len << 2;
    size_t stride = twoN / order;
    for (size_t i = 0; i < n; i += len) {
      for (size_t j = 0; j < half; ++j) {
        size_t index = (rotationGroup_[j] & (order - 1)) * stride;
        std::complex<double> u = values[i + j];
        std::complex<double> v = multiply(values[i + j + half], roots_[index]);
        values[i + j] = u + v;
        values[i + j + half] = u - v;
      }
    }
  }
}

void Encoder::specialInverseFft(std::complex<double> *values, size_t n) const {
  const size_t twoN = 2 * context_->degree();
  for (size_t len = n; len >= 2; len >>= 1) {
    size_t half = len >> 1;
    size_t order = len << 2;
    size_t stride = twoN / order;
    for (size_t i = 0; i < n; i += len) {
      for (size_t j = 0; j < half; ++j) {
        size_t index = (order - (rotationGroup_[j] & (order - 1))) * stride;
        std::complex<double> u = values[i + j] + values[i + j + half];
        std::complex<double> v =
            multiply(values[i + j] - values[i + j + half], roots_[index]);
        values[i + j] = u;
        values[i + j + half] = v;
      }
    }
  }
  bitReversePermute(values, n);
  double inv = 1.0 / double(n);
  for (size_t i = 0; i < n; ++i) {
    values[i] *= inv;
  }
}

std::vector<double>
Encoder::slotsToCoefficients(std::vector<std::complex<double>> values,
                             double scale) const {
  size_t n = values.size();
  require(n >= 1 && (n & (n - 1)) == 0 && n <= context_->degree() / 2,
          "slot count ", n, " is not a power of two in [1, N/2]");
  specialInverseFft(values.data(), n);
  std::vector<double> coefficients(2 * n);
  for (size_t k = 0; k < n; ++k) {
    coefficients[k] = values[k].real() * scale;
    coefficients[n + k] = values[k].imag() * scale;
  }
  return coefficients;
}

std::vector<std::complex<double>>
Encoder::coefficientsToSlots(const std::vector<double> &coefficients,
                             double scale) const {
  size_t n = coefficients.size() / 2;
  std::vector<std::complex<double>> values(n);
  for (size_t k = 0; k < n; ++k) {
    values[k] = std::complex<double>(coefficients[k] / scale,
                                     coefficients[n + k] / scale);
  }
  specialFft(values.data(), n);
  return values;
}

Plaintext Encoder::encode(const std::vector<std::complex<double>> &values,
                          unsigned level, double scale,
                          size_t minSlots) const {
  require(level <= context_->maxLevel(), "cannot encode at level ", level,
          ": the chain has levels 0..", context_->maxLevel());
  require(std::isfinite(scale) && scale > 0, "encoding scale ", scale,
          " is not a positive finite number");
  const size_t degree = context_->degree();
  size_t n = slotCountFor(values.size(), minSlots, degree / 2);
  std::vector<std::complex<double>> padded(values);
  padded.resize(n);
  std::vector<double> coefficients = slotsToCoefficients(std::move(padded),
                                                         scale);
  for (double c : coefficients) {
    require(std::isfinite(c) && std::fabs(c) < std::ldexp(1.0, 120),
            "encoded coefficient ", c,
            " is not finite or exceeds 2^120: lower the scale or the values");
  }
  const size_t gap = degree / (2 * n);
  // Round once; coefficients beyond 2^62 take the exact slow path per limb.
  std::vector<int64_t> rounded(2 * n);
  bool anyLarge = false;
  for (size_t i = 0; i < 2 * n; ++i) {
    double r = std::round(coefficients[i]);
    bool large = std::fabs(r) >= 4.6e18;
    anyLarge = anyLarge || large;
    rounded[i] = large ? 0 : int64_t(r);
  }
  std::vector<uint64_t> host((level + 1) * degree, 0);
  parallelFor(0, level + 1, [&](size_t k) {
    const Modulus &m = context_->modulus(uint32_t(k));
    uint64_t *limb = host.data() + k * degree;
    for (size_t i = 0; i < n; ++i) {
      limb[i * gap] = fromSigned(rounded[i], m);
      limb[degree / 2 + i * gap] = fromSigned(rounded[n + i], m);
    }
    if (anyLarge) {
      for (size_t i = 0; i < n; ++i) {
        if (std::fabs(coefficients[i]) >= 4.6e18) {
          limb[i * gap] = residueOfRounded(coefficients[i], m);
        }
        if (std::fabs(coefficients[n + i]) >= 4.6e18) {
          limb[degree / 2 + i * gap] =
              residueOfRounded(coefficients[n + i], m);
        }
      }
    }
  });
  Plaintext pt(context_, level, scale, n);
  Backend &backend = context_->backend();
  backend.copyFromHost(pt.poly().data(), host.data(), host.size());
  backend.forwardNtt(pt.poly().data(), context_->chainIndices(level));
  return pt;
}

Plaintext Encoder::encode(const std::vector<double> &values, unsigned level,
                          double scale, size_t minSlots) const {
  std::vector<std::complex<double>> complexValues(values.begin(),
                                                  values.end());
  return encode(complexValues, level, scale, minSlots);
}

std::vector<double>
Encoder::composeCentered(const std::vector<uint64_t> &residues, unsigned level,
                         const std::vector<size_t> &indices) const {
  const size_t degree = context_->degree();
  const size_t limbs = level + 1;
  std::vector<double> out(indices.size());
  const Modulus &q0 = context_->modulus(0);
  // Fast path: the centered residue modulo q_0 is the value whenever it is
  // consistent with every other limb (|value| < q_0 / 2, the usual case).
  std::vector<size_t> slow;
  for (size_t t = 0; t < indices.size(); ++t) {
    size_t c = indices[t];
    uint64_t x0 = residues[c];
    int64_t centered = x0 > q0.value / 2 ? -int64_t(q0.value - x0)
                                         : int64_t(x0);
    bool consistent = true;
    for (size_t k = 1; k < limbs && consistent; ++k) {
      consistent = fromSigned(centered, context_->modulus(uint32_t(k))) ==
                   residues[k * degree + c];
    }
    if (consistent) {
      out[t] = double(centered);
    } else {
      slow.push_back(t);
    }
  }
  if (slow.empty()) {
    return out;
  }
  // Exact CRT: x = sum_i [x_i * (Q/q_i)^-1]_(q_i) * (Q/q_i) mod Q.
  BigUInt q(1);
  for (size_t k = 0; k < limbs; ++k) {
    q = q * context_->modulus(uint32_t(k)).value;
  }
  std::vector<BigUInt> punctured(limbs);
  std::vector<uint64_t> inverses(limbs);
  for (size_t k = 0; k < limbs; ++k) {
    BigUInt p(1);
    for (size_t j = 0; j < limbs; ++j) {
      if (j != k) {
        p = p * context_->modulus(uint32_t(j)).value;
      }
    }
    const Modulus &m = context_->modulus(uint32_t(k));
    inverses[k] = invMod(p.mod(m), m);
    punctured[k] = std::move(p);
  }
  BigUInt halfQ = q.half();
  parallelFor(0, slow.size(), [&](size_t s) {
    size_t t = slow[s];
    size_t c = indices[t];
    BigUInt x;
    for (size_t k = 0; k < limbs; ++k) {
      const Modulus &m = context_->modulus(uint32_t(k));
      x += punctured[k] * mulMod(residues[k * degree + c], inverses[k], m);
    }
    while (!(x < q)) {
      x -= q;
    }
    if (halfQ < x) {
      BigUInt negative = q;
      negative -= x;
      out[t] = -negative.toDouble();
    } else {
      out[t] = x.toDouble();
    }
  });
  return out;
}

std::vector<std::complex<double>>
Encoder::decode(const Plaintext &plaintext) const {
  require(plaintext.context() == context_,
          "plaintext belongs to another context than the encoder");
  const size_t degree = context_->degree();
  const unsigned level = plaintext.level();
  const size_t n = plaintext.slots();
  Backend &backend = context_->backend();
  RnsPoly coefficientForm = plaintext.poly();
  backend.inverseNtt(coefficientForm.data(), context_->chainIndices(level));
  std::vector<uint64_t> host(coefficientForm.numWords());
  backend.copyToHost(host.data(), coefficientForm.data(), host.size());
  const size_t gap = degree / (2 * n);
  std::vector<size_t> indices(2 * n);
  for (size_t i = 0; i < n; ++i) {
    indices[i] = i * gap;
    indices[n + i] = degree / 2 + i * gap;
  }
  std::vector<double> coefficients = composeCentered(host, level, indices);
  return coefficientsToSlots(coefficients, plaintext.scale());
}

std::vector<double> Encoder::decodeReal(const Plaintext &plaintext) const {
  std::vector<std::complex<double>> values = decode(plaintext);
  std::vector<double> real(values.size());
  for (size_t i = 0; i < values.size(); ++i) {
    real[i] = values[i].real();
  }
  return real;
}

} // namespace ckks
} // namespace aegis
