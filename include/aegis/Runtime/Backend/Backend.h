//===- Backend.h - Limb-level kernels of the CKKS runtime -------*- C++ -*-===//
//
// Part of the runtime: no MLIR or LLVM. The CKKS layer (encoder, encryptor,
// evaluator, key switching) calls only these kernels to touch polynomial data,
// so the same evaluator runs on the CPU backend and on a device backend that
// implements this interface bit-exactly.
//
// Buffers are backend memory (host memory for the CPU backend, device memory
// otherwise) holding limbs of N words, limb-major: limb k is the N words at
// offset k*N, so a range of limbs is one contiguous slice. Every kernel takes
// `moduli`, the modulus index (into RnsTables) of each limb it processes;
// limb k of every buffer argument uses moduli[k]. Residues are canonical, in
// [0, q), on input and output. Scalars and index lists are host memory.
//
// Kernels are deterministic: the output never depends on the thread count or
// the launch configuration.
//
//===----------------------------------------------------------------------===//

#ifndef AEGIS_RUNTIME_BACKEND_BACKEND_H
#define AEGIS_RUNTIME_BACKEND_BACKEND_H

#include "aegis/Runtime/Math/BaseConversion.h"
#include "aegis/Runtime/Math/RnsTables.h"
#include "aegis/Runtime/Support/Span.h"

#include <cstddef>
#include <cstdint>
#include <memory>

namespace aegis {
namespace ckks {

using ModuliSpan = Span<const uint32_t>;

class Backend {
public:
  explicit Backend(const RnsTables &tables) : tables_(tables) {}
  virtual ~Backend();
  Backend(const Backend &) = delete;
  Backend &operator=(const Backend &) = delete;

  virtual const char *name() const = 0;
  const RnsTables &tables() const { return tables_; }
  size_t degree() const { return tables_.degree; }

  //===--- Memory ---------------------------------------------------------===//
  /// `words` 64-bit words of backend memory (from a pool: no system call in
  /// steady state). Contents are unspecified.
  virtual uint64_t *allocate(size_t words) = 0;
  virtual void deallocate(uint64_t *ptr, size_t words) = 0;
  virtual void copyFromHost(uint64_t *dst, const uint64_t *hostSrc,
                            size_t words) = 0;
  virtual void copyToHost(uint64_t *hostDst, const uint64_t *src,
                          size_t words) = 0;
  virtual void copy(uint64_t *dst, const uint64_t *src, size_t words) = 0;
  virtual void fillZero(uint64_t *dst, size_t words) = 0;

  //===--- Transforms -----------------------------------------------------===//
  virtual void forwardNtt(uint64_t *data, ModuliSpan moduli) = 0;
  virtual void inverseNtt(uint64_t *data, ModuliSpan moduli) = 0;

  //===--- Element-wise (out may alias any input) ---------------------------===//
  virtual void add(uint64_t *out, const uint64_t *a, const uint64_t *b,
                   ModuliSpan moduli) = 0;
  virtual void sub(uint64_t *out, const uint64_t *a, const uint64_t *b,
                   ModuliSpan moduli) = 0;
  virtual void negate(uint64_t *out, const uint64_t *a, ModuliSpan moduli) = 0;
  /// out = a * b.
  virtual void multiply(uint64_t *out, const uint64_t *a, const uint64_t *b,
                        ModuliSpan moduli) = 0;
  /// out += a * b.
  virtual void multiplyAccumulate(uint64_t *out, const uint64_t *a,
                                  const uint64_t *b, ModuliSpan moduli) = 0;
  /// out = a * scalars[k] on limb k (scalars[k] < q_k).
  virtual void multiplyScalar(uint64_t *out, const uint64_t *a,
                              const uint64_t *scalars, ModuliSpan moduli) = 0;
  /// out = a + scalars[k] on limb k.
  virtual void addScalar(uint64_t *out, const uint64_t *a,
                         const uint64_t *scalars, ModuliSpan moduli) = 0;
  /// out = (a - b) * scalars[k] on limb k (rescale, ModDown).
  virtual void subtractAndScale(uint64_t *out, const uint64_t *a,
                                const uint64_t *b, const uint64_t *scalars,
                                ModuliSpan moduli) = 0;

  //===--- RNS ------------------------------------------------------------===//
  /// Reduces one limb `in` (modulo modulus index `inModulus`, coefficient
  /// form) to every limb of out: out_k = ((in + preAdd) mod q_in) mod q_k
  /// - postSub[k] (mod q_k). Rescale uses it with preAdd = floor(q_in/2).
  virtual void switchModulus(uint64_t *out, ModuliSpan outModuli,
                             const uint64_t *in, uint32_t inModulus,
                             uint64_t preAdd, const uint64_t *postSub) = 0;
  /// Fast base conversion (see BaseConversion.h) of the limbs `in`, one per
  /// source prime of `converter` in order, coefficient form, to the limbs of
  /// out (coefficient form); `centered` selects the variant that returns the
  /// centered representative.
  virtual void baseConvert(uint64_t *out, ModuliSpan outModuli,
                           const uint64_t *in, const BaseConverter &converter,
                           bool centered) = 0;
  /// NTT-domain automorphism: out[k][i] = in[k][permutation[i]] for each of
  /// `numLimbs` limbs (out must not alias in).
  virtual void permute(uint64_t *out, const uint64_t *in,
                       const uint32_t *permutation, size_t numLimbs) = 0;
  /// Key inner product over limbs: for each limb k and index i,
  ///   out0[k][i] (+)= sum_j digits[j][k][p(i)] * keyB[j][k][i],
  ///   out1[k][i] (+)= sum_j digits[j][k][p(i)] * keyA[j][k][i],
  /// with p the identity or `permutation` (hoisted rotations), summed lazily
  /// in 128 bits and reduced once. `accumulate` adds to out0/out1 instead of
  /// overwriting them. digits, keyB and keyA hold one pointer per digit (at
  /// most 63 per call, so that the 128-bit sums cannot overflow).
  virtual void keyInnerProduct(uint64_t *out0, uint64_t *out1,
                               Span<const uint64_t *const> digits,
                               Span<const uint64_t *const> keyB,
                               Span<const uint64_t *const> keyA,
                               ModuliSpan moduli, const uint32_t *permutation,
                               bool accumulate) = 0;

private:
  const RnsTables &tables_;
};

/// The CPU reference backend (threads from the global ThreadPool).
std::unique_ptr<Backend> createCpuBackend(const RnsTables &tables);

} // namespace ckks
} // namespace aegis

#endif // AEGIS_RUNTIME_BACKEND_BACKEND_H
