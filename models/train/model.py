"""The embedded model: a CLIP-shaped text encoder and an SD-shaped UNet, small enough for a CPU.

Module names follow diffusers (UNet2DConditionModel) and transformers (CLIPTextModel), so that a
kohya LoRA for this model has exactly the keys and shapes of an SD LoRA, and the ONNX export keeps
the module paths in its node names (torch >= 1.13), which is how Troupe finds LoRA targets.

Shapes: sample [B, 3, H, W] (pixels in -1..1, H and W multiples of 4), timestep [1] or [B],
encoder_hidden_states [B, 77, 64] -> out_sample [B, 3, H, W] (predicted noise).
"""
import math
import torch
import torch.nn as nn
import torch.nn.functional as F

MAX_TOKENS = 77
TEXT_DIM = 64


class Attention(nn.Module):
    """diffusers' Attention: to_q, to_k, to_v (no bias), to_out.0 (with bias)."""

    def __init__(self, dim, context_dim, heads):
        super().__init__()
        self.heads = heads
        self.to_q = nn.Linear(dim, dim, bias=False)
        self.to_k = nn.Linear(context_dim, dim, bias=False)
        self.to_v = nn.Linear(context_dim, dim, bias=False)
        self.to_out = nn.ModuleList([nn.Linear(dim, dim), nn.Dropout(0.0)])

    def forward(self, x, context=None):
        context = x if context is None else context
        b, n, c = x.shape
        h = self.heads
        # scale q (n x d) rather than the scores (n x m): cheaper at 16x16
        q = (self.to_q(x) * (c // h) ** -0.5).reshape(b, n, h, c // h).transpose(1, 2)
        k = self.to_k(context).reshape(b, -1, h, c // h).transpose(1, 2)
        v = self.to_v(context).reshape(b, -1, h, c // h).transpose(1, 2)
        w = torch.softmax(q @ k.transpose(-1, -2), dim=-1)
        out = (w @ v).transpose(1, 2).reshape(b, n, c)
        return self.to_out[1](self.to_out[0](out))


class GEGLU(nn.Module):
    def __init__(self, dim, inner):
        super().__init__()
        self.proj = nn.Linear(dim, inner * 2)

    def forward(self, x):
        a, gate = self.proj(x).chunk(2, dim=-1)
        return a * F.gelu(gate)


class FeedForward(nn.Module):
    def __init__(self, dim, mult=4):
        super().__init__()
        self.net = nn.ModuleList([GEGLU(dim, dim * mult), nn.Dropout(0.0), nn.Linear(dim * mult, dim)])

    def forward(self, x):
        for m in self.net:
            x = m(x)
        return x


class BasicTransformerBlock(nn.Module):
    """norm1/attn1 (self-attention), norm2/attn2 (cross-attention to the text), norm3/ff.
    Self-attention is optional: at 16x16 on the way down it costs a third of a CPU training step."""

    def __init__(self, dim, context_dim, heads, self_attn=True):
        super().__init__()
        self.norm1 = nn.LayerNorm(dim) if self_attn else None
        self.attn1 = Attention(dim, dim, heads) if self_attn else None
        self.norm2 = nn.LayerNorm(dim)
        self.attn2 = Attention(dim, context_dim, heads)
        self.norm3 = nn.LayerNorm(dim)
        self.ff = FeedForward(dim)

    def forward(self, x, context):
        if self.attn1 is not None:
            x = x + self.attn1(self.norm1(x))
        x = x + self.attn2(self.norm2(x), context)
        return x + self.ff(self.norm3(x))


class Transformer2DModel(nn.Module):
    """SD 2.x style (linear projections)."""

    def __init__(self, dim, context_dim, heads=2, self_attn=True):
        super().__init__()
        self.norm = nn.GroupNorm(8, dim, eps=1e-6)
        self.proj_in = nn.Linear(dim, dim)
        self.transformer_blocks = nn.ModuleList([BasicTransformerBlock(dim, context_dim, heads, self_attn)])
        self.proj_out = nn.Linear(dim, dim)

    def forward(self, x, context):
        b, c, h, w = x.shape
        r = x
        x = self.norm(x).permute(0, 2, 3, 1).reshape(b, h * w, c)
        x = self.proj_in(x)
        for blk in self.transformer_blocks:
            x = blk(x, context)
        x = self.proj_out(x).reshape(b, h, w, c).permute(0, 3, 1, 2)
        return x + r


class ResnetBlock2D(nn.Module):
    def __init__(self, cin, cout, temb):
        super().__init__()
        self.norm1 = nn.GroupNorm(8, cin, eps=1e-5)
        self.conv1 = nn.Conv2d(cin, cout, 3, padding=1)
        self.time_emb_proj = nn.Linear(temb, cout)
        self.norm2 = nn.GroupNorm(8, cout, eps=1e-5)
        self.conv2 = nn.Conv2d(cout, cout, 3, padding=1)
        self.conv_shortcut = nn.Conv2d(cin, cout, 1) if cin != cout else None

    def forward(self, x, temb):
        h = self.conv1(F.silu(self.norm1(x)))
        h = h + self.time_emb_proj(F.silu(temb))[:, :, None, None]
        h = self.conv2(F.silu(self.norm2(h)))
        return (self.conv_shortcut(x) if self.conv_shortcut is not None else x) + h


class Downsample2D(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.conv = nn.Conv2d(c, c, 3, stride=2, padding=1)

    def forward(self, x):
        return self.conv(x)


class Upsample2D(nn.Module):
    def __init__(self, c):
        super().__init__()
        self.conv = nn.Conv2d(c, c, 3, padding=1)

    def forward(self, x):
        return self.conv(F.interpolate(x, scale_factor=2.0, mode="nearest"))


class Block(nn.Module):
    """One level of the UNet: resnets.0, optional attentions.0, optional down/upsampler."""

    def __init__(self, cin, cout, temb, attn, context_dim, down=False, up=False, self_attn=True):
        super().__init__()
        self.resnets = nn.ModuleList([ResnetBlock2D(cin, cout, temb)])
        self.attentions = nn.ModuleList([Transformer2DModel(cout, context_dim, self_attn=self_attn)]) if attn else None
        self.downsamplers = nn.ModuleList([Downsample2D(cout)]) if down else None
        self.upsamplers = nn.ModuleList([Upsample2D(cout)]) if up else None

    def forward(self, x, temb, context):
        x = self.resnets[0](x, temb)
        if self.attentions is not None:
            x = self.attentions[0](x, context)
        skip = x
        if self.downsamplers is not None:
            x = self.downsamplers[0](x)
        if self.upsamplers is not None:
            x = self.upsamplers[0](x)
        return x, skip


class UNet2DConditionModel(nn.Module):
    def __init__(self, channels=(32, 64, 64), context_dim=TEXT_DIM, in_channels=3):
        super().__init__()
        c0, c1, c2 = channels
        temb = c0 * 4
        self.base = c0
        self.time_embedding = nn.Module()
        self.time_embedding.linear_1 = nn.Linear(c0, temb)
        self.time_embedding.linear_2 = nn.Linear(temb, temb)
        self.conv_in = nn.Conv2d(in_channels, c0, 3, padding=1)
        self.down_blocks = nn.ModuleList([
            Block(c0, c0, temb, False, context_dim, down=True),   # 32x32
            Block(c0, c1, temb, True, context_dim, down=True, self_attn=False),  # 16x16
            Block(c1, c2, temb, True, context_dim),               # 8x8
        ])
        self.mid_block = nn.Module()
        self.mid_block.resnets = nn.ModuleList([ResnetBlock2D(c2, c2, temb), ResnetBlock2D(c2, c2, temb)])
        self.mid_block.attentions = nn.ModuleList([Transformer2DModel(c2, context_dim)])
        self.up_blocks = nn.ModuleList([
            Block(c2 + c2, c2, temb, True, context_dim, up=True),  # 8x8 -> 16
            Block(c2 + c1, c1, temb, True, context_dim, up=True),  # 16 -> 32
            Block(c1 + c0, c0, temb, False, context_dim),          # 32
        ])
        self.conv_norm_out = nn.GroupNorm(8, c0, eps=1e-5)
        self.conv_out = nn.Conv2d(c0, in_channels, 3, padding=1)

    def time_proj(self, timestep):
        # sinusoidal embedding, flip_sin_to_cos as in SD
        half = self.base // 2
        t = timestep.reshape(-1).float()
        freqs = torch.exp(-math.log(10000.0) * torch.arange(half, dtype=torch.float32) / half)
        args = t[:, None] * freqs[None, :]
        return torch.cat([torch.cos(args), torch.sin(args)], dim=-1)

    def forward(self, sample, timestep, encoder_hidden_states):
        temb = self.time_embedding.linear_2(F.silu(self.time_embedding.linear_1(self.time_proj(timestep))))
        x = self.conv_in(sample)
        skips = []
        for blk in self.down_blocks:
            x, s = blk(x, temb, encoder_hidden_states)
            skips.append(s)
        x = self.mid_block.resnets[0](x, temb)
        x = self.mid_block.attentions[0](x, encoder_hidden_states)
        x = self.mid_block.resnets[1](x, temb)
        for blk in self.up_blocks:
            x, _ = blk(torch.cat([x, skips.pop()], dim=1), temb, encoder_hidden_states)
        return self.conv_out(F.silu(self.conv_norm_out(x)))


class CLIPEncoderLayer(nn.Module):
    def __init__(self, dim, heads):
        super().__init__()
        self.heads = heads
        self.layer_norm1 = nn.LayerNorm(dim)
        self.self_attn = nn.Module()
        for name in ("q_proj", "k_proj", "v_proj", "out_proj"):
            setattr(self.self_attn, name, nn.Linear(dim, dim))
        self.layer_norm2 = nn.LayerNorm(dim)
        self.mlp = nn.Module()
        self.mlp.fc1 = nn.Linear(dim, dim * 4)
        self.mlp.fc2 = nn.Linear(dim * 4, dim)

    def forward(self, x):
        b, n, c = x.shape
        h = self.heads
        y = self.layer_norm1(x)
        a = self.self_attn
        q = a.q_proj(y).reshape(b, n, h, c // h).transpose(1, 2)
        k = a.k_proj(y).reshape(b, n, h, c // h).transpose(1, 2)
        v = a.v_proj(y).reshape(b, n, h, c // h).transpose(1, 2)
        w = torch.softmax(q @ k.transpose(-1, -2) / math.sqrt(c // h), dim=-1)
        x = x + a.out_proj((w @ v).transpose(1, 2).reshape(b, n, c))
        return x + self.mlp.fc2(F.gelu(self.mlp.fc1(self.layer_norm2(x))))


class CLIPTextModel(nn.Module):
    """input_ids [B, 77] -> (last_hidden_state [B, 77, 64], pooler_output [B, 64])."""

    def __init__(self, vocab_size, eos_id, dim=TEXT_DIM, layers=2, heads=4):
        super().__init__()
        self.eos_id = eos_id
        self.text_model = nn.Module()
        self.text_model.embeddings = nn.Module()
        self.text_model.embeddings.token_embedding = nn.Embedding(vocab_size, dim)
        self.text_model.embeddings.position_embedding = nn.Embedding(MAX_TOKENS, dim)
        self.text_model.encoder = nn.Module()
        self.text_model.encoder.layers = nn.ModuleList([CLIPEncoderLayer(dim, heads) for _ in range(layers)])
        self.text_model.final_layer_norm = nn.LayerNorm(dim)

    def forward(self, input_ids):
        ids = input_ids.long()
        e = self.text_model.embeddings
        pos = torch.arange(ids.shape[1], dtype=torch.long)
        x = e.token_embedding(ids) + e.position_embedding(pos)[None]
        for layer in self.text_model.encoder.layers:
            x = layer(x)
        x = self.text_model.final_layer_norm(x)
        eos_at = (ids == self.eos_id).int().argmax(dim=-1)
        pooled = x[torch.arange(x.shape[0]), eos_at]
        return x, pooled


class PixelUpsampler(nn.Module):
    """The 'VAE decoder' of a pixel-space model: latent_sample [B, 3, h, w] -> sample [B, 3, 4h, 4w]."""

    def __init__(self, factor=4):
        super().__init__()
        self.factor = factor

    def forward(self, latent_sample):
        y = F.interpolate(latent_sample, scale_factor=float(self.factor), mode="bilinear", align_corners=False)
        return torch.clamp(y, -1.0, 1.0)


class LoRALinear(nn.Module):
    """A frozen Linear plus up(down(x)) * alpha / rank: what a kohya LoRA adds to a weight."""

    def __init__(self, base, rank=4, alpha=4.0):
        super().__init__()
        self.base = base
        self.rank, self.alpha = rank, alpha
        self.lora_down = nn.Linear(base.in_features, rank, bias=False)
        self.lora_up = nn.Linear(rank, base.out_features, bias=False)
        nn.init.kaiming_uniform_(self.lora_down.weight, a=math.sqrt(5))
        nn.init.zeros_(self.lora_up.weight)

    def forward(self, x):
        return self.base(x) + self.lora_up(self.lora_down(x)) * (self.alpha / self.rank)
