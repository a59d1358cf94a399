#!/usr/bin/env python3
"""Generate the Hugging Face transformers fixtures (BERT encoder, GPT-2) at opset 18.

Needs PyPI torch 2.x + transformers (random weights from a small config: nothing is
downloaded). Run with the fixtures venv (see README.md for how it was made):

    /work/venv-fixtures/bin/python examples/models/gen_hf.py

Writes NAME.onnx and NAME.input.npy next to this file, the PyTorch outputs and
metadata under .work/; then run finalize.py.
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


def producer(dynamo):
    return {"torch": torch.__version__, "transformers": transformers.__version__,
            "exporter": ("torch.onnx.export(dynamo=True); node metadata_props stripped "
                         "and ir_version 10 -> 8 afterwards" if dynamo else
                         "torch.onnx.export(dynamo=False) (TorchScript tracer), "
                         "do_constant_folding=True"),
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


def main():
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


if __name__ == "__main__":
    main()
