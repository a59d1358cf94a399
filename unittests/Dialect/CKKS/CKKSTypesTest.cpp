// C++ API tests of the ckks dialect: type construction, parameter queries,
// and verifiers reached through the builder API rather than the parser.
#include "aegis/Dialect/CKKS/IR/CKKSOps.h"

#include "mlir/Dialect/Func/IR/FuncOps.h"
#include "mlir/IR/Builders.h"
#include "mlir/IR/BuiltinOps.h"
#include "mlir/IR/Diagnostics.h"
#include "mlir/IR/MLIRContext.h"
#include "mlir/IR/Verifier.h"

#include <gtest/gtest.h>

using namespace mlir;
using namespace mlir::aegis::ckks;

namespace {

class CKKSTest : public ::testing::Test {
protected:
  CKKSTest() : builder(&context) {
    context.loadDialect<CKKSDialect, func::FuncDialect>();
    module = ModuleOp::create(builder.getUnknownLoc());
    builder.setInsertionPointToEnd(module->getBody());
  }

  /// Creates a function whose arguments have `types` and positions the
  /// builder inside its body.
  func::FuncOp makeFunc(ArrayRef<Type> types) {
    auto fn = func::FuncOp::create(builder, builder.getUnknownLoc(), "f",
                                   builder.getFunctionType(types, {}));
    Block *entry = fn.addEntryBlock();
    builder.setInsertionPointToStart(entry);
    return fn;
  }

  /// Verifies the module and returns the first error message, or "".
  std::string verifyMessage() {
    std::string message;
    ScopedDiagnosticHandler handler(&context, [&](Diagnostic &diag) {
      if (message.empty())
        message = diag.str();
      return success();
    });
    if (succeeded(verify(*module)))
      return "";
    return message;
  }

  CiphertextType ct(unsigned level, unsigned logScale, unsigned slots = 8,
                    unsigned size = 2) {
    return CiphertextType::get(&context, slots, level, logScale, size);
  }

  MLIRContext context;
  OpBuilder builder;
  OwningOpRef<ModuleOp> module;
};

TEST_F(CKKSTest, TypeDefaultsAndHelpers) {
  CiphertextType t = CiphertextType::get(&context, 16, 4, 40);
  EXPECT_EQ(t.getSize(), 2u);
  EXPECT_EQ(t.withLevel(2).getLevel(), 2u);
  EXPECT_EQ(t.withLogScale(80).getLogScale(), 80u);
  EXPECT_EQ(t.withSize(3).getSize(), 3u);
  EXPECT_EQ(t.withSize(3).withSize(2), t);
}

TEST_F(CKKSTest, GetCheckedRejectsBadTypes) {
  auto loc = builder.getUnknownLoc();
  auto emit = [&] { return emitError(loc); };
  ScopedDiagnosticHandler quiet(&context, [](Diagnostic &) { return success(); });
  EXPECT_FALSE(CiphertextType::getChecked(emit, &context, 12u, 1u, 40u, 2u));
  EXPECT_FALSE(CiphertextType::getChecked(emit, &context, 8u, 1u, 0u, 2u));
  EXPECT_FALSE(CiphertextType::getChecked(emit, &context, 8u, 1u, 40u, 4u));
  EXPECT_FALSE(PlaintextType::getChecked(emit, &context, 0u, 1u, 40u));
  EXPECT_TRUE(CiphertextType::getChecked(emit, &context, 8u, 1u, 40u, 3u));
}

// Empty prime lists cannot be written in the textual form (the parser wants
// an integer), so their verifier messages are tested here.
TEST_F(CKKSTest, ParamsRejectEmptyChains) {
  std::string message;
  ScopedDiagnosticHandler handler(&context, [&](Diagnostic &diag) {
    message = diag.str();
    return success();
  });
  auto emit = [&] { return emitError(builder.getUnknownLoc()); };
  EXPECT_FALSE(ParamsAttr::getChecked(emit, &context, 12u,
                                      ArrayRef<int64_t>{},
                                      ArrayRef<int64_t>{60}, 1u));
  EXPECT_EQ(message, "logQ must list at least one prime");
  EXPECT_FALSE(ParamsAttr::getChecked(emit, &context, 12u,
                                      ArrayRef<int64_t>{60},
                                      ArrayRef<int64_t>{}, 1u));
  EXPECT_EQ(message, "logP must list at least one special prime");
}

TEST_F(CKKSTest, ParamsQueries) {
  auto params = ParamsAttr::get(&context, 14, {60, 40, 40}, {60, 60}, 2);
  EXPECT_EQ(params.getMaxLevel(), 2u);
  EXPECT_EQ(params.getMaxSlots(), 8192u);
  EXPECT_EQ(params.getLogQP(), 60 + 40 + 40 + 60 + 60);
}

TEST_F(CKKSTest, BuilderMadeMismatchIsRejected) {
  auto fn = makeFunc({ct(3, 40), ct(2, 40)});
  Value a = fn.getArgument(0), b = fn.getArgument(1);
  AddOp::create(builder, builder.getUnknownLoc(), ct(3, 40), a, b);
  func::ReturnOp::create(builder, builder.getUnknownLoc());
  EXPECT_EQ(verifyMessage(),
            "'ckks.add' op expects operands at the same level, got 3 and 2");
}

TEST_F(CKKSTest, ParamsBoundLevels) {
  // Regression (issue 19): dnum = 1 made one 100-bit digit that P = 60 bits
  // cannot cover, so ParamsAttr::get aborted on its verifier in Debug
  // builds; getChecked says so in every build.
  auto params = ParamsAttr::getChecked(
      [&] { return emitError(builder.getUnknownLoc()); }, &context, 13,
      {60, 40}, {60}, 2);
  ASSERT_TRUE(params);
  (*module)->setAttr(CKKSDialect::kParamsAttrName, params);
  auto fn = makeFunc({ct(5, 40)});
  NegateOp::create(builder, builder.getUnknownLoc(), ct(5, 40),
                   fn.getArgument(0));
  func::ReturnOp::create(builder, builder.getUnknownLoc());
  EXPECT_EQ(verifyMessage(), "'ckks.negate' op operand level 5 exceeds the "
                             "maximum level 1 of the module's ckks.params");
}

TEST_F(CKKSTest, RotationsCombineWhenFolded) {
  auto fn = makeFunc({ct(1, 40)});
  auto loc = builder.getUnknownLoc();
  Value x = fn.getArgument(0);
  Value r1 = RotateOp::create(builder, loc, ct(1, 40), x, 3);
  Value folded = builder.createOrFold<RotateOp>(loc, ct(1, 40), r1, 6);
  auto r2 = folded.getDefiningOp<RotateOp>();
  ASSERT_TRUE(r2);
  // 3 + 6 = 9 = 1 (mod 8): one rotation by 1 of the original input.
  EXPECT_EQ(r2.getInput(), x);
  EXPECT_EQ(r2.getOffsetAttr().getInt(), 1);
  func::ReturnOp::create(builder, loc);
  EXPECT_EQ(verifyMessage(), "");
}

} // namespace
