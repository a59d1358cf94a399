#!/usr/bin/env python3
"""Generate the fixtures that need PyPI torch 2.x: the Hugging Face transformers models
(BERT encoder, GPT-2) at opset 18, and the BERT-base layer with a dynamic token axis.

Needs PyPI torch 2.x + transformers (random weights from a small config: nothing is
downloaded). Run with the fixtures venv (see README.md for how it was made):

    /work/venv-fixtures/bin/python examples/models/gen_hf.py [NAME ...]

Writes NAME.onnx and NAME.input.npy next to this file, the PyTorch outputs and
metadata under .work/; then run finalize.py. With NAME arguments only those models are
exported (the others' files are left alone); without, all of them.

Models:
  hf_bert_tiny_op18, hf_bert_tiny_op18_dynamo   transformers BertModel, hidden 32, 2 layers
  hf_gpt2_tiny_op18                             transformers GPT2Model, n_embd 32, 2 layers
  bert_base_layer_op17_dyn                      gen_torch113.py's bert_base_layer_op17 (same
                                                seed, weights and input), exported by torch
                                                2.x's TorchScript exporter with dynamic
                                                batch and seq axes, opset 17
"""
import sys
import warnings

import numpy as np
import torch
import transformers
from transformers import BertConfig, BertModel, GPT2Config, GPT2Model

import fixture_common as fc

OPSET = 18
SEQ = 8
VOCAB = 100

MODELS = {"hf_bert_tiny_op18", "hf_bert_tiny_op18_dynamo", "hf_gpt2_tiny_op18",
          "bert_base_layer_op17_dyn"}
ONLY = set()  # model names given on the command line; empty: all of them


def wanted(name):
    return not ONLY or name in ONLY


def producer(dynamo):
    return {"torch": torch.__version__, "transformers": transformers.__version__,
            "exporter": ("torch.onnx.export(dynamo=True); node metadata_props stripped "
                         "and ir_version 10 -> 8 afterwards" if dynamo else
                         "torch.onnx.export(dynamo=False) (TorchScript tracer), "
                         "do_constant_folding=True"),
            "interpreter": "%s %d.%d.%d" % ((sys.executable,) + sys.version_info[:3])}


def producer_torchscript_dynamic():
    """For the nn.TransformerEncoderLayer export (no transformers involved)."""
    return {"torch": torch.__version__,
            "exporter": "torch.onnx.export(dynamo=False) (TorchScript tracer), "
                        "do_constant_folding=True, dynamic_axes x/y {0: batch, 1: seq}; "
                        "aten::unflatten by gen_hf.unflatten_static_dim",
            "interpreter": "%s %d.%d.%d" % ((sys.executable,) + sys.version_info[:3])}


def perturb_affine(model, seed):
    """Non-trivial LayerNorm gamma/beta and biases (HF initialises them to 1 and 0)."""
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for mod in model.modules():
            if isinstance(mod, torch.nn.LayerNorm):
                mod.weight.copy_(1.0 + 0.1 * torch.randn(mod.weight.shape, generator=g))
                mod.bias.copy_(0.1 * torch.randn(mod.bias.shape, generator=g))
        for pname, p in model.named_parameters():
            if pname.endswith("bias") and bool((p == 0).all()):
                p.copy_(0.05 * torch.randn(p.shape, generator=g))


def strip_node_metadata(path):
    """The dynamo exporter attaches per-node metadata_props (stack traces with local file
    paths, fx node text): drop them so the file is smaller and machine-independent.
    It also writes ir_version 10; node metadata_props were the only IR >= 9 feature in
    these graphs, so set ir_version 8 (the IR opset 18 was released with), which
    onnx 1.12 (Debian's python3-onnx / libonnx-dev) accepts."""
    import onnx
    m = onnx.load(path)
    for n in m.graph.node:
        del n.metadata_props[:]
    assert not m.functions and not m.metadata_props
    allowed = {onnx.TensorProto.FLOAT, onnx.TensorProto.INT64, onnx.TensorProto.BOOL}
    assert all(t.data_type in allowed for t in m.graph.initializer)
    if m.ir_version > 8:
        m.ir_version = 8
    onnx.checker.check_model(m, full_check=True)
    onnx.save(m, path)


class LastHidden(torch.nn.Module):
    """input_ids -> last_hidden_state; no attention mask input (all tokens attend)."""

    def __init__(self, model):
        super().__init__()
        self.model = model

    def forward(self, input_ids):
        return self.model(input_ids=input_ids, use_cache=False, return_dict=True).last_hidden_state \
            if isinstance(self.model, GPT2Model) else \
            self.model(input_ids=input_ids, return_dict=True).last_hidden_state


def export(name, model, ids, description, dynamo=False, notes=None):
    if not wanted(name):
        return
    wrapped = LastHidden(model).eval()
    idt = torch.from_numpy(ids)
    with torch.no_grad():
        y = wrapped(idt).numpy()
    path = fc.out_path(name, ".onnx")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if dynamo:
            prog = torch.onnx.export(wrapped, (idt,), input_names=["input_ids"],
                                     output_names=["last_hidden_state"], opset_version=OPSET,
                                     dynamo=True, external_data=False)
            prog.save(path, external_data=False)
            strip_node_metadata(path)
        else:
            torch.onnx.export(wrapped, (idt,), path, input_names=["input_ids"],
                              output_names=["last_hidden_state"], opset_version=OPSET,
                              dynamo=False, do_constant_folding=True)
    fc.write_meta(name, description=description, inputs={"input_ids": ids},
                  outputs=["last_hidden_state"], opset=OPSET, producer=producer(dynamo),
                  torch_outputs={"last_hidden_state": y},
                  extra={"notes": notes} if notes else None)


class EncoderLayerXOnly(torch.nn.TransformerEncoderLayer):
    """nn.TransformerEncoderLayer whose forward takes only the input. torch 2.x's
    TorchScript exporter fills in the defaults of the remaining forward arguments and
    traces them as tensors; is_causal=False would then reach scaled_dot_product_attention
    as a bool tensor, which it rejects. Same parameters (names, init, RNG use) as the
    base class."""

    def forward(self, src):  # pylint: disable=arguments-differ
        return super().forward(src)


def normal_input(shape, seed):
    """As gen_torch113.normal_input."""
    return np.random.default_rng(seed).standard_normal(shape).astype(np.float32)


def unflatten_static_dim(g, input, dim, unflattened_size):
    """ONNX symbolic for aten::unflatten with the dimension resolved at export time.

    torch 2.x's MultiheadAttention splits the packed q/k/v projection with
    proj.unflatten(-1, (3, E)). The stock opset-13+ symbolic normalises dim with
    Add/Mod nodes, which the TorchScript exporter's shape inference does not fold; the
    unflattened tensor then keeps the traced (static) shape, and k.shape[0] / v.shape[0]
    (the token count) are exported as the constant 128 in the k and v Reshape targets.
    Here dim is a constant and the input rank is known, so the target shape is
    Concat(Shape(input)[:dim], unflattened_size, Shape(input)[dim+1:]) with constant
    slice bounds: the same Reshape, with the token count Shape-derived."""
    from torch.onnx._internal.torchscript_exporter import symbolic_helper
    rank = symbolic_helper._get_tensor_rank(input)
    d = symbolic_helper._get_const(dim, "i", "dim") % rank
    shape = g.op("Shape", input)
    parts = []
    if d > 0:
        parts.append(symbolic_helper._slice_helper(g, shape, axes=[0], starts=[0], ends=[d]))
    parts.append(unflattened_size)
    if d + 1 < rank:
        parts.append(symbolic_helper._slice_helper(g, shape, axes=[0], starts=[d + 1],
                                                   ends=[rank]))
    return symbolic_helper._reshape_helper(g, input, g.op("Concat", *parts, axis_i=0))


def export_encoder_layer_dynamic(name, model, x, opset, description, notes=None):
    """As gen_torch113.export(..., dynamic=True), with torch 2.x's TorchScript exporter
    (and aten::unflatten exported by unflatten_static_dim)."""
    if not wanted(name):
        return
    model.eval()
    xt = torch.from_numpy(x)
    # Grad stays enabled (parameters require grad), so nn.TransformerEncoderLayer takes
    # its ordinary (non-"fast path") code both here and while tracing.
    y = model(xt).detach().numpy()
    dyn = {"x": {0: "batch", 1: "seq"}, "y": {0: "batch", 1: "seq"}}
    torch.onnx.register_custom_op_symbolic("aten::unflatten", unflatten_static_dim, opset)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            torch.onnx.export(model, (xt,), fc.out_path(name, ".onnx"), input_names=["x"],
                              output_names=["y"], opset_version=opset, dynamic_axes=dyn,
                              do_constant_folding=True, export_params=True, dynamo=False)
    finally:
        torch.onnx.unregister_custom_op_symbolic("aten::unflatten", opset)
    fc.write_meta(name, description=description, inputs={"x": x}, outputs=["y"],
                  opset=opset, producer=producer_torchscript_dynamic(),
                  torch_outputs={"y": y}, dynamic_axes={"x": {"0": "batch", "1": "seq"}},
                  extra={"notes": notes} if notes else None)


def main():
    ONLY.update(sys.argv[1:])
    if ONLY - MODELS:
        sys.exit("unknown model(s): %s (known: %s)" % (" ".join(sorted(ONLY - MODELS)),
                                                       " ".join(sorted(MODELS))))
    print("torch", torch.__version__, "transformers", transformers.__version__)
    # initializer_range 0.2 (HF default 0.02) so that attention is far from uniform at d=32.
    torch.manual_seed(400)
    bcfg = BertConfig(vocab_size=VOCAB, hidden_size=32, num_hidden_layers=2,
                      num_attention_heads=4, intermediate_size=64, max_position_embeddings=16,
                      type_vocab_size=2, hidden_dropout_prob=0.0,
                      attention_probs_dropout_prob=0.0, initializer_range=0.2,
                      attn_implementation="eager")
    bert = BertModel(bcfg, add_pooling_layer=False).eval()
    perturb_affine(bert, 400)
    ids = np.random.default_rng(400).integers(0, VOCAB, size=(1, SEQ), dtype=np.int64)
    export("hf_bert_tiny_op18", bert, ids,
           "transformers BertModel (hidden 32, 2 layers, 4 heads, intermediate 64, vocab 100, "
           "max positions 16, no pooler, eager attention), input_ids [1,8] only "
           "(token_type_ids=0, no attention mask), output last_hidden_state, opset 18, "
           "TorchScript exporter",
           notes="Three embedding Gathers (word, position, token type). Position ids and "
                 "token_type_ids are constants; the token_type path keeps a small constant "
                 "subgraph (ConstantOfShape/Equal/Where/Expand/GatherElements) that folds "
                 "away. Linear weights are pre-transposed MatMul initializers.")
    export("hf_bert_tiny_op18_dynamo", bert, ids,
           "Same BertModel weights and input as hf_bert_tiny_op18, exported with the "
           "dynamo exporter (torch.export + onnxscript) instead, opset 18",
           dynamo=True,
           notes="dynamo flavour: Linear layers are MatMul + Add with pre-transposed weight "
                 "initializers; the constant position and token-type embeddings are folded "
                 "into initializers 'embedding_1'/'embedding_2' [1,8,32] (only the word "
                 "embedding is a Gather); an all-zero additive attention mask initializer "
                 "'where' [1,1,8,8] is still Added to the scores.")

    torch.manual_seed(401)
    gcfg = GPT2Config(vocab_size=VOCAB, n_embd=32, n_layer=2, n_head=4, n_positions=16,
                      n_inner=None, resid_pdrop=0.0, embd_pdrop=0.0, attn_pdrop=0.0,
                      initializer_range=0.2, use_cache=False, attn_implementation="eager",
                      bos_token_id=VOCAB - 1, eos_token_id=VOCAB - 1)
    gpt2 = GPT2Model(gcfg).eval()
    perturb_affine(gpt2, 401)
    ids = np.random.default_rng(401).integers(0, VOCAB, size=(1, SEQ), dtype=np.int64)
    export("hf_gpt2_tiny_op18", gpt2, ids,
           "transformers GPT2Model (n_embd 32, 2 layers, 4 heads, n_inner 128, vocab 100, "
           "n_positions 16, gelu_new, eager attention with causal mask), input_ids [1,8] only, "
           "output last_hidden_state (incl. ln_f), opset 18",
           # The TorchScript exporter stops at aten::diff (transformers' mask utilities).
           dynamo=True,
           notes="dynamo exporter: the causal mask is constant-folded into the initializer "
                 "'where' [1,1,8,8], an ADDITIVE mask of 0 / float32 min (-3.4028235e38) "
                 "added to the scaled scores; the position embedding (wpe rows 0..7) is folded "
                 "into the initializer 'embedding_1' [1,8,32], so only the token embedding "
                 "is a Gather. GELU is the tanh form (gelu_new) written with Pow/Tanh.")

    # BERT-base-shaped layer as gen_torch113.py's item 5 (bert_base_layer_op17: same seed,
    # weights and input), with dynamic batch and seq axes so that the attention's reshape
    # targets come from Shape (or are -1) instead of the constant 128.
    torch.manual_seed(500)
    big = EncoderLayerXOnly(d_model=768, nhead=12, dim_feedforward=3072, dropout=0.0,
                            activation="gelu", layer_norm_eps=1e-12, batch_first=True,
                            norm_first=False)
    perturb_affine(big, 500)
    export_encoder_layer_dynamic(
        "bert_base_layer_op17_dyn", big, normal_input((1, 128, 768), 500), 17,
        "BERT-base-shaped post-norm layer: nn.TransformerEncoderLayer(768, 12 heads, ff 3072, "
        "erf-GELU, eps 1e-12), opset 17, dynamic batch and seq axes (sample input seq 128), "
        "~28 MB of float32 weights; torch 2.x TorchScript exporter",
        notes="Same weights and input as bert_base_layer_op17 (torch 1.13 export, static "
              "shapes); its reference agrees with bert_base_layer_op17.ref.npy. The token "
              "count reaches the Reshape targets only through Shape/Gather/Unsqueeze/Concat "
              "(or -1): fix it with --aegis-input-shape=x:1xTx768.")


if __name__ == "__main__":
    main()
