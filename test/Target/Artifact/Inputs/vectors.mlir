// Writes test vectors with the nn interpreter (no numpy needed).
func.func @main() -> (tensor<8xf64>, tensor<8xf64>, tensor<4xf64>) {
  %x = nn.constant dense<[0.5, -1.0, 0.25, 2.0, 1.5, -0.75, 0.125, 1.0]> : tensor<8xf64>
  %y = nn.constant dense<[1.0, 2.0, -3.0, 0.5, 0.25, 4.0, -1.0, 0.5]> : tensor<8xf64>
  %s = nn.constant dense<[1.0, 2.0, 3.0, 4.0]> : tensor<4xf64>
  return %x, %y, %s : tensor<8xf64>, tensor<8xf64>, tensor<4xf64>
}
