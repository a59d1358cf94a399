//===- Linear.cpp - matmul by constant weights -----------------------------===//
//
// docs/Lowering.md describes the algorithm and its costs.
//
//===----------------------------------------------------------------------===//

#include "Lowering.h"

#include <algorithm>
#include <set>

using namespace mlir;
using namespace mlir::aegis;
using namespace mlir::aegis::lowering;
namespace nnd = mlir::aegis::nn;

/// y = x W (+ bias), W constant [K, M], x [..., K].
///
/// The rows of x are grouped into token tiles: the rows whose features lie
/// in the same ciphertexts. Each tile is one independent diagonal-method
/// product (its own baby steps, giants and outputs); tiles of one layout
/// share the block diagonals and, when they hold the same tokens, their
/// plaintexts.
FailureOr<Packed> Lowering::linear(Operation *op, const Packed &x,
                                   const Tensor &w, const Tensor *bias) {
  int64_t K = w.shape[0], M = w.shape[1];
  if (x.shape.empty() || x.shape.back() != K)
    return fail(op, "matmul operand shapes do not match the weights");
  int64_t rows = int64_t(x.slot.size()) / K;
  // Every row must be one token; every feature one (ciphertext, block),
  // the same for every row of a tile.
  struct Tile {
    std::vector<int64_t> rows, tokens;
    /// Per feature: its ciphertext (global) and block.
    std::vector<int64_t> featCt, featBlock;
  };
  std::map<int64_t, Tile> tiles; // by the ciphertext of feature 0
  std::vector<int64_t> rowToken(rows);
  const char *layoutError = "operand is not packed one token per block "
                            "column (unsupported layout for a weight matmul)";
  for (int64_t r = 0; r < rows; ++r) {
    int64_t g0 = x.slot[r * K];
    rowToken[r] = tokenOf(g0);
    Tile &tile = tiles[ctOf(g0)];
    bool first = tile.rows.empty();
    if (first)
      tile.featCt.resize(K), tile.featBlock.resize(K);
    for (int64_t k = 0; k < K; ++k) {
      int64_t g = x.slot[r * K + k];
      if (first)
        tile.featCt[k] = ctOf(g), tile.featBlock[k] = blockOf(g);
      if (tokenOf(g) != rowToken[r] || ctOf(g) != tile.featCt[k] ||
          blockOf(g) != tile.featBlock[k])
        return fail(op, layoutError);
    }
    tile.rows.push_back(r);
    tile.tokens.push_back(rowToken[r]);
  }
  std::set<int64_t> seenCts;
  for (auto &[key, tile] : tiles) {
    std::set<int64_t> tokens(tile.tokens.begin(), tile.tokens.end());
    if (tokens.size() != tile.tokens.size())
      return fail(op, "two rows of the operand share a token");
    tile.tokens.assign(tokens.begin(), tokens.end());
    std::set<int64_t> cts(tile.featCt.begin(), tile.featCt.end());
    for (int64_t c : cts)
      if (!seenCts.insert(c).second)
        return fail(op, layoutError);
  }
  int64_t outCts = (M + F - 1) / F;
  Packed y;
  y.shape = x.shape;
  y.shape.back() = M;
  y.slot.resize(rows * M);
  // The previous tile's layout (input ciphertexts relative to its first)
  // and diagonals: tiles of one layout reuse them.
  std::vector<int64_t> prevCt, prevBlock;
  std::map<std::pair<int64_t, int64_t>, std::set<int64_t>> diags;
  // Inverse of the feature map: which input feature sits at (ct, block).
  std::map<std::pair<int64_t, int64_t>, int64_t> featureAt;
  int64_t B = 1;
  for (auto &[key, tile] : tiles) {
    // Input ciphertexts of the tile, numbered locally.
    std::vector<int64_t> inCts(tile.featCt);
    std::sort(inCts.begin(), inCts.end());
    inCts.erase(std::unique(inCts.begin(), inCts.end()), inCts.end());
    std::vector<int64_t> featCt(K);
    for (int64_t k = 0; k < K; ++k)
      featCt[k] = std::lower_bound(inCts.begin(), inCts.end(), tile.featCt[k]) -
                  inCts.begin();
    const std::vector<int64_t> &featBlock = tile.featBlock;
    if (featCt != prevCt || featBlock != prevBlock) {
      // Non-zero block diagonals per (input ct, output ct): d = (j_in -
      // j_out) mod F for every non-zero weight.
      // Marked in a dense (input ct, output ct, d) table first: a set
      // insertion per weight was most of the lowering's time.
      int64_t nIn = int64_t(inCts.size());
      // F is a power of two: d = (block_in - block_out) mod F by a mask.
      std::vector<char> present(size_t(nIn * outCts * F), 0);
      const int64_t mask = F - 1;
      for (int64_t k = 0; k < K; ++k) {
        const double *row = w.data.data() + k * M;
        char *at = present.data() + featCt[k] * outCts * F;
        for (int64_t m = 0; m < M; ++m)
          if (row[m] != 0)
            at[(m & ~mask) + ((featBlock[k] - m) & mask)] = 1;
      }
      diags.clear();
      for (int64_t ci = 0; ci < nIn; ++ci)
        for (int64_t co = 0; co < outCts; ++co)
          for (int64_t d = 0; d < F; ++d)
            if (present[size_t((ci * outCts + co) * F + d)])
              diags[{ci, co}].insert(d);
      // Baby-step size: minimise babies + giants over the union of
      // diagonals.
      std::set<int64_t> allD;
      for (auto &kv : diags)
        allD.insert(kv.second.begin(), kv.second.end());
      int64_t bestCost = INT64_MAX;
      for (int64_t b = 1; b <= F; b <<= 1) {
        std::set<int64_t> babies, giants;
        for (int64_t d : allD)
          babies.insert(d % b), giants.insert(d / b);
        int64_t cost = int64_t(babies.size()) * int64_t(inCts.size()) +
                       int64_t(giants.size()) * outCts;
        if (cost < bestCost)
          bestCost = cost, B = b;
      }
      featureAt.clear();
      for (int64_t k = 0; k < K; ++k)
        featureAt[{featCt[k], featBlock[k]}] = k;
      prevCt = featCt, prevBlock = featBlock;
    }
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
        for (int64_t t : tile.tokens)
          v[((jo * Tp + t + shift) % S + S) % S] = wv;
      }
      return v;
    };
    // Baby rotations of every input ciphertext (shared by all outputs).
    // Inputs about to run out of levels are refreshed before they are
    // rotated (one bootstrap per input, not per rotation).
    llvm::SmallVector<Ct> xin;
    for (int64_t c : inCts)
      xin.push_back(ensure(x.cts[c]));
    std::map<std::pair<int64_t, int64_t>, Ct> babyRot;
    auto baby = [&](int64_t ci, int64_t i) {
      auto key = std::make_pair(ci, i);
      auto it = babyRot.find(key);
      if (it != babyRot.end())
        return it->second;
      return babyRot[key] = rotate(xin[ci], i * Tp);
    };
    int64_t firstOut = int64_t(y.cts.size());
    for (int64_t co = 0; co < outCts; ++co) {
      // giant g -> sum_i rot(D_{gB+i}, -gB Tp) * rot(x, i Tp): one sum of
      // plaintext products per giant step.
      std::map<int64_t, std::pair<llvm::SmallVector<Ct>,
                                  std::vector<std::vector<double>>>>
          giantTerms;
      for (auto &kv : diags) {
        if (kv.first.second != co)
          continue;
        int64_t ci = kv.first.first;
        for (int64_t d : kv.second) {
          int64_t g = d / B, i = d % B;
          auto &[xs, ds] = giantTerms[g];
          xs.push_back(baby(ci, i));
          ds.push_back(diagonal(ci, co, d, g * B * Tp));
        }
      }
      std::map<int64_t, Ct> giantSums;
      for (auto &[g, terms] : giantTerms)
        giantSums[g] = dotPlainRaw(terms.first, terms.second);
      Ct acc;
      for (auto &[g, sum] : giantSums)
        acc = add(acc, rotate(sum, g * B * Tp));
      if (!acc)
        return fail(op, "the weight matrix is all zeros for some outputs");
      y.cts.push_back(rescale(acc));
    }
    for (int64_t r : tile.rows)
      for (int64_t m = 0; m < M; ++m)
        y.slot[r * M + m] =
            (firstOut + m / F) * S + (m % F) * Tp + rowToken[r];
  }
  if (bias) {
    Tensor bb = ::aegis::nn::expand(*bias, y.shape);
    auto vals = scatter(y, [&](int64_t i) { return bb.data[i]; });
    for (size_t c = 0; c < y.cts.size(); ++c)
      y.cts[c] = addPlain(y.cts[c], vals[c]);
  }
  return y;
}
