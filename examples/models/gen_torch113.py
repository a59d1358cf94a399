#!/usr/bin/python3
"""Generate the nn.Transformer-family fixtures with Debian's torch 1.13.

Run with Debian's interpreter (python3-torch, python3-onnx, python3-numpy):

    /usr/bin/python3 examples/models/gen_torch113.py

Writes NAME.onnx and NAME.input.npy next to this file, plus the PyTorch outputs and
metadata under .work/ (git-ignored); then run finalize.py to produce NAME.ref.npy
(onnxruntime) and manifest.json.

Models (all float32, eval mode, dropout 0):
  encoder_{relu,gelu}_{post,pre}norm_op{14,17}  nn.TransformerEncoderLayer d32 h4 ff64
  gpt_block_op17                                 hand-written GPT-style pre-norm block
  encoder2_final_ln_op17                         nn.TransformerEncoder, 2 layers + final LayerNorm
  bert_base_layer_op17                           nn.TransformerEncoderLayer d768 h12 ff3072 seq128
"""
import math
import sys

import numpy as np
import torch
import torch.nn as nn

import fixture_common as fc

EXPORTER = "torch.onnx.export (TorchScript tracer), do_constant_folding=True"


def producer():
    return {"torch": torch.__version__, "exporter": EXPORTER,
            "interpreter": "/usr/bin/python3 %d.%d.%d" % sys.version_info[:3]}


def perturb_affine(model, seed):
    """Make LayerNorm gamma/beta and all-zero biases non-trivial (deterministically),
    so an importer bug in a bias or LayerNorm affine term cannot hide behind 1s and 0s."""
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for mod in model.modules():
            if isinstance(mod, nn.LayerNorm):
                mod.weight.copy_(1.0 + 0.1 * torch.randn(mod.weight.shape, generator=g))
                mod.bias.copy_(0.1 * torch.randn(mod.bias.shape, generator=g))
        for pname, p in model.named_parameters():
            if pname.endswith("bias") and bool((p == 0).all()):
                p.copy_(0.05 * torch.randn(p.shape, generator=g))


def normal_input(shape, seed):
    return np.random.default_rng(seed).standard_normal(shape).astype(np.float32)


def export(name, model, x, opset, description, dynamic=False, extra=None):
    model.eval()
    xt = torch.from_numpy(x)
    # Grad stays enabled (parameters require grad), so nn.TransformerEncoderLayer takes
    # its ordinary (non-"fast path") code both here and while tracing.
    y = model(xt).detach().numpy()
    dyn = {"x": {0: "batch", 1: "seq"}, "y": {0: "batch", 1: "seq"}} if dynamic else None
    torch.onnx.export(model, (xt,), fc.out_path(name, ".onnx"), input_names=["x"],
                      output_names=["y"], opset_version=opset, dynamic_axes=dyn,
                      do_constant_folding=True, export_params=True)
    fc.write_meta(name, description=description, inputs={"x": x}, outputs=["y"],
                  opset=opset, producer=producer(), torch_outputs={"y": y},
                  dynamic_axes=({"x": {"0": "batch", "1": "seq"}} if dynamic else None),
                  extra=extra)


# ---------------------------------------------------------------- GPT-style block
class GptBlock(nn.Module):
    """Pre-norm GPT block: x + attn(ln1(x)); x + mlp(ln2(x)).

    Attention is written out with matmul/softmax; the causal mask is a constant
    lower-triangular buffer applied with masked_fill(-1e9) (exported as Where).
    -1e9 rather than -inf so that rewriting the Where as mask*s + (1-mask)*c never
    produces 0*inf = NaN. MLP uses the tanh form of GELU written explicitly.
    """

    def __init__(self, d_model=32, n_head=4, max_len=8):
        super().__init__()
        self.n_head = n_head
        self.d_head = d_model // n_head
        self.ln1 = nn.LayerNorm(d_model)
        self.qkv = nn.Linear(d_model, 3 * d_model)
        self.proj = nn.Linear(d_model, d_model)
        self.ln2 = nn.LayerNorm(d_model)
        self.fc = nn.Linear(d_model, 4 * d_model)
        self.fc_out = nn.Linear(4 * d_model, d_model)
        self.register_buffer("causal", torch.tril(torch.ones(max_len, max_len, dtype=torch.bool)))

    @staticmethod
    def gelu_tanh(x):
        return 0.5 * x * (1.0 + torch.tanh(math.sqrt(2.0 / math.pi) * (x + 0.044715 * torch.pow(x, 3))))

    def attn(self, x):
        b, t, c = x.shape
        q, k, v = self.qkv(x).split(c, dim=2)
        q = q.reshape(b, t, self.n_head, self.d_head).transpose(1, 2)
        k = k.reshape(b, t, self.n_head, self.d_head).transpose(1, 2)
        v = v.reshape(b, t, self.n_head, self.d_head).transpose(1, 2)
        s = torch.matmul(q, k.transpose(-2, -1)) * (1.0 / math.sqrt(self.d_head))
        s = s.masked_fill(~self.causal[:t, :t], -1e9)
        p = torch.softmax(s, dim=-1)
        y = torch.matmul(p, v).transpose(1, 2).reshape(b, t, c)
        return self.proj(y)

    def forward(self, x):
        x = x + self.attn(self.ln1(x))
        x = x + self.fc_out(self.gelu_tanh(self.fc(self.ln2(x))))
        return x


def main():
    print("torch", torch.__version__)
    torch.manual_seed(0)

    # 1. TransformerEncoderLayer: {relu, gelu} x {post, pre}-norm x {opset 14, 17}
    dynamic_ones = {("relu", False, 14), ("gelu", True, 17)}
    seed = 100
    for act in ("relu", "gelu"):
        for norm_first in (False, True):
            for opset in (14, 17):
                seed += 1
                torch.manual_seed(seed)
                layer = nn.TransformerEncoderLayer(d_model=32, nhead=4, dim_feedforward=64,
                                                   dropout=0.0, activation=act,
                                                   batch_first=True, norm_first=norm_first)
                perturb_affine(layer, seed)
                dyn = (act, norm_first, opset) in dynamic_ones
                name = "encoder_%s_%s_op%d%s" % (act, "prenorm" if norm_first else "postnorm",
                                                  opset, "_dyn" if dyn else "")
                desc = ("nn.TransformerEncoderLayer(d_model=32, nhead=4, dim_feedforward=64, "
                        "activation=%s, norm_first=%s, batch_first=True), opset %d, %s"
                        % (act, norm_first, opset,
                           "dynamic batch and seq axes" if dyn else "static shapes"))
                export(name, layer, normal_input((1, 8, 32), seed), opset, desc, dynamic=dyn)

    # 2. Hand-written GPT-style block
    torch.manual_seed(200)
    blk = GptBlock(32, 4, 8)
    perturb_affine(blk, 200)
    export("gpt_block_op17", blk, normal_input((1, 8, 32), 200), 17,
           "Hand-written GPT-style pre-norm block, d_model=32, 4 heads, seq 8: explicit "
           "MatMul/Softmax attention, constant lower-triangular causal mask via masked_fill(-1e9) "
           "(Where), tanh-form GELU, MLP 32->128->32")

    # 3. Two-layer encoder with a final LayerNorm
    torch.manual_seed(300)
    layer = nn.TransformerEncoderLayer(d_model=32, nhead=4, dim_feedforward=64, dropout=0.0,
                                       activation="gelu", batch_first=True, norm_first=True)
    enc = nn.TransformerEncoder(layer, num_layers=2, norm=nn.LayerNorm(32),
                                enable_nested_tensor=False)
    # nn.TransformerEncoder deep-copies the layer: give each copy its own weights.
    with torch.no_grad():
        for p in enc.layers[1].parameters():
            p.add_(0.1 * torch.randn(p.shape))
    perturb_affine(enc, 300)
    export("encoder2_final_ln_op17", enc, normal_input((1, 8, 32), 300), 17,
           "nn.TransformerEncoder of 2 pre-norm gelu layers (d_model=32, nhead=4, ff=64) "
           "plus final LayerNorm, seq 8, opset 17")

    # 5. BERT-base-shaped layer (compile-time tests)
    torch.manual_seed(500)
    big = nn.TransformerEncoderLayer(d_model=768, nhead=12, dim_feedforward=3072, dropout=0.0,
                                     activation="gelu", layer_norm_eps=1e-12,
                                     batch_first=True, norm_first=False)
    perturb_affine(big, 500)
    export("bert_base_layer_op17", big, normal_input((1, 128, 768), 500), 17,
           "BERT-base-shaped post-norm layer: nn.TransformerEncoderLayer(768, 12 heads, "
           "ff 3072, erf-GELU, eps 1e-12), seq 128, opset 17, ~28 MB of float32 weights")


if __name__ == "__main__":
    main()
