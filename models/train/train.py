"""Trains Troupe's embedded model and its example LoRA, and exports them in the SD ONNX layout.

    python3 models/train/train.py --minutes 70            # train (or resume) then export
    python3 models/train/train.py --export-only           # export the last checkpoint
    python3 models/train/train.py --lora-only --lora-minutes 6
    python3 models/train/train.py --export-lora-reference   # the LoRA's effect in torch, for the Java merge test

Seeded and reproducible for a given number of steps (torch CPU kernels are deterministic here).
Writes models/embedded/ (model_index.json, text_encoder/, unet/, vae_decoder/, tokenizer/,
scheduler/) and models/loras/striped-tops.safetensors (kohya format).
"""
import argparse
import base64
import json
import math
import os
import struct
import sys
import time

import numpy as np
import torch
import torch.nn.functional as F

sys.path.insert(0, os.path.dirname(__file__))
import figures  # noqa: E402
from model import (MAX_TOKENS, TEXT_DIM, CLIPTextModel, LoRALinear, PixelUpsampler,  # noqa: E402
                   UNet2DConditionModel)

ROOT = os.path.abspath(os.path.join(os.path.dirname(__file__), "..", ".."))
SPECIALS = ["[PAD]", "[UNK]", "[BOS]", "[EOS]"]
PAD, UNK, BOS, EOS = 0, 1, 2, 3
T = 1000


# ---------------------------------------------------------------- tokenizer
class WordTokenizer:
    """Mirrors tokenizer.json: lower-case, split words and punctuation, [BOS] ... [EOS], pad to 77."""

    def __init__(self):
        self.words = SPECIALS + figures.vocabulary()
        self.ids = {w: i for i, w in enumerate(self.words)}

    def encode(self, text, rng=None):
        import re
        toks = [self.ids.get(w, UNK) for w in re.findall(r"\w+|[^\w\s]+", text.lower())]
        if rng is not None and rng.random() < 0.1:
            toks.insert(int(rng.integers(0, len(toks) + 1)), UNK)
        toks = [BOS] + toks[:MAX_TOKENS - 2] + [EOS]
        return toks + [PAD] * (MAX_TOKENS - len(toks))

    def tokenizer_json(self):
        special = lambda i, w: {"id": i, "content": w, "single_word": False, "lstrip": False, "rstrip": False,
                                "normalized": False, "special": True}
        return {
            "version": "1.0",
            "truncation": {"direction": "Right", "max_length": MAX_TOKENS, "strategy": "LongestFirst", "stride": 0},
            "padding": {"strategy": {"Fixed": MAX_TOKENS}, "direction": "Right", "pad_to_multiple_of": None,
                        "pad_id": PAD, "pad_type_id": 0, "pad_token": "[PAD]"},
            "added_tokens": [special(i, w) for i, w in enumerate(SPECIALS)],
            "normalizer": {"type": "Lowercase"},
            "pre_tokenizer": {"type": "Whitespace"},
            "post_processor": {
                "type": "TemplateProcessing",
                "single": [{"SpecialToken": {"id": "[BOS]", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}},
                           {"SpecialToken": {"id": "[EOS]", "type_id": 0}}],
                "pair": [{"SpecialToken": {"id": "[BOS]", "type_id": 0}}, {"Sequence": {"id": "A", "type_id": 0}},
                         {"Sequence": {"id": "B", "type_id": 1}}, {"SpecialToken": {"id": "[EOS]", "type_id": 1}}],
                "special_tokens": {w: {"id": w, "ids": [i], "tokens": [w]} for i, w in enumerate(SPECIALS) if w in ("[BOS]", "[EOS]")},
            },
            "decoder": None,
            "model": {"type": "WordLevel", "vocab": self.ids, "unk_token": "[UNK]"},
        }


def grow_vocabulary(ck, tok):
    """Adds embedding rows for words appended to the vocabulary since the checkpoint was written.

    A new caption word for an attribute value (figures.HAIR_WORDS) starts from the row of the word it
    replaces, so the model keeps drawing the value while it learns the word apart. Returns the new words.
    """
    key = "text_model.embeddings.token_embedding.weight"
    old = ck["te"][key].shape[0]
    new_words = tok.words[old:]
    origin = {word: value for value, word in figures.HAIR_WORDS.items()}
    for part in ("te", "ema_te"):
        w = ck[part][key]
        rows = [w[tok.ids[origin[word]]] if word in origin else w[:old].mean(0) for word in new_words]
        if rows:
            ck[part][key] = torch.cat([w, torch.stack(rows)])
    return new_words


# ---------------------------------------------------------------- noise schedule
def alphas_cumprod():
    # SD's scaled-linear schedule: betas = linspace(sqrt(0.00085), sqrt(0.012), 1000)^2
    betas = torch.linspace(0.00085 ** 0.5, 0.012 ** 0.5, T, dtype=torch.float64) ** 2
    return torch.cumprod(1 - betas, 0).float()


AC = alphas_cumprod()
# CUDA when present (the GPU machine trains in minutes what 2 CPU cores train in hours); data is drawn on the CPU
DEVICE = torch.device("cuda" if torch.cuda.is_available() else "cpu")


def batch(rng, tok, n, striped=False):
    wide = (not striped) and rng.random() < 0.1
    imgs, ids = [], []
    for _ in range(n // 2 if wide else n):
        if wide:
            img, cap = figures.sample_wide(rng, 64)
        else:
            img, cap, _, _ = figures.sample_single(rng, striped=striped)
        imgs.append(figures.to_tensor_range(img))
        ids.append(tok.encode(cap, rng))
    return torch.from_numpy(np.stack(imgs)), torch.tensor(ids, dtype=torch.long)


def loss_fn(unet, te, x0, ids, gen):
    n = x0.shape[0]
    t = torch.randint(0, T, (n,), generator=gen)
    noise = torch.randn(x0.shape, generator=gen).to(DEVICE)
    ac = AC[t][:, None, None, None].to(DEVICE)
    x0 = x0.to(DEVICE)
    xt = ac.sqrt() * x0 + (1 - ac).sqrt() * noise
    ctx, _ = te(ids.to(DEVICE))
    pred = unet(xt, t.to(DEVICE), ctx)
    snr = ac.flatten() / (1 - ac.flatten())
    weight = torch.clamp(snr, max=5.0) / snr  # min-SNR-5 for epsilon prediction
    per = ((pred - noise) ** 2).mean(dim=(1, 2, 3))
    return (per * weight).mean()


# ---------------------------------------------------------------- sampling (for the training report)
@torch.no_grad()
def sample_ddim(unet, te, tok, captions, h=32, w=32, steps=15, cfg=4.0, seed=0):
    gen = torch.Generator().manual_seed(seed)
    n = len(captions)
    x = torch.randn((n, 3, h, w), generator=gen).to(DEVICE)
    cond, _ = te(torch.tensor([tok.encode(c) for c in captions]).to(DEVICE))
    unc, _ = te(torch.tensor([tok.encode("")] * n).to(DEVICE))
    ctx = torch.cat([unc, cond])
    ts = list(range(0, T, T // steps))[::-1]
    ts = [t + 1 for t in ts]  # steps_offset 1, "leading" spacing
    for i, t in enumerate(ts):
        e = unet(torch.cat([x, x]), torch.tensor([t]).to(DEVICE), ctx)
        eu, ec = e.chunk(2)
        eps = eu + cfg * (ec - eu)
        a = AC[t]
        ap = AC[ts[i + 1]] if i + 1 < len(ts) else torch.tensor(1.0)
        x0 = (x - (1 - a).sqrt() * eps) / a.sqrt()
        x = ap.sqrt() * x0 + (1 - ap).sqrt() * eps
    return x.cpu()


def nearest(rgb, palette):
    return min(palette, key=lambda k: sum((a - b) ** 2 for a, b in zip(rgb, palette[k])))


def report(unet, te, tok, n=64, seed=123):
    rng = np.random.default_rng(seed)
    attrs = [figures.random_attributes(rng) for _ in range(n)]
    scenes = [rng.choice(list(figures.SCENES)) for _ in range(n)]
    caps = [f"a person, {a['skin']} skin, {a['hair_length']} {figures.hair_word(a['hair'])} hair, {a['top']} {a['top_kind']}, "
            f"{a['bottom']} {a['bottom_kind']}, {figures.SCENES[s][0]}" for a, s in zip(attrs, scenes)]
    x = sample_ddim(unet, te, tok, caps, seed=seed)
    img = ((x.clamp(-1, 1) + 1) * 127.5).numpy().transpose(0, 2, 3, 1)
    skin_names = list(figures.SKIN)
    top_ok = skin_ok = skin_near = 0
    for i, a in enumerate(attrs):
        face = np.median(img[i, 4:7, 15:18].reshape(-1, 3), axis=0)
        torso = np.median(img[i, 15:17, 13:19].reshape(-1, 3), axis=0)
        s = nearest(face, figures.SKIN)
        top_ok += nearest(torso, figures.TOP) == a["top"]
        skin_ok += s == a["skin"]
        skin_near += abs(skin_names.index(s) - skin_names.index(a["skin"])) <= 1
    return {"top": top_ok / n, "skin": skin_ok / n, "skin_within_1": skin_near / n}, img


# ---------------------------------------------------------------- export
def export(unet, te, tok, out):
    for d in ("text_encoder", "unet", "vae_decoder", "tokenizer", "scheduler"):
        os.makedirs(os.path.join(out, d), exist_ok=True)
    unet.eval(); te.eval()
    ids = torch.tensor([tok.encode("a person, red jersey")], dtype=torch.int32)
    torch.onnx.export(te, (ids,), os.path.join(out, "text_encoder", "model.onnx"), opset_version=14,
                      input_names=["input_ids"], output_names=["last_hidden_state", "pooler_output"],
                      dynamic_axes={"input_ids": {0: "batch"}, "last_hidden_state": {0: "batch"},
                                    "pooler_output": {0: "batch"}})
    sample = torch.randn(2, 3, 32, 32)
    ctx = torch.randn(2, MAX_TOKENS, TEXT_DIM)
    torch.onnx.export(unet, (sample, torch.tensor([500], dtype=torch.int64), ctx),
                      os.path.join(out, "unet", "model.onnx"), opset_version=14,
                      input_names=["sample", "timestep", "encoder_hidden_states"], output_names=["out_sample"],
                      dynamic_axes={"sample": {0: "batch", 2: "height", 3: "width"}, "timestep": {0: "steps"},
                                    "encoder_hidden_states": {0: "batch"},
                                    "out_sample": {0: "batch", 2: "height", 3: "width"}})
    torch.onnx.export(PixelUpsampler(4), (torch.randn(1, 3, 32, 32),), os.path.join(out, "vae_decoder", "model.onnx"),
                      opset_version=14, input_names=["latent_sample"], output_names=["sample"],
                      dynamic_axes={"latent_sample": {0: "batch", 2: "height", 3: "width"},
                                    "sample": {0: "batch", 2: "height", 3: "width"}})
    w = lambda p, obj: json.dump(obj, open(os.path.join(out, p), "w"), indent=2)
    w("model_index.json", {
        "_class_name": "OnnxStableDiffusionPipeline", "_diffusers_version": "0.30.0",
        "troupe_profile": "embedded",
        "troupe_defaults": {"steps": 15, "guidance": 7.0},
        "text_encoder": ["diffusers", "OnnxRuntimeModel"], "unet": ["diffusers", "OnnxRuntimeModel"],
        "vae_decoder": ["diffusers", "OnnxRuntimeModel"], "tokenizer": ["transformers", "PreTrainedTokenizerFast"],
        "scheduler": ["diffusers", "DDIMScheduler"], "safety_checker": [None, None], "feature_extractor": [None, None]})
    w("unet/config.json", {"_class_name": "UNet2DConditionModel", "in_channels": 3, "out_channels": 3,
                           "sample_size": 32, "cross_attention_dim": TEXT_DIM, "block_out_channels": [32, 64, 64],
                           "layers_per_block": 1, "attention_head_dim": 16, "use_linear_projection": True,
                           # what the memory estimate reads (model.py: no attention at 32x32, 2 heads everywhere)
                           "down_block_types": ["DownBlock2D", "CrossAttnDownBlock2D", "CrossAttnDownBlock2D"],
                           "num_attention_heads": 2})
    w("vae_decoder/config.json", {"_class_name": "AutoencoderKL", "latent_channels": 3, "scaling_factor": 1.0,
                                  "upscale_factor": 4, "sample_size": 128,
                                  "comment": "pixel-space model: the decoder is a fixed x4 bilinear upsampler"})
    w("text_encoder/config.json", {"_class_name": "CLIPTextModel", "hidden_size": TEXT_DIM,
                                   "max_position_embeddings": MAX_TOKENS, "vocab_size": len(tok.words),
                                   "num_hidden_layers": 2, "eos_token_id": EOS, "pad_token_id": PAD})
    w("tokenizer/tokenizer.json", tok.tokenizer_json())
    w("tokenizer/tokenizer_config.json", {"model_max_length": MAX_TOKENS, "bos_token": "[BOS]", "eos_token": "[EOS]",
                                          "pad_token": "[PAD]", "unk_token": "[UNK]", "do_lower_case": True})
    w("scheduler/scheduler_config.json", {"_class_name": "DDIMScheduler", "num_train_timesteps": T,
                                          "beta_start": 0.00085, "beta_end": 0.012, "beta_schedule": "scaled_linear",
                                          "prediction_type": "epsilon", "steps_offset": 1, "timestep_spacing": "leading",
                                          "clip_sample": False, "set_alpha_to_one": False})


def write_safetensors(path, tensors, metadata):
    """safetensors: u64 little-endian header length, JSON header, then row-major little-endian data."""
    header, blobs, offset = {"__metadata__": metadata}, [], 0
    for name, t in tensors.items():
        arr = t.detach().cpu().to(torch.float16).contiguous().numpy().astype("<f2")
        b = arr.tobytes()
        header[name] = {"dtype": "F16", "shape": list(arr.shape), "data_offsets": [offset, offset + len(b)]}
        blobs.append(b)
        offset += len(b)
    h = json.dumps(header, separators=(",", ":")).encode()
    h += b" " * ((8 - len(h) % 8) % 8)
    tmp = path + ".tmp"
    with open(tmp, "wb") as f:
        f.write(struct.pack("<Q", len(h)))
        f.write(h)
        for b in blobs:
            f.write(b)
    os.replace(tmp, path)


def read_safetensors(path):
    """The tensors of a safetensors file (F16, BF16 or F32) as float32 torch tensors, by name."""
    with open(path, "rb") as f:
        n = struct.unpack("<Q", f.read(8))[0]
        header = json.loads(f.read(n))
        data = f.read()
    out = {}
    for name, e in header.items():
        if name == "__metadata__":
            continue
        begin, end = e["data_offsets"]
        raw = data[begin:end]
        if e["dtype"] == "F16":
            arr = np.frombuffer(raw, dtype="<f2").astype(np.float32)
        elif e["dtype"] == "F32":
            arr = np.frombuffer(raw, dtype="<f4").astype(np.float32)
        elif e["dtype"] == "BF16":
            arr = (np.frombuffer(raw, dtype="<u2").astype(np.uint32) << 16).view(np.float32)
        else:
            raise ValueError(f"{path}: {name} has dtype {e['dtype']}")
        out[name] = torch.from_numpy(arr.copy()).reshape(e["shape"])
    return out


def export_lora_reference(unet, lora_path, out_path, seed=16):
    """The shipped LoRA's effect on the shipped UNet, computed in torch the way it was trained: each attention
    projection gives base(x) + up(down(x)) * alpha / rank, the LoRA beside the frozen weight, not merged into it.
    One fixed input (sample [1, 3, 16, 16], timestep 500, encoder_hidden_states [1, 77, 64]) and the UNet's output
    without and with the LoRA, as little-endian float32 in base64: EmbeddedModelLoraTest checks the Java merge of the
    same file into the ONNX UNet against it."""
    unet.cpu().eval()
    g = torch.Generator().manual_seed(seed)
    sample = torch.randn(1, 3, 16, 16, generator=g)
    ctx = torch.randn(1, MAX_TOKENS, TEXT_DIM, generator=g)
    t = torch.tensor([500], dtype=torch.int64)
    with torch.no_grad():
        base = unet(sample, t, ctx)
    tensors = read_safetensors(lora_path)
    applied = 0
    for name, mod in list(unet.named_modules()):
        for child in ("to_q", "to_k", "to_v", "to_out"):
            if not hasattr(mod, child):
                continue
            linear, path = getattr(mod, child), f"{name}.{child}"
            if child == "to_out":
                linear, path = linear[0], path + ".0"
            key = "lora_unet_" + path.replace(".", "_")
            if key + ".lora_down.weight" not in tensors:
                continue
            down, up = tensors[key + ".lora_down.weight"], tensors[key + ".lora_up.weight"]
            lora = LoRALinear(linear, rank=down.shape[0], alpha=float(tensors[key + ".alpha"]))
            lora.lora_down.weight.data.copy_(down)
            lora.lora_up.weight.data.copy_(up)
            if child == "to_out":
                mod.to_out[0] = lora
            else:
                setattr(mod, child, lora)
            applied += 1
    with torch.no_grad():
        with_lora = unet(sample, t, ctx)
    enc = lambda x: {"shape": list(x.shape),
                     "float32_le_base64": base64.b64encode(x.numpy().astype("<f4").tobytes()).decode()}
    doc = {"comment": "written by models/train/train.py --export-lora-reference; checked by EmbeddedModelLoraTest",
           "lora": os.path.relpath(lora_path, ROOT), "multiplier": 1.0, "modules": applied, "timestep": 500,
           "sample": enc(sample), "encoder_hidden_states": enc(ctx), "out_sample": enc(base),
           "out_sample_lora": enc(with_lora), "torch": torch.__version__}
    tmp = out_path + ".tmp"
    with open(tmp, "w") as f:
        json.dump(doc, f, indent=1)
    os.replace(tmp, out_path)
    print(f"wrote {out_path}: {applied} LoRA modules, output changed by up to "
          f"{(with_lora - base).abs().max().item():.4f}", flush=True)


# ---------------------------------------------------------------- main
def main():
    p = argparse.ArgumentParser()
    p.add_argument("--minutes", type=float, default=70.0, help="wall-clock training budget for the base model")
    p.add_argument("--max-steps", type=int, default=0, help="stop after this many steps (0: time budget only)")
    p.add_argument("--batch", type=int, default=64)
    p.add_argument("--lr", type=float, default=1.5e-3)
    p.add_argument("--decay-after", type=float, default=0.0,
                   help="minutes of training after which the learning rate follows a cosine down to 10%% at --minutes")
    p.add_argument("--ema", type=float, default=0.995, help="EMA decay (0.995: about the last 200 steps)")
    p.add_argument("--reset-ema", action="store_true", help="on resume, restart the EMA from the current weights")
    p.add_argument("--seed", type=int, default=1234)
    p.add_argument("--threads", type=int, default=max(1, os.cpu_count() or 1))
    p.add_argument("--work", default=os.path.join(ROOT, "models", ".work"))
    p.add_argument("--out", default=os.path.join(ROOT, "models", "embedded"))
    p.add_argument("--lora-out", default=os.path.join(ROOT, "models", "loras", "striped-tops.safetensors"))
    p.add_argument("--lora-minutes", type=float, default=6.0)
    p.add_argument("--export-only", action="store_true")
    p.add_argument("--compact", default=os.path.join(ROOT, "models", "train", "checkpoint.pt"),
                   help="weights to resume from in a fresh clone (written after training, no optimizer state)")
    p.add_argument("--lora-only", action="store_true")
    p.add_argument("--export-lora-reference", nargs="?", metavar="JSON",
                   const=os.path.join(ROOT, "models", "testdata", "striped-tops-reference.json"),
                   help="only write the LoRA's effect on the UNet (from --compact) for the Java tests, then stop")
    args = p.parse_args()
    torch.set_num_threads(args.threads)
    torch.manual_seed(args.seed)
    os.makedirs(args.work, exist_ok=True)
    tok = WordTokenizer()
    print(f"training on {DEVICE}", flush=True)
    unet = UNet2DConditionModel()
    te = CLIPTextModel(len(tok.words), EOS)
    ema_u, ema_t = UNet2DConditionModel(), CLIPTextModel(len(tok.words), EOS)
    ema_u.load_state_dict(unet.state_dict()); ema_t.load_state_dict(te.state_dict())
    for m in (unet, te, ema_u, ema_t):
        m.to(DEVICE)
    params = list(unet.parameters()) + list(te.parameters())
    opt = torch.optim.AdamW(params, lr=args.lr, weight_decay=0.01)
    ckpt_path = os.path.join(args.work, "checkpoint.pt")
    step, seen, elapsed = 0, 0, 0.0
    # the full checkpoint of an interrupted run, else the compact one committed with the model
    resume = ckpt_path if os.path.exists(ckpt_path) else args.compact if os.path.exists(args.compact) else None
    if resume:
        ck = torch.load(resume, map_location=DEVICE)
        grown = grow_vocabulary(ck, tok)
        unet.load_state_dict(ck["unet"]); te.load_state_dict(ck["te"])
        ema_u.load_state_dict(ck["ema_unet"]); ema_t.load_state_dict(ck["ema_te"])
        if "opt" in ck:
            opt.load_state_dict(ck["opt"])
        if grown:
            if "opt" in ck:  # Adam's moments for the new embedding rows start at zero
                emb = te.text_model.embeddings.token_embedding.weight
                for key in ("exp_avg", "exp_avg_sq"):
                    m = opt.state[emb][key]
                    opt.state[emb][key] = torch.cat([m, m.new_zeros(len(grown), m.shape[1])])
            print(f"vocabulary grown by {', '.join(grown)}", flush=True)
        step, seen, elapsed = ck["step"], ck["seen"], ck.get("elapsed", 0.0)
        if args.reset_ema:
            ema_u.load_state_dict(unet.state_dict()); ema_t.load_state_dict(te.state_dict())
        print(f"resumed from {resume} at step {step} ({seen} samples, {elapsed / 60:.1f} min)", flush=True)
    if args.export_lora_reference:
        export_lora_reference(ema_u, args.lora_out, args.export_lora_reference)
        return
    n_params = sum(p.numel() for p in unet.parameters()), sum(p.numel() for p in te.parameters())
    print(f"unet {n_params[0]} params, text encoder {n_params[1]} params, vocabulary {len(tok.words)}", flush=True)

    def save():
        tmp = ckpt_path + ".tmp"
        torch.save({"unet": unet.state_dict(), "te": te.state_dict(), "ema_unet": ema_u.state_dict(),
                    "ema_te": ema_t.state_dict(), "opt": opt.state_dict(), "step": step, "seen": seen,
                    "elapsed": elapsed}, tmp)
        os.replace(tmp, ckpt_path)

    if not (args.export_only or args.lora_only):
        rng = np.random.default_rng(args.seed + step)  # resumable stream: reseeded from the step
        gen = torch.Generator().manual_seed(args.seed + step)
        start, losses = time.time() - elapsed, []
        while True:
            elapsed = time.time() - start
            if elapsed > args.minutes * 60 or (args.max_steps and step >= args.max_steps):
                break
            lr = args.lr * min(1.0, (step + 1) / 200)
            if args.decay_after and elapsed > args.decay_after * 60:
                progress = min(1.0, (elapsed - args.decay_after * 60) / max(1.0, (args.minutes - args.decay_after) * 60))
                lr *= 0.1 + 0.9 * 0.5 * (1 + math.cos(math.pi * progress))
            for g in opt.param_groups:
                g["lr"] = lr
            x0, ids = batch(rng, tok, args.batch)
            loss = loss_fn(unet, te, x0, ids, gen)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            torch.nn.utils.clip_grad_norm_(params, 1.0)
            opt.step()
            decay = min(args.ema, (1 + step) / (10 + step))
            with torch.no_grad():
                for m, e in ((unet, ema_u), (te, ema_t)):
                    for pe, pm in zip(e.parameters(), m.parameters()):
                        pe.mul_(decay).add_(pm, alpha=1 - decay)
            step += 1
            seen += x0.shape[0]
            losses.append(loss.item())
            if step % 50 == 0:
                print(f"step {step} samples {seen} loss {np.mean(losses[-50:]):.4f} "
                      f"{elapsed / max(step, 1):.2f}s/step elapsed {elapsed / 60:.1f}min", flush=True)
            if step % 250 == 0:
                save()
            if step % 1000 == 0:
                r, _ = report(ema_u.eval(), ema_t.eval(), tok)
                ema_u.train(); ema_t.train()
                print(f"eval at step {step}: {r}", flush=True)
        save()
    if not args.lora_only:
        r, img = report(ema_u.eval(), ema_t.eval(), tok, n=128)
        print(f"final eval ({seen} samples): {json.dumps(r)}", flush=True)
        export(ema_u.cpu(), ema_t.cpu(), tok, args.out)
        tmp = args.compact + ".tmp"
        torch.save({"unet": unet.state_dict(), "te": te.state_dict(), "ema_unet": ema_u.state_dict(),
                    "ema_te": ema_t.state_dict(), "step": step, "seen": seen, "elapsed": elapsed}, tmp)
        os.replace(tmp, args.compact)
        json.dump({"steps": step, "samples": seen, "minutes": round(elapsed / 60, 1), "batch": args.batch,
                   "threads": args.threads, "python_eval": r, "torch": torch.__version__},
                  open(os.path.join(args.out, "training.json"), "w"), indent=2)
        print(f"exported to {args.out}", flush=True)
    if args.lora_minutes > 0:
        train_lora(ema_u, ema_t, tok, args)


def train_lora(unet, te, tok, args):
    """A rank-4 LoRA on every attention projection that teaches white-striped tops."""
    unet.to(DEVICE).eval(); te.to(DEVICE).eval()
    for p in list(unet.parameters()) + list(te.parameters()):
        p.requires_grad_(False)
    targets = {}
    for name, mod in list(unet.named_modules()):
        for child in ("to_q", "to_k", "to_v"):
            if hasattr(mod, child) and isinstance(getattr(mod, child), torch.nn.Linear):
                lora = LoRALinear(getattr(mod, child)).to(DEVICE)
                setattr(mod, child, lora)
                targets[f"{name}.{child}"] = lora
        if hasattr(mod, "to_out") and isinstance(mod.to_out[0], torch.nn.Linear):
            lora = LoRALinear(mod.to_out[0]).to(DEVICE)
            mod.to_out[0] = lora
            targets[f"{name}.to_out.0"] = lora
    params = [p for l in targets.values() for p in (l.lora_down.weight, l.lora_up.weight)]
    opt = torch.optim.AdamW(params, lr=2e-3)
    rng = np.random.default_rng(args.seed + 99)
    gen = torch.Generator().manual_seed(args.seed + 99)
    start, step = time.time(), 0
    while time.time() - start < args.lora_minutes * 60:
        x0, ids = batch(rng, tok, 32, striped=True)
        loss = loss_fn(unet, te, x0, ids, gen)
        opt.zero_grad(set_to_none=True)
        loss.backward()
        opt.step()
        step += 1
        if step % 50 == 0:
            print(f"lora step {step} loss {loss.item():.4f}", flush=True)
    tensors = {}
    for name, l in targets.items():
        key = "lora_unet_" + name.replace(".", "_")
        tensors[key + ".lora_down.weight"] = l.lora_down.weight
        tensors[key + ".lora_up.weight"] = l.lora_up.weight
        tensors[key + ".alpha"] = torch.tensor(float(l.alpha))
    os.makedirs(os.path.dirname(args.lora_out), exist_ok=True)
    write_safetensors(args.lora_out, tensors, {"ss_network_dim": "4", "ss_network_alpha": "4.0",
                                               "troupe_concept": "white horizontal stripes on tops",
                                               "ss_training_steps": str(step)})
    print(f"wrote {args.lora_out} ({len(targets)} modules, {step} steps)", flush=True)


if __name__ == "__main__":
    main()
