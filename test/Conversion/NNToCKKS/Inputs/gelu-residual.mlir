// A dense layer, erf GELU and a residual: shallow enough for 128-bit parameters.
module {
  func.func @main(%x: tensor<1x8x16xf32> {nn.name = "x"}) -> (tensor<1x8x16xf32> {nn.name = "y"}) {
    %w = nn.constant dense<0.25> : tensor<16x16xf32>
    %b = nn.constant dense<0.1> : tensor<16xf32>
    %y = nn.matmul %x, %w : (tensor<1x8x16xf32>, tensor<16x16xf32>) -> tensor<1x8x16xf32>
    %z = nn.add %y, %b : (tensor<1x8x16xf32>, tensor<16xf32>) -> tensor<1x8x16xf32>
    %g = nn.gelu %z : tensor<1x8x16xf32>
    %r = nn.add %g, %x : (tensor<1x8x16xf32>, tensor<1x8x16xf32>) -> tensor<1x8x16xf32>
    return %r : tensor<1x8x16xf32>
  }
}
