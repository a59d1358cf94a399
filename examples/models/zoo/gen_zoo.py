#!/usr/bin/env python3
"""Regenerate the model zoo: small Transformers of the families people export, random
weights, an input and an onnxruntime reference each, and manifest.json.

    bash examples/models/setup_venv.sh                     # once: /work/venv-fixtures
    /work/venv-fixtures/bin/python examples/models/zoo/gen_zoo.py [NAME ...]

Deterministic (seeded): with the same torch / transformers / onnxruntime versions a re-run
leaves `git status examples/models/zoo` clean. Every model is exported, checked with
onnx.checker, run by onnxruntime (CPU, one thread, no graph optimisation) on the committed
input, and compared with PyTorch's output (|torch - ort| is recorded in the manifest).

Families: causal / padding masks in every spelling (masked_fill with -1e4, -1e9, -inf,
finfo.min, where, additive float masks, masks from triu / tril / arange comparisons,
scaled_dot_product_attention with is_causal or attn_mask), Hugging Face BERT, DistilBERT,
RoBERTa, GPT-2 (TorchScript and dynamo), LLaMA-style blocks (RMSNorm, SwiGLU, rotary,
grouped-query attention), a ViT-style encoder over flattened patches with a class token,
nn.TransformerEncoder / DecoderLayer; opsets 13 to 21.
"""
import hashlib
import json
import math
import os
import sys
import warnings

import numpy as np
import onnx
import onnxruntime as ort
import torch
import torch.nn.functional as F
from torch import nn

HERE = os.path.dirname(os.path.abspath(__file__))
D, HEADS, T, FF = 32, 4, 8, 64
ONLY = set(sys.argv[1:])
MODELS = []


def save_npy(path, arr):
    arr = np.ascontiguousarray(arr)
    with open(path, "wb") as f:
        np.lib.format.write_array(f, arr, version=(1, 0), allow_pickle=False)


def sha256(path):
    with open(path, "rb") as f:
        return hashlib.sha256(f.read()).hexdigest()


def session(path):
    so = ort.SessionOptions()
    so.intra_op_num_threads = 1
    so.inter_op_num_threads = 1
    so.graph_optimization_level = ort.GraphOptimizationLevel.ORT_DISABLE_ALL
    return ort.InferenceSession(path, so, providers=["CPUExecutionProvider"])


def perturb(model, seed):
    """Non-trivial norm weights and biases (libraries initialise them to 1 and 0)."""
    g = torch.Generator().manual_seed(seed)
    with torch.no_grad():
        for name, p in model.named_parameters():
            if name.endswith("bias") or "norm" in name.lower() or "ln" in name.lower():
                if bool((p == 0).all()):
                    p.copy_(0.05 * torch.randn(p.shape, generator=g))
                elif bool((p == 1).all()):
                    p.copy_(1.0 + 0.1 * torch.randn(p.shape, generator=g))


def strip_dynamo(path):
    """Drop the dynamo exporter's per-node metadata (stack traces with local paths)."""
    m = onnx.load(path)
    for n in m.graph.node:
        del n.metadata_props[:]
    onnx.save(m, path)


def export(name, model, inputs, opset, description, family, dynamo=False,
           input_names=("x",), output_names=("y",), external_data=False):
    """Exports `model(*inputs)`; records the entry for the manifest."""
    if ONLY and name not in ONLY:
        return
    model.eval()
    tin = tuple(torch.from_numpy(a) for a in inputs)
    with torch.no_grad():
        ref = model(*tin)
    ref = ref.numpy()
    path = os.path.join(HERE, name + ".onnx")
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        if dynamo:
            prog = torch.onnx.export(model, tin, input_names=list(input_names),
                                     output_names=list(output_names), opset_version=opset,
                                     dynamo=True, external_data=False, verbose=False)
            prog.save(path, external_data=False)
            strip_dynamo(path)
            if external_data:
                # Weights in NAME.onnx.data next to the model (as large models ship).
                m = onnx.load(path)
                if os.path.exists(path + ".data"):  # onnx.save appends to it
                    os.remove(path + ".data")
                onnx.save(m, path, save_as_external_data=True, all_tensors_to_one_file=True,
                          location=name + ".onnx.data", size_threshold=1024)
                os.chmod(path + ".data", 0o644)
        else:
            torch.onnx.export(model, tin, path, input_names=list(input_names),
                              output_names=list(output_names), opset_version=opset,
                              dynamo=False, do_constant_folding=True)
    m = onnx.load(path, load_external_data=False)
    onnx.checker.check_model(path, full_check=True)
    feeds = {}
    for i, (iname, arr) in enumerate(zip(input_names, inputs)):
        fname = name + (".input.npy" if len(inputs) == 1 else ".input.%d.npy" % i)
        save_npy(os.path.join(HERE, fname), arr)
        feeds[iname] = arr
    out = session(path).run(list(output_names), feeds)[0]
    save_npy(os.path.join(HERE, name + ".ref.npy"), out)
    diff = float(np.max(np.abs(out.astype(np.float64) - ref.astype(np.float64))))
    assert diff < 1e-4, (name, diff)
    ops = sorted({n.op_type for n in m.graph.node})
    MODELS.append({
        "name": name, "family": family, "description": description,
        "file": name + ".onnx", "file_bytes": os.path.getsize(path), "sha256": sha256(path),
        "external_data": ({"file": name + ".onnx.data",
                           "sha256": sha256(path + ".data")} if external_data else None),
        "opset": {(o.domain or "ai.onnx"): o.version for o in m.opset_import},
        "exporter": ("torch.onnx.export(dynamo=True)" if dynamo else
                     "torch.onnx.export(dynamo=False) (TorchScript), do_constant_folding"),
        "torch": torch.__version__,
        "inputs": [{"name": n, "shape": list(a.shape), "dtype": str(a.dtype)}
                   for n, a in zip(input_names, inputs)],
        "input_files": [name + (".input.npy" if len(inputs) == 1 else ".input.%d.npy" % i)
                        for i in range(len(inputs))],
        "reference": name + ".ref.npy", "output_shape": list(out.shape),
        "max_abs_torch_vs_onnxruntime": diff, "op_types": ops,
        "onnx_nodes": len(m.graph.node),
    })
    print("wrote %-28s opset %2d  %3d nodes  |torch-ort| %.1e" % (name, opset, len(m.graph.node), diff))


def normal(shape, seed, scale=1.0):
    return (scale * np.random.default_rng(seed).standard_normal(shape)).astype(np.float32)


# ---------------------------------------------------------------------------
# Masks in every spelling: a GPT-style pre-norm block whose causal (or padding)
# mask is written one way per model.
# ---------------------------------------------------------------------------

class MaskedBlock(nn.Module):
    def __init__(self, spelling, seed):
        super().__init__()
        torch.manual_seed(seed)
        self.spelling = spelling
        self.ln1, self.ln2 = nn.LayerNorm(D), nn.LayerNorm(D)
        self.qkv, self.proj = nn.Linear(D, 3 * D), nn.Linear(D, D)
        self.fc1, self.fc2 = nn.Linear(D, FF), nn.Linear(FF, D)
        with torch.no_grad():
            self.qkv.weight.mul_(2.0)  # attention far from uniform
        causal = torch.triu(torch.full((T, T), float("-inf")), 1)
        self.register_buffer("additive_inf", causal, persistent=False)
        self.register_buffer("additive_1e9", torch.triu(torch.full((T, T), -1e9), 1),
                             persistent=False)
        pad = torch.zeros(1, 1, 1, T, dtype=torch.bool)
        pad[..., T - 2:] = True  # the last two tokens are padding
        self.register_buffer("pad", pad, persistent=False)
        perturb(self, seed)

    def heads(self, t):
        b, n, _ = t.shape
        return t.view(b, n, HEADS, D // HEADS).transpose(1, 2)

    def attend(self, x):
        b, n, _ = x.shape
        q, k, v = self.qkv(x).split(D, dim=-1)
        q, k, v = self.heads(q), self.heads(k), self.heads(v)
        s = self.spelling
        if s.startswith("sdpa"):
            if s == "sdpa_causal":
                o = F.scaled_dot_product_attention(q, k, v, is_causal=True)
            elif s == "sdpa_bool":
                keep = torch.tril(torch.ones(n, n, dtype=torch.bool))
                o = F.scaled_dot_product_attention(q, k, v, attn_mask=keep)
            else:  # sdpa_float: an additive padding mask
                add = torch.zeros(1, 1, 1, n).masked_fill(self.pad, float("-inf"))
                o = F.scaled_dot_product_attention(q, k, v, attn_mask=add)
        else:
            att = (q @ k.transpose(-2, -1)) / math.sqrt(D // HEADS)
            if s == "fill_1e4":
                att = att.masked_fill(torch.triu(torch.ones(n, n, dtype=torch.bool), 1), -1e4)
            elif s == "fill_1e9":
                att = att.masked_fill(torch.triu(torch.ones(n, n), 1) == 1, -1e9)
            elif s == "fill_inf":
                att = att.masked_fill(~torch.tril(torch.ones(n, n, dtype=torch.bool)),
                                      float("-inf"))
            elif s == "fill_finfo":
                i = torch.arange(n)
                att = att.masked_fill(i[None, :] > i[:, None], torch.finfo(torch.float32).min)
            elif s == "where_tril":
                keep = torch.tril(torch.ones(n, n)).view(1, 1, n, n)
                att = torch.where(keep == 0, torch.tensor(-1e4), att)
            elif s == "additive_inf":
                att = att + self.additive_inf[:n, :n]
            elif s == "additive_1e9":
                att = att + self.additive_1e9[:n, :n]
            elif s == "padding":
                att = att.masked_fill(self.pad, -1e4)
            else:
                raise ValueError(s)
            o = F.softmax(att, dim=-1) @ v
        return self.proj(o.transpose(1, 2).reshape(b, n, D))

    def forward(self, x):
        x = x + self.attend(self.ln1(x))
        return x + self.fc2(F.gelu(self.fc1(self.ln2(x))))


MASKS = [
    ("mask_fill_1e4", "fill_1e4", 16, "masked_fill(triu(ones, 1), -1e4): the failing case of issue 17"),
    ("mask_fill_1e9", "fill_1e9", 14, "masked_fill(triu(ones, 1) == 1, -1e9)"),
    ("mask_fill_inf", "fill_inf", 15, "masked_fill(~tril(ones), -inf)"),
    ("mask_fill_finfo", "fill_finfo", 13, "masked_fill(arange[None,:] > arange[:,None], finfo(float32).min)"),
    ("mask_where_tril", "where_tril", 17, "where(tril(ones) == 0, -1e4, scores)"),
    ("mask_additive_inf", "additive_inf", 18, "scores + triu(full(-inf), 1) (a float buffer)"),
    ("mask_additive_1e9", "additive_1e9", 19, "scores + triu(full(-1e9), 1) (a float buffer)"),
    ("mask_padding", "padding", 20, "key padding: masked_fill(pad [1,1,1,T], -1e4), the last two keys removed"),
    ("sdpa_causal", "sdpa_causal", 17, "F.scaled_dot_product_attention(is_causal=True)"),
    ("sdpa_bool_mask", "sdpa_bool", 18, "F.scaled_dot_product_attention(attn_mask=tril bool)"),
    ("sdpa_float_mask", "sdpa_float", 14, "F.scaled_dot_product_attention(attn_mask=additive -inf padding)"),
]


def masks():
    for i, (name, spelling, opset, desc) in enumerate(MASKS):
        m = MaskedBlock(spelling, 700 + i)
        export(name, m, [normal((1, T, D), 700 + i)], opset,
               "pre-norm GPT-style block (d 32, 4 heads, ff 64), mask: " + desc, "masks")


# ---------------------------------------------------------------------------
# Hugging Face models (random weights from small configs; nothing is downloaded)
# ---------------------------------------------------------------------------

class LastHidden(nn.Module):
    def __init__(self, model, **kw):
        super().__init__()
        self.model, self.kw = model, kw

    def forward(self, input_ids):
        return self.model(input_ids=input_ids, return_dict=True, **self.kw).last_hidden_state


class LastHiddenCausal(LastHidden):
    """As LastHidden, with the causal mask given as a constant 4-D additive mask:
    transformers 5.x builds its own with aten::diff, which the TorchScript exporter
    cannot export; a user exporting with TorchScript passes the mask like this."""

    def __init__(self, model, **kw):
        super().__init__(model, **kw)
        self.register_buffer("causal", torch.full((T, T), float("-inf")).triu(1)[None, None],
                             persistent=False)

    def forward(self, input_ids):
        return self.model(input_ids=input_ids, attention_mask=self.causal, return_dict=True,
                          **self.kw).last_hidden_state


def ids(seed, vocab=100):
    return np.random.default_rng(seed).integers(0, vocab, size=(1, T), dtype=np.int64)


def hf():
    import transformers as tf
    common = dict(attn_implementation="eager")
    torch.manual_seed(801)
    cfg = tf.BertConfig(vocab_size=100, hidden_size=D, num_hidden_layers=2,
                        num_attention_heads=HEADS, intermediate_size=FF,
                        max_position_embeddings=16, hidden_dropout_prob=0.0,
                        attention_probs_dropout_prob=0.0, initializer_range=0.2, **common)
    m = tf.BertModel(cfg, add_pooling_layer=False)
    perturb(m, 801)
    export("hf_bert", LastHidden(m), [ids(801)], 17,
           "transformers BertModel (hidden 32, 2 layers, 4 heads), input_ids", "bert",
           input_names=("input_ids",))

    torch.manual_seed(802)
    cfg = tf.DistilBertConfig(vocab_size=100, dim=D, n_layers=2, n_heads=HEADS, hidden_dim=FF,
                              max_position_embeddings=16, dropout=0.0, attention_dropout=0.0,
                              initializer_range=0.2, **common)
    m = tf.DistilBertModel(cfg)
    perturb(m, 802)
    export("hf_distilbert", LastHidden(m), [ids(802)], 14,
           "transformers DistilBertModel (dim 32, 2 layers, 4 heads), input_ids", "distilbert",
           input_names=("input_ids",))

    torch.manual_seed(803)
    cfg = tf.RobertaConfig(vocab_size=100, hidden_size=D, num_hidden_layers=2,
                           num_attention_heads=HEADS, intermediate_size=FF,
                           max_position_embeddings=20, hidden_dropout_prob=0.0,
                           attention_probs_dropout_prob=0.0, initializer_range=0.2,
                           pad_token_id=1, **common)
    m = tf.RobertaModel(cfg, add_pooling_layer=False)
    perturb(m, 803)
    rid = np.clip(ids(803), 2, 99)
    rid[0, -2:] = 1  # two padding tokens at the end
    # RoBERTa derives its position ids from the token ids (padding_idx + cumsum of the
    # non-pad mask): integer ops on the client's data, run in the client prefix.
    export("hf_roberta", LastHidden(m), [rid], 18,
           "transformers RobertaModel (hidden 32, 2 layers, 4 heads), input_ids with two "
           "padding tokens (position ids computed from the token ids on the client)",
           "roberta", input_names=("input_ids",))

    torch.manual_seed(804)
    cfg = tf.GPT2Config(vocab_size=100, n_embd=D, n_layer=2, n_head=HEADS, n_positions=16,
                        resid_pdrop=0.0, embd_pdrop=0.0, attn_pdrop=0.0, initializer_range=0.2,
                        use_cache=False, bos_token_id=99, eos_token_id=99, **common)
    m = tf.GPT2Model(cfg)
    perturb(m, 804)
    export("hf_gpt2_dynamo", LastHidden(m, use_cache=False), [ids(804)], 18,
           "transformers GPT2Model (n_embd 32, 2 layers, 4 heads), dynamo exporter", "gpt2",
           dynamo=True, input_names=("input_ids",))

    export("hf_gpt2_torchscript", LastHiddenCausal(m, use_cache=False), [ids(806)], 17,
           "transformers GPT2Model (same weights as hf_gpt2_dynamo), TorchScript exporter, "
           "causal mask given as a constant 4-D additive mask", "gpt2",
           input_names=("input_ids",))

    torch.manual_seed(805)
    cfg = tf.LlamaConfig(vocab_size=100, hidden_size=D, intermediate_size=FF,
                         num_hidden_layers=2, num_attention_heads=HEADS, num_key_value_heads=2,
                         max_position_embeddings=16, rms_norm_eps=1e-5, initializer_range=0.2,
                         use_cache=False, **common)
    m = tf.LlamaModel(cfg)
    perturb(m, 805)
    export("hf_llama_gqa", LastHidden(m, use_cache=False), [ids(805)], 18,
           "transformers LlamaModel (hidden 32, 2 layers, 4 heads, 2 kv heads: grouped-query; "
           "RMSNorm, SwiGLU, rotary), input_ids", "llama", dynamo=True,
           input_names=("input_ids",))
    export("hf_llama_torchscript", LastHiddenCausal(m, use_cache=False), [ids(807)], 17,
           "transformers LlamaModel (same weights as hf_llama_gqa), TorchScript exporter, "
           "causal mask given as a constant 4-D additive mask", "llama",
           input_names=("input_ids",))


# ---------------------------------------------------------------------------
# Hand-written LLaMA block, ViT encoder, torch.nn.Transformer* layers
# ---------------------------------------------------------------------------

class RMSNorm(nn.Module):
    def __init__(self, d, eps=1e-6):
        super().__init__()
        self.weight, self.eps = nn.Parameter(torch.ones(d)), eps

    def forward(self, x):
        return self.weight * (x * torch.rsqrt(x.pow(2).mean(-1, keepdim=True) + self.eps))


def rotate_half(x):
    x1, x2 = x[..., : x.shape[-1] // 2], x[..., x.shape[-1] // 2:]
    return torch.cat((-x2, x1), dim=-1)


class LlamaBlock(nn.Module):
    """Pre-RMSNorm decoder block: rotary q/k, causal SDPA, SwiGLU MLP."""

    def __init__(self, seed, kv_heads=HEADS):
        super().__init__()
        torch.manual_seed(seed)
        dh = D // HEADS
        self.kv = kv_heads
        self.n1, self.n2 = RMSNorm(D), RMSNorm(D)
        self.q = nn.Linear(D, D, bias=False)
        self.k = nn.Linear(D, kv_heads * dh, bias=False)
        self.v = nn.Linear(D, kv_heads * dh, bias=False)
        self.o = nn.Linear(D, D, bias=False)
        self.gate, self.up = nn.Linear(D, FF, bias=False), nn.Linear(D, FF, bias=False)
        self.down = nn.Linear(FF, D, bias=False)
        with torch.no_grad():
            self.q.weight.mul_(2.0)
            self.k.weight.mul_(2.0)
        inv = 1.0 / (10000 ** (torch.arange(0, dh, 2).float() / dh))
        ang = torch.outer(torch.arange(T).float(), inv)
        emb = torch.cat((ang, ang), dim=-1)
        self.register_buffer("cos", emb.cos(), persistent=False)
        self.register_buffer("sin", emb.sin(), persistent=False)
        perturb(self, seed)

    def forward(self, x):
        b, n, _ = x.shape
        dh = D // HEADS
        h = self.n1(x)
        q = self.q(h).view(b, n, HEADS, dh).transpose(1, 2)
        k = self.k(h).view(b, n, self.kv, dh).transpose(1, 2)
        v = self.v(h).view(b, n, self.kv, dh).transpose(1, 2)
        q = q * self.cos + rotate_half(q) * self.sin
        k = k * self.cos + rotate_half(k) * self.sin
        if self.kv != HEADS:
            k = k.repeat_interleave(HEADS // self.kv, dim=1)
            v = v.repeat_interleave(HEADS // self.kv, dim=1)
        o = F.scaled_dot_product_attention(q, k, v, is_causal=True)
        x = x + self.o(o.transpose(1, 2).reshape(b, n, D))
        h = self.n2(x)
        return x + self.down(F.silu(self.gate(h)) * self.up(h))


class ViT(nn.Module):
    """Patch embedding of flattened patches, a class token, learned positions, 2 pre-norm
    encoder layers, final LayerNorm."""

    def __init__(self, seed, patches=T - 1, patch_dim=48):
        super().__init__()
        torch.manual_seed(seed)
        self.embed = nn.Linear(patch_dim, D)
        self.cls = nn.Parameter(0.5 * torch.randn(1, 1, D))
        self.pos = nn.Parameter(0.5 * torch.randn(1, patches + 1, D))
        layer = nn.TransformerEncoderLayer(D, HEADS, FF, dropout=0.0, activation="gelu",
                                           batch_first=True, norm_first=True)
        self.enc = nn.TransformerEncoder(layer, 2, enable_nested_tensor=False)
        self.norm = nn.LayerNorm(D)
        perturb(self, seed)

    def forward(self, patches):
        x = self.embed(patches)
        x = torch.cat((self.cls.expand(x.shape[0], -1, -1), x), dim=1) + self.pos
        return self.norm(self.enc(x))


class CausalEncoder(nn.Module):
    """nn.TransformerEncoder with the square subsequent (-inf) mask."""

    def __init__(self, seed, norm_first, activation):
        super().__init__()
        torch.manual_seed(seed)
        layer = nn.TransformerEncoderLayer(D, HEADS, FF, dropout=0.0, activation=activation,
                                           batch_first=True, norm_first=norm_first)
        self.enc = nn.TransformerEncoder(layer, 2, enable_nested_tensor=False)
        self.register_buffer("mask", nn.Transformer.generate_square_subsequent_mask(T),
                             persistent=False)
        perturb(self, seed)

    def forward(self, x):
        return self.enc(x, mask=self.mask)


class Decoder(nn.Module):
    """nn.TransformerDecoderLayer: causal self-attention, cross-attention to memory."""

    def __init__(self, seed, norm_first=False, activation="relu"):
        super().__init__()
        torch.manual_seed(seed)
        self.dec = nn.TransformerDecoderLayer(D, HEADS, FF, dropout=0.0, activation=activation,
                                              batch_first=True, norm_first=norm_first)
        self.register_buffer("mask", nn.Transformer.generate_square_subsequent_mask(T),
                             persistent=False)
        perturb(self, seed)

    def forward(self, x, memory):
        return self.dec(x, memory, tgt_mask=self.mask)


class dims:
    """Other model sizes for one export (the modules read D, HEADS, FF at run time)."""

    def __init__(self, d, heads):
        self.new = (d, heads, 2 * d)

    def __enter__(self):
        global D, HEADS, FF
        self.old = (D, HEADS, FF)
        D, HEADS, FF = self.new

    def __exit__(self, *exc):
        global D, HEADS, FF
        D, HEADS, FF = self.old


def custom():
    with dims(48, 4):
        export("llama_block_head12", LlamaBlock(912), [normal((1, T, D), 912)], 18,
               "LLaMA-style block with d 48, 4 heads of 12 (not a power of two: padded to "
               "16 in the lowering)", "llama")
        export("llama_block_head12_gqa", LlamaBlock(911, kv_heads=2), [normal((1, T, D), 911)],
               18, "LLaMA-style block with d 48, 4 heads of 12, 2 kv heads: sharp attention "
               "whose softmax denominators span four decades (1/sum from a constant start, "
               "17 Newton steps)", "llama")
    export("llama_block_mha", LlamaBlock(901), [normal((1, T, D), 901)], 17,
           "LLaMA-style block (RMSNorm, rotary q/k, causal SDPA, SwiGLU), 4 heads",
           "llama")
    export("llama_block_gqa", LlamaBlock(902, kv_heads=2), [normal((1, T, D), 902)], 21,
           "LLaMA-style block with grouped-query attention (4 query heads, 2 kv heads)",
           "llama")
    export("vit_encoder", ViT(903), [normal((1, T - 1, 48), 903)], 17,
           "ViT-style encoder: 7 flattened 48-value patches -> Linear, class token, positions, "
           "2 pre-norm GELU layers, final LayerNorm", "vit", input_names=("patches",))
    export("torch_encoder_causal_post_relu", CausalEncoder(904, False, "relu"),
           [normal((1, T, D), 904)], 17,
           "nn.TransformerEncoder (2 post-norm ReLU layers) with the square subsequent mask",
           "torch.nn")
    export("torch_encoder_causal_pre_gelu", CausalEncoder(905, True, "gelu"),
           [normal((1, T, D), 905)], 14,
           "nn.TransformerEncoder (2 pre-norm GELU layers) with the square subsequent mask",
           "torch.nn")
    export("torch_decoder_layer", Decoder(906), [normal((1, T, D), 906), normal((1, T, D), 907)],
           17, "nn.TransformerDecoderLayer (post-norm, ReLU): causal self-attention and "
           "cross-attention to an encrypted memory", "torch.nn", input_names=("x", "memory"))
    export("torch_decoder_layer_pre_gelu", Decoder(909, True, "gelu"),
           [normal((1, T, D), 909), normal((1, T, D), 910)], 14,
           "nn.TransformerDecoderLayer (pre-norm, GELU): causal self-attention and "
           "cross-attention to an encrypted memory", "torch.nn", input_names=("x", "memory"))
    export("llama_block_external_data", LlamaBlock(908), [normal((1, T, D), 908)], 18,
           "LLaMA-style block (as llama_block_mha), dynamo exporter, weights in "
           "llama_block_external_data.onnx.data (external data)", "llama",
           dynamo=True, external_data=True)


def main():
    torch.set_num_threads(1)
    print("torch", torch.__version__, "onnxruntime", ort.__version__)
    masks()
    custom()
    hf()
    mpath = os.path.join(HERE, "manifest.json")
    old = {}
    if ONLY and os.path.exists(mpath):
        with open(mpath) as f:
            old = {e["name"]: e for e in json.load(f)["models"]}
    for e in MODELS:
        old[e["name"]] = e
    with open(mpath, "w") as f:
        json.dump({"about": "aegis model zoo: regenerate with examples/models/zoo/gen_zoo.py",
                   "models": [old[k] for k in sorted(old)]}, f, indent=1, sort_keys=True)
        f.write("\n")


if __name__ == "__main__":
    main()
