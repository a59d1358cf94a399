// RUN: aegis-opt %s --split-input-file --verify-diagnostics

// Every verifier message of the nn dialect.

func.func @matmul_shapes(%a: tensor<2x3xf32>, %b: tensor<4x5xf32>) {
  // expected-error @+1 {{'nn.matmul' op cannot multiply shapes [2x3] and [4x5]}}
  %0 = nn.matmul %a, %b : (tensor<2x3xf32>, tensor<4x5xf32>) -> tensor<2x5xf32>
  return
}

// -----

func.func @matmul_types(%a: tensor<2x3xf32>, %b: tensor<3x5xf64>) {
  // expected-error @+1 {{'nn.matmul' op expects operands to have the same element type, got 'f32' and 'f64'}}
  %0 = nn.matmul %a, %b : (tensor<2x3xf32>, tensor<3x5xf64>) -> tensor<2x5xf32>
  return
}

// -----

func.func @matmul_result(%a: tensor<2x3xf32>, %b: tensor<3x5xf32>) {
  // expected-error @+1 {{'nn.matmul' op expects result shape [2x5], got [2x4]}}
  %0 = nn.matmul %a, %b : (tensor<2x3xf32>, tensor<3x5xf32>) -> tensor<2x4xf32>
  return
}

// -----

func.func @gemm_rank(%a: tensor<2x3x4xf32>, %b: tensor<4x5xf32>) {
  // expected-error @+1 {{'nn.gemm' op expects 2-D A and B, got ranks 3 and 2}}
  %0 = nn.gemm %a, %b : (tensor<2x3x4xf32>, tensor<4x5xf32>) -> tensor<2x5xf32>
  return
}

// -----

func.func @gemm_inner(%a: tensor<2x3xf32>, %b: tensor<4x5xf32>) {
  // expected-error @+1 {{'nn.gemm' op inner dimensions differ: 3 and 5}}
  %0 = nn.gemm %a, %b {transB = true} : (tensor<2x3xf32>, tensor<4x5xf32>) -> tensor<2x4xf32>
  return
}

// -----

func.func @gemm_bias(%a: tensor<2x3xf32>, %b: tensor<3x5xf32>, %c: tensor<4xf32>) {
  // expected-error @+1 {{'nn.gemm' op bias of shape [4] does not broadcast to [2x5]}}
  %0 = nn.gemm %a, %b, %c : (tensor<2x3xf32>, tensor<3x5xf32>, tensor<4xf32>) -> tensor<2x5xf32>
  return
}

// -----

func.func @add_broadcast(%a: tensor<2x3xf32>, %b: tensor<4xf32>) {
  // expected-error @+1 {{'nn.add' op cannot broadcast shapes [2x3] and [4]}}
  %0 = nn.add %a, %b : (tensor<2x3xf32>, tensor<4xf32>) -> tensor<2x3xf32>
  return
}

// -----

func.func @sub_types(%a: tensor<3xf32>, %b: tensor<3xf64>) {
  // expected-error @+1 {{'nn.sub' op expects operands to have the same element type, got 'f32' and 'f64'}}
  %0 = nn.sub %a, %b : (tensor<3xf32>, tensor<3xf64>) -> tensor<3xf32>
  return
}

// -----

func.func @mul_result_type(%a: tensor<3xf32>, %b: tensor<3xf32>) {
  // expected-error @+1 {{'nn.mul' op expects operands and result to have the same element type, got 'f32' and 'f64'}}
  %0 = nn.mul %a, %b : (tensor<3xf32>, tensor<3xf32>) -> tensor<3xf64>
  return
}

// -----

func.func @div_shape(%a: tensor<2x1xf32>, %b: tensor<3xf32>) {
  // expected-error @+1 {{'nn.div' op expects result shape [2x3], got [2x1]}}
  %0 = nn.div %a, %b : (tensor<2x1xf32>, tensor<3xf32>) -> tensor<2x1xf32>
  return
}

// -----

func.func @gelu_mode(%a: tensor<3xf32>) {
  // expected-error @+1 {{'nn.gelu' op approximate must be "none" or "tanh", got "fast"}}
  %0 = nn.gelu %a {approximate = "fast"} : tensor<3xf32>
  return
}

// -----

func.func @cast_shape(%a: tensor<3xi64>) {
  // expected-error @+1 {{'nn.cast' op cannot change the shape}}
  %0 = nn.cast %a : tensor<3xi64> -> tensor<4xf32>
  return
}

// -----

func.func @where_cond(%c: tensor<3xf32>, %a: tensor<3xf32>) {
  // expected-error @+1 {{'nn.where' op expects an i1 condition, got 'f32'}}
  %0 = nn.where %c, %a, %a : (tensor<3xf32>, tensor<3xf32>, tensor<3xf32>) -> tensor<3xf32>
  return
}

// -----

func.func @where_broadcast(%c: tensor<4xi1>, %a: tensor<3xf32>) {
  // expected-error @+1 {{'nn.where' op condition and values do not broadcast together}}
  %0 = nn.where %c, %a, %a : (tensor<4xi1>, tensor<3xf32>, tensor<3xf32>) -> tensor<3xf32>
  return
}

// -----

func.func @where_types(%c: tensor<3xi1>, %a: tensor<3xf32>, %b: tensor<3xf64>) {
  // expected-error @+1 {{'nn.where' op expects values to have the same element type, got 'f32' and 'f64'}}
  %0 = nn.where %c, %a, %b : (tensor<3xi1>, tensor<3xf32>, tensor<3xf64>) -> tensor<3xf32>
  return
}

// -----

func.func @where_shape(%c: tensor<2x1xi1>, %a: tensor<3xf32>) {
  // expected-error @+1 {{'nn.where' op expects result shape [2x3], got [3]}}
  %0 = nn.where %c, %a, %a : (tensor<2x1xi1>, tensor<3xf32>, tensor<3xf32>) -> tensor<3xf32>
  return
}

// -----

func.func @reduce_axis(%a: tensor<2x3xf32>) {
  // expected-error @+1 {{'nn.reduce_mean' op axis 2 is out of range for rank 2}}
  %0 = nn.reduce_mean %a {axes = array<i64: 2>} : tensor<2x3xf32> -> tensor<2x1xf32>
  return
}

// -----

func.func @reduce_twice(%a: tensor<2x3xf32>) {
  // expected-error @+1 {{'nn.reduce_sum' op axis -1 is listed twice}}
  %0 = nn.reduce_sum %a {axes = array<i64: 1, -1>} : tensor<2x3xf32> -> tensor<2x1xf32>
  return
}

// -----

func.func @reduce_shape(%a: tensor<2x3xf32>) {
  // expected-error @+1 {{'nn.reduce_mean' op expects result shape [2], got [2x1]}}
  %0 = nn.reduce_mean %a {axes = array<i64: 1>, keepdims = false} : tensor<2x3xf32> -> tensor<2x1xf32>
  return
}

// -----

func.func @softmax_axis(%a: tensor<2x3xf32>) {
  // expected-error @+1 {{'nn.softmax' op axis -3 is out of range for rank 2}}
  %0 = nn.softmax %a {axis = -3 : i64} : tensor<2x3xf32>
  return
}

// -----

func.func @ln_axis(%a: tensor<2x3xf32>) {
  // expected-error @+1 {{'nn.layer_norm' op axis 2 is out of range for rank 2}}
  %0 = nn.layer_norm %a {axis = 2 : i64} : (tensor<2x3xf32>) -> tensor<2x3xf32>
  return
}

// -----

func.func @ln_scale(%a: tensor<2x3xf32>, %g: tensor<2xf32>) {
  // expected-error @+1 {{'nn.layer_norm' op scale/bias of shape [2] does not broadcast to the normalised shape [3]}}
  %0 = nn.layer_norm %a, %g : (tensor<2x3xf32>, tensor<2xf32>) -> tensor<2x3xf32>
  return
}

// -----

func.func @ln_eps(%a: tensor<2x3xf32>) {
  // expected-error @+1 {{'nn.layer_norm' op epsilon must be non-negative}}
  %0 = nn.layer_norm %a {epsilon = -1.0 : f64} : (tensor<2x3xf32>) -> tensor<2x3xf32>
  return
}

// -----

func.func @ln_shape(%a: tensor<2x3xf32>) {
  // expected-error @+1 {{'nn.layer_norm' op expects result shape [2x3], got [3x2]}}
  %0 = nn.layer_norm %a : (tensor<2x3xf32>) -> tensor<3x2xf32>
  return
}

// -----

func.func @att_rank(%q: tensor<8xf32>) {
  // expected-error @+1 {{'nn.attention' op expects query, key and value of rank >= 2}}
  %0 = nn.attention %q, %q, %q {scale = 1.0 : f64} : (tensor<8xf32>, tensor<8xf32>, tensor<8xf32>) -> tensor<8xf32>
  return
}

// -----

func.func @att_head(%q: tensor<4x8xf32>, %k: tensor<4x6xf32>) {
  // expected-error @+1 {{'nn.attention' op query and key head sizes differ: 8 and 6}}
  %0 = nn.attention %q, %k, %q {scale = 1.0 : f64} : (tensor<4x8xf32>, tensor<4x6xf32>, tensor<4x8xf32>) -> tensor<4x8xf32>
  return
}

// -----

func.func @att_len(%q: tensor<4x8xf32>, %v: tensor<5x8xf32>) {
  // expected-error @+1 {{'nn.attention' op key and value lengths differ: 4 and 5}}
  %0 = nn.attention %q, %q, %v {scale = 1.0 : f64} : (tensor<4x8xf32>, tensor<4x8xf32>, tensor<5x8xf32>) -> tensor<4x8xf32>
  return
}

// -----

func.func @att_batch(%q: tensor<2x4x8xf32>, %k: tensor<3x4x8xf32>) {
  // expected-error @+1 {{'nn.attention' op batch dimensions of query, key and value do not broadcast}}
  %0 = nn.attention %q, %k, %k {scale = 1.0 : f64} : (tensor<2x4x8xf32>, tensor<3x4x8xf32>, tensor<3x4x8xf32>) -> tensor<2x4x8xf32>
  return
}

// -----

func.func @att_mask(%q: tensor<4x8xf32>, %m: tensor<3x4xf32>) {
  // expected-error @+1 {{'nn.attention' op mask of shape [3x4] does not broadcast to the scores [4x4]}}
  %0 = nn.attention %q, %q, %q, %m {scale = 1.0 : f64} : (tensor<4x8xf32>, tensor<4x8xf32>, tensor<4x8xf32>, tensor<3x4xf32>) -> tensor<4x8xf32>
  return
}

// -----

func.func @att_shape(%q: tensor<4x8xf32>) {
  // expected-error @+1 {{'nn.attention' op expects result shape [4x8], got [4x4]}}
  %0 = nn.attention %q, %q, %q {scale = 1.0 : f64} : (tensor<4x8xf32>, tensor<4x8xf32>, tensor<4x8xf32>) -> tensor<4x4xf32>
  return
}

// -----

func.func @reshape_count(%a: tensor<2x3xf32>) {
  // expected-error @+1 {{'nn.reshape' op cannot reshape 6 elements into 7}}
  %0 = nn.reshape %a : tensor<2x3xf32> -> tensor<7xf32>
  return
}

// -----

func.func @reshape_type(%a: tensor<2x3xf32>) {
  // expected-error @+1 {{'nn.reshape' op expects input and result to have the same element type, got 'f32' and 'f64'}}
  %0 = nn.reshape %a : tensor<2x3xf32> -> tensor<6xf64>
  return
}

// -----

func.func @transpose_size(%a: tensor<2x3xf32>) {
  // expected-error @+1 {{'nn.transpose' op perm has 1 entries for rank 2}}
  %0 = nn.transpose %a {perm = array<i64: 0>} : tensor<2x3xf32> -> tensor<2x3xf32>
  return
}

// -----

func.func @transpose_perm(%a: tensor<2x3xf32>) {
  // expected-error @+1 {{'nn.transpose' op perm is not a permutation of 0..1}}
  %0 = nn.transpose %a {perm = array<i64: 0, 0>} : tensor<2x3xf32> -> tensor<2x3xf32>
  return
}

// -----

func.func @transpose_shape(%a: tensor<2x3xf32>) {
  // expected-error @+1 {{'nn.transpose' op expects result shape [3x2], got [2x3]}}
  %0 = nn.transpose %a {perm = array<i64: 1, 0>} : tensor<2x3xf32> -> tensor<2x3xf32>
  return
}

// -----

func.func @expand(%a: tensor<2x3xf32>) {
  // expected-error @+1 {{'nn.expand' op cannot broadcast [2x3] to [4x3]}}
  %0 = nn.expand %a : tensor<2x3xf32> -> tensor<4x3xf32>
  return
}

// -----

func.func @slice_params(%a: tensor<2x3xf32>) {
  // expected-error @+1 {{'nn.slice' op expects starts, ends, axes and steps of equal length, axes in range and non-zero steps}}
  %0 = nn.slice %a {axes = array<i64: 0>, starts = array<i64: 0>, ends = array<i64: 1>, steps = array<i64: 0>} : tensor<2x3xf32> -> tensor<1x3xf32>
  return
}

// -----

func.func @slice_shape(%a: tensor<2x3xf32>) {
  // expected-error @+1 {{'nn.slice' op expects result shape [2x2], got [2x1]}}
  %0 = nn.slice %a {axes = array<i64: 1>, starts = array<i64: 0>, ends = array<i64: 3>, steps = array<i64: 2>} : tensor<2x3xf32> -> tensor<2x1xf32>
  return
}

// -----

func.func @concat_empty() {
  // expected-error @+1 {{'nn.concat' op expects at least one input}}
  %0 = nn.concat {axis = 0 : i64} : () -> tensor<1xf32>
  return
}

// -----

func.func @concat_axis(%a: tensor<2x3xf32>) {
  // expected-error @+1 {{'nn.concat' op axis 2 is out of range for rank 2}}
  %0 = nn.concat %a, %a {axis = 2 : i64} : (tensor<2x3xf32>, tensor<2x3xf32>) -> tensor<4x3xf32>
  return
}

// -----

func.func @concat_rank(%a: tensor<2x3xf32>, %b: tensor<6xf32>) {
  // expected-error @+1 {{'nn.concat' op expects inputs of equal rank}}
  %0 = nn.concat %a, %b {axis = 0 : i64} : (tensor<2x3xf32>, tensor<6xf32>) -> tensor<4x3xf32>
  return
}

// -----

func.func @concat_dims(%a: tensor<2x3xf32>, %b: tensor<2x4xf32>) {
  // expected-error @+1 {{'nn.concat' op inputs differ in dimension 1 (not the concatenation axis)}}
  %0 = nn.concat %a, %b {axis = 0 : i64} : (tensor<2x3xf32>, tensor<2x4xf32>) -> tensor<4x3xf32>
  return
}

// -----

func.func @concat_shape(%a: tensor<2x3xf32>) {
  // expected-error @+1 {{'nn.concat' op expects result shape [2x6], got [4x3]}}
  %0 = nn.concat %a, %a {axis = 1 : i64} : (tensor<2x3xf32>, tensor<2x3xf32>) -> tensor<4x3xf32>
  return
}

// -----

func.func @split_axis(%a: tensor<2x3xf32>) {
  // expected-error @+1 {{'nn.split' op axis -3 is out of range for rank 2}}
  %0:2 = nn.split %a {axis = -3 : i64} : (tensor<2x3xf32>) -> (tensor<1x3xf32>, tensor<1x3xf32>)
  return
}

// -----

func.func @split_rank(%a: tensor<2x3xf32>) {
  // expected-error @+1 {{'nn.split' op expects results of the input's rank}}
  %0:2 = nn.split %a {axis = 0 : i64} : (tensor<2x3xf32>) -> (tensor<3xf32>, tensor<3xf32>)
  return
}

// -----

func.func @split_dim(%a: tensor<2x3xf32>) {
  // expected-error @+1 {{'nn.split' op result differs from the input in dimension 1}}
  %0:2 = nn.split %a {axis = 0 : i64} : (tensor<2x3xf32>) -> (tensor<1x3xf32>, tensor<1x2xf32>)
  return
}

// -----

func.func @split_cover(%a: tensor<2x3xf32>) {
  // expected-error @+1 {{'nn.split' op results cover 2 of the 3 elements along axis 1}}
  %0:2 = nn.split %a {axis = 1 : i64} : (tensor<2x3xf32>) -> (tensor<2x1xf32>, tensor<2x1xf32>)
  return
}

// -----

func.func @gather_axis(%a: tensor<2x3xf32>, %i: tensor<4xi64>) {
  // expected-error @+1 {{'nn.gather' op axis 2 is out of range for rank 2}}
  %0 = nn.gather %a, %i {axis = 2 : i64} : (tensor<2x3xf32>, tensor<4xi64>) -> tensor<4x3xf32>
  return
}

// -----

func.func @gather_shape(%a: tensor<2x3xf32>, %i: tensor<4xi64>) {
  // expected-error @+1 {{'nn.gather' op expects result shape [2x4], got [4x3]}}
  %0 = nn.gather %a, %i {axis = 1 : i64} : (tensor<2x3xf32>, tensor<4xi64>) -> tensor<4x3xf32>
  return
}

// -----

func.func @gather_float_idx(%a: tensor<2x3xf32>, %i: tensor<4xf32>) {
  // expected-error @+1 {{'nn.gather' op operand #1 must be statically shaped tensor of 64-bit signless integer or 32-bit signless integer values, but got 'tensor<4xf32>'}}
  %0 = nn.gather %a, %i {axis = 0 : i64} : (tensor<2x3xf32>, tensor<4xf32>) -> tensor<4x3xf32>
  return
}

// -----

func.func @dynamic_shape(%a: tensor<?x3xf32>) {
  // expected-error @+1 {{'nn.relu' op operand #0 must be statically shaped tensor of 32-bit float or 64-bit float values, but got 'tensor<?x3xf32>'}}
  %0 = nn.relu %a : tensor<?x3xf32>
  return
}

// -----

func.func @compare_predicate(%a: tensor<4xi64>) {
  // expected-error @+1 {{'nn.compare' op predicate must be eq, lt, gt, and or or, got 'ne'}}
  %0 = nn.compare %a, %a {predicate = "ne"} : (tensor<4xi64>, tensor<4xi64>) -> tensor<4xi1>
  return
}

// -----

func.func @compare_result(%a: tensor<4xi64>) {
  // expected-error @+1 {{'nn.compare' op expects an i1 result}}
  %0 = nn.compare %a, %a {predicate = "eq"} : (tensor<4xi64>, tensor<4xi64>) -> tensor<4xi64>
  return
}

// -----

func.func @not_of_ints(%a: tensor<4xi64>) {
  // expected-error @+1 {{'nn.not' op expects an i1 operand}}
  %0 = nn.not %a : tensor<4xi64>
  return
}

// -----

func.func @cumsum_axis(%a: tensor<2x4xi32>) {
  // expected-error @+1 {{'nn.cumsum' op axis 2 out of range for rank 2}}
  %0 = nn.cumsum %a {axis = 2 : i64} : tensor<2x4xi32>
  return
}

// -----

func.func @is_nan_result(%a: tensor<4xf32>) {
  // expected-error @+1 {{'nn.is_nan' op expects an i1 result, got 'f32'}}
  %0 = nn.is_nan %a : tensor<4xf32> -> tensor<4xf32>
  return
}
