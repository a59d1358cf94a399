//===- Linear.cpp - matmul by constant weights -----------------------------===//
//
// docs/Lowering.md describes the algorithm and its costs.
//
//===----------------------------------------------------------------------===//

#include "Lowering.h"

#include <set>

using namespace mlir;
using namespace mlir::aegis;
using namespace mlir::aegis::lowering;
namespace nnd = mlir::aegis::nn;

/// y = x W (+ bias), W constant [K, M], x [..., K].
FailureOr<Packed> Lowering::linear(Operation *op, const Packed &x,
                                   const Tensor &w, const Tensor *bias) {
  int64_t K = w.shape[0], M = w.shape[1];
  if (x.shape.empty() || x.shape.back() != K)
    return fail(op, "matmul operand shapes do not match the weights");
  int64_t rows = int64_t(x.slot.size()) / K;
  // Every row must be one token; every feature one (ciphertext, block).
  std::vector<int64_t> rowToken(rows), featCt(K), featBlock(K);
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t k = 0; k < K; ++k) {
      int64_t g = x.slot[r * K + k];
      if (k == 0)
        rowToken[r] = tokenOf(g);
      if (r == 0)
        featCt[k] = ctOf(g), featBlock[k] = blockOf(g);
      if (tokenOf(g) != rowToken[r] || ctOf(g) != featCt[k] ||
          blockOf(g) != featBlock[k])
        return fail(op, "operand is not packed one token per block column "
                        "(unsupported layout for a weight matmul)");
    }
  std::set<int64_t> tokens(rowToken.begin(), rowToken.end());
  if (int64_t(tokens.size()) != rows)
    return fail(op, "two rows of the operand share a token");
  int64_t outCts = (M + F - 1) / F;
  // Non-zero block diagonals per (input ct, output ct): d = (j_in - j_out)
  // mod F for every non-zero weight.
  std::map<std::pair<int64_t, int64_t>, std::set<int64_t>> diags;
  for (int64_t k = 0; k < K; ++k)
    for (int64_t m = 0; m < M; ++m)
      if (w.data[k * M + m] != 0)
        diags[{featCt[k], m / F}].insert(((featBlock[k] - m % F) % F + F) % F);
  // Inverse of the feature map: which input feature sits at (ct, block).
  std::map<std::pair<int64_t, int64_t>, int64_t> featureAt;
  for (int64_t k = 0; k < K; ++k)
    featureAt[{featCt[k], featBlock[k]}] = k;
  // Diagonal d of pair (ci, co), rotated right by `shift` slots.
  auto diagonal = [&](int64_t ci, int64_t co, int64_t d, int64_t shift) {
    std::vector<double> v(materialize ? S : 0, 0.0);
    if (!materialize)
      return v;
    for (int64_t jo = 0; jo < F && co * F + jo < M; ++jo) {
      auto it = featureAt.find({ci, (jo + d) % F});
      if (it == featureAt.end())
        continue;
      double wv = w.data[it->second * M + co * F + jo];
      if (wv == 0)
        continue;
      for (int64_t t : tokens)
        v[((jo * Tp + t + shift) % S + S) % S] = wv;
    }
    return v;
  };
  // Baby-step size: minimise babies + giants over the union of diagonals.
  std::set<int64_t> allD;
  for (auto &kv : diags)
    allD.insert(kv.second.begin(), kv.second.end());
  int64_t bestB = 1, bestCost = INT64_MAX;
  for (int64_t B = 1; B <= F; B <<= 1) {
    std::set<int64_t> babies, giants;
    for (int64_t d : allD)
      babies.insert(d % B), giants.insert(d / B);
    int64_t cost = int64_t(babies.size()) * int64_t(x.cts.size()) +
                   int64_t(giants.size()) * outCts;
    if (cost < bestCost)
      bestCost = cost, bestB = B;
  }
  int64_t B = bestB;
  // Baby rotations of every input ciphertext (shared by all outputs).
  // Inputs about to run out of levels are refreshed before they are
  // rotated (one bootstrap per input, not per rotation).
  llvm::SmallVector<Ct> xin;
  for (Ct c : x.cts)
    xin.push_back(ensure(c));
  std::map<std::pair<int64_t, int64_t>, Ct> babyRot;
  auto baby = [&](int64_t ci, int64_t i) {
    auto key = std::make_pair(ci, i);
    auto it = babyRot.find(key);
    if (it != babyRot.end())
      return it->second;
    return babyRot[key] = rotate(xin[ci], i * Tp);
  };
  Packed y;
  y.shape = x.shape;
  y.shape.back() = M;
  for (int64_t co = 0; co < outCts; ++co) {
    // giant g -> sum_i rot(D_{gB+i}, -gB Tp) * rot(x, i Tp)
    std::map<int64_t, Ct> giantSums;
    for (auto &kv : diags) {
      if (kv.first.second != co)
        continue;
      int64_t ci = kv.first.first;
      for (int64_t d : kv.second) {
        int64_t g = d / B, i = d % B;
        Ct term = mulPlainRaw(baby(ci, i), diagonal(ci, co, d, g * B * Tp));
        giantSums[g] = add(giantSums[g], term);
      }
    }
    Ct acc;
    for (auto &gs : giantSums)
      acc = add(acc, rotate(gs.second, gs.first * B * Tp));
    if (!acc)
      return fail(op, "the weight matrix is all zeros for some outputs");
    y.cts.push_back(rescale(acc));
  }
  y.slot.resize(rows * M);
  for (int64_t r = 0; r < rows; ++r)
    for (int64_t m = 0; m < M; ++m)
      y.slot[r * M + m] = (m / F) * S + (m % F) * Tp + rowToken[r];
  if (bias) {
    Tensor bb = ::aegis::nn::expand(*bias, y.shape);
    auto vals = scatter(y, [&](int64_t i) { return bb.data[i]; });
    for (size_t c = 0; c < y.cts.size(); ++c)
      y.cts[c] = addPlain(y.cts[c], vals[c]);
  }
  return y;
}
