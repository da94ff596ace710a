#!/usr/bin/python3
# Step 2 of the pocket recipe: trains a small model of llama.cpp's `phi2` architecture on the
# tokenized stdlib (train.u16 from tokenizeCorpus.ts) with Debian's CPU PyTorch, and dumps the
# weights as raw float32 plus a JSON manifest for exportPocketGguf.ts.
#
# The graph is the one llama.cpp runs for phi2 (llm_build_phi2), so the exported GGUF computes the
# same logits: one LayerNorm feeds both the attention and the MLP, whose outputs are added to the
# residual together; Q/K/V come from one fused matrix with bias; NeoX-style rotary on the first
# `rope_dims` dims of each head; tanh-approximated GELU; final LayerNorm, separate output layer
# with bias.
#
# The softmax covers only the token ids that occur in the corpus (train + held-out): every other
# id gets a zero embedding row, a zero output row and a large negative output bias at export.
#
# Run with /usr/bin/python3 (Debian's python3-torch; needs libopenblas0-pthread for speed).
import argparse
import json
import math
import os
import signal
import sys
import time

# On a busy 2-core machine spinning OpenMP workers only steal time from the one doing work.
os.environ.setdefault("OMP_WAIT_POLICY", "PASSIVE")

import numpy as np
import torch
import torch.nn as nn
import torch.nn.functional as F

RECIPE_VERSION = 1

CONFIG = {
    "n_embd": 128,
    "n_layer": 4,
    "n_head": 4,
    "rope_dims": 16,  # half the head dim, like Phi-2's partial rotary (32 of 80)
    "n_ff": 512,
    "context": 512,
    "rope_base": 10000.0,
    "layer_norm_eps": 1e-5,
    "batch": 4,
    "lr": 3e-3,
    "min_lr": 1e-4,
    "warmup_steps": 30,
    "decay_fraction": 0.2,
    "weight_decay": 0.1,
    "grad_clip": 1.0,
    "seed": 1234,
}

END_OF_TEXT = 50256


def load_tokens(path):
    return np.fromfile(path, dtype=np.uint16).astype(np.int64)


class Rotary:
    """NeoX-style rotary embedding on the first `dims` of each head (llama.cpp rope mode NEOX)."""

    def __init__(self, dims, base, max_positions):
        half = dims // 2
        freqs = base ** (-torch.arange(half, dtype=torch.float64) * 2.0 / dims)
        angles = torch.arange(max_positions, dtype=torch.float64)[:, None] * freqs[None, :]
        self.cos = angles.cos().float()
        self.sin = angles.sin().float()
        self.dims = dims

    def apply(self, x):
        # x: [batch, heads, time, head_dim]; pairs are (i, i + dims/2) within the rotated part
        t = x.shape[2]
        half = self.dims // 2
        cos, sin = self.cos[:t], self.sin[:t]
        x1, x2, rest = x[..., :half], x[..., half:self.dims], x[..., self.dims:]
        return torch.cat([x1 * cos - x2 * sin, x2 * cos + x1 * sin, rest], dim=-1)


class Phi2Block(nn.Module):
    def __init__(self, c, rotary):
        super().__init__()
        e, f = c["n_embd"], c["n_ff"]
        self.n_head = c["n_head"]
        self.norm = nn.LayerNorm(e, eps=c["layer_norm_eps"])
        self.qkv = nn.Linear(e, 3 * e)
        self.attn_out = nn.Linear(e, e)
        self.up = nn.Linear(e, f)
        self.down = nn.Linear(f, e)
        self.rotary = rotary

    def forward(self, x, mask):
        b, t, e = x.shape
        h = self.norm(x)
        q, k, v = self.qkv(h).split(e, dim=-1)
        d = e // self.n_head
        q, k, v = (z.view(b, t, self.n_head, d).transpose(1, 2) for z in (q, k, v))
        q, k = self.rotary.apply(q), self.rotary.apply(k)
        scores = (q @ k.transpose(-1, -2)) * (1.0 / math.sqrt(d))
        scores = scores.masked_fill(mask[:t, :t], float("-inf"))
        attention = (scores.softmax(dim=-1) @ v).transpose(1, 2).reshape(b, t, e)
        mlp = self.down(F.gelu(self.up(h), approximate="tanh"))
        return x + self.attn_out(attention) + mlp


class PocketPhi2(nn.Module):
    def __init__(self, c, n_used):
        super().__init__()
        self.embed = nn.Embedding(n_used, c["n_embd"])
        rotary = Rotary(c["rope_dims"], c["rope_base"], c["context"])
        self.blocks = nn.ModuleList(Phi2Block(c, rotary) for _ in range(c["n_layer"]))
        self.norm = nn.LayerNorm(c["n_embd"], eps=c["layer_norm_eps"])
        self.output = nn.Linear(c["n_embd"], n_used)
        mask = torch.triu(torch.ones(c["context"], c["context"], dtype=torch.bool), diagonal=1)
        self.register_buffer("mask", mask, persistent=False)
        self.apply(self._init)
        # residual projections scaled down with depth (GPT-2 style) for a stable start
        for block in self.blocks:
            for layer in (block.attn_out, block.down):
                nn.init.normal_(layer.weight, std=0.02 / math.sqrt(2 * c["n_layer"]))

    @staticmethod
    def _init(module):
        if isinstance(module, (nn.Linear, nn.Embedding)):
            nn.init.normal_(module.weight, std=0.02)
        if isinstance(module, nn.Linear) and module.bias is not None:
            nn.init.zeros_(module.bias)

    def forward(self, ids):
        x = self.embed(ids)
        for block in self.blocks:
            x = block(x, self.mask)
        return self.output(self.norm(x))


def learning_rate(step, total, c):
    """Warmup, then constant, then a linear decay over the last `decay_fraction` of the steps
    (warmup-stable-decay): the stable phase does not depend on the total, so a run resumed with
    a different --steps before its decay began is the same as one started with that total."""
    if step < c["warmup_steps"]:
        return c["lr"] * (step + 1) / c["warmup_steps"]
    decay_start = int(total * (1 - c["decay_fraction"]))
    if step < decay_start:
        return c["lr"]
    progress = (step - decay_start) / max(1, total - decay_start)
    return c["lr"] + (c["min_lr"] - c["lr"]) * progress


@torch.no_grad()
def held_out_loss(model, held_out, c, max_windows=None):
    """Mean next-token loss over consecutive non-overlapping context windows of the held-out split."""
    model.eval()
    window = c["context"]
    starts = list(range(0, len(held_out) - 1, window))
    if max_windows is not None:
        starts = starts[:max_windows]
    total, count = 0.0, 0
    for start in starts:
        chunk = held_out[start:start + window + 1]
        if len(chunk) < 2:
            continue
        ids = torch.from_numpy(chunk[:-1])[None]
        targets = torch.from_numpy(chunk[1:])[None]
        logits = model(ids)
        total += F.cross_entropy(logits[0], targets[0], reduction="sum").item()
        count += targets.numel()
    model.train()
    return total / count


# Tokens of the held-out split whose loss the dump records, so a test can check that llama.cpp
# computes the same loss from the exported GGUF (same graph, same weights up to f16 rounding).
CHECK_TOKENS = 257


@torch.no_grad()
def check_window(model, held_out, used_ids):
    model.eval()
    chunk = held_out[:CHECK_TOKENS]
    logits = model(torch.from_numpy(chunk[:-1])[None])[0]
    loss = F.cross_entropy(logits, torch.from_numpy(chunk[1:])).item()
    model.train()
    return {"tokens": used_ids[chunk].tolist(), "meanLoss": loss}


def dump_weights(model, used_ids, c, out_dir, meta):
    """Raw float32 tensors (torch layout, row-major) + manifest.json describing them."""
    tensors = []
    offset = 0
    os.makedirs(out_dir, exist_ok=True)
    with open(os.path.join(out_dir, "weights.f32"), "wb") as raw:
        for name, value in model.state_dict().items():
            array = value.detach().float().contiguous().numpy()
            raw.write(array.tobytes())
            tensors.append({"name": name, "shape": list(array.shape), "offset": offset})
            offset += array.nbytes
    manifest = {"recipeVersion": RECIPE_VERSION, "config": c, "usedIds": used_ids.tolist(), "tensors": tensors, **meta}
    with open(os.path.join(out_dir, "manifest.json"), "w") as out:
        json.dump(manifest, out)


def main():
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--data", required=True, help="folder with train.u16 and heldout.u16")
    parser.add_argument("--out", required=True, help="folder for checkpoints, log and the weight dump")
    parser.add_argument("--steps", type=int, default=340)
    parser.add_argument("--threads", type=int, default=1)
    parser.add_argument("--checkpoint-every", type=int, default=20)
    parser.add_argument("--eval-every", type=int, default=50)
    parser.add_argument("--set", action="append", default=[], metavar="KEY=VALUE", help="override a CONFIG entry (for timing trials)")
    args = parser.parse_args()

    c = dict(CONFIG)
    for override in args.set:
        key, value = override.split("=", 1)
        c[key] = type(CONFIG[key])(value)
    torch.manual_seed(c["seed"])
    torch.set_num_threads(args.threads)
    rng = np.random.default_rng(c["seed"])

    train = load_tokens(os.path.join(args.data, "train.u16"))
    held_out_raw = load_tokens(os.path.join(args.data, "heldout.u16"))
    used_ids = np.unique(np.concatenate([train, held_out_raw]))
    compact = np.full(51200, -1, dtype=np.int64)
    compact[used_ids] = np.arange(len(used_ids))
    train, held_out = compact[train], compact[held_out_raw]

    model = PocketPhi2(c, len(used_ids))
    decay = [p for n, p in model.named_parameters() if p.dim() >= 2]
    no_decay = [p for n, p in model.named_parameters() if p.dim() < 2]
    optimizer = torch.optim.AdamW([
        {"params": decay, "weight_decay": c["weight_decay"]},
        {"params": no_decay, "weight_decay": 0.0},
    ], lr=c["lr"], betas=(0.9, 0.95))

    os.makedirs(args.out, exist_ok=True)
    checkpoint_path = os.path.join(args.out, "checkpoint.pt")
    step = 0
    trained_seconds = 0.0
    if os.path.exists(checkpoint_path):
        state = torch.load(checkpoint_path)
        model.load_state_dict(state["model"])
        optimizer.load_state_dict(state["optimizer"])
        rng = state["rng"]
        step, trained_seconds = state["step"], state["trained_seconds"]
        print(f"resumed at step {step}", flush=True)

    log = open(os.path.join(args.out, "train-log.jsonl"), "a")
    params = sum(p.numel() for p in model.parameters())
    print(f"params {params:,} used ids {len(used_ids):,} train tokens {len(train):,} held-out {len(held_out):,}", flush=True)

    stop = {"requested": False}
    signal.signal(signal.SIGTERM, lambda *_: stop.update(requested=True))

    def save():
        torch.save({"model": model.state_dict(), "optimizer": optimizer.state_dict(), "rng": rng,
                    "step": step, "trained_seconds": trained_seconds}, checkpoint_path + ".tmp")
        os.replace(checkpoint_path + ".tmp", checkpoint_path)
        dump_weights(model, used_ids, c, args.out, {"step": step, "trainedSeconds": trained_seconds, "check": check_window(model, held_out, used_ids)})

    window, batch = c["context"], c["batch"]
    while step < args.steps and not stop["requested"]:
        started = time.time()
        for group in optimizer.param_groups:
            group["lr"] = learning_rate(step, args.steps, c)
        starts = rng.integers(0, len(train) - window - 1, size=batch)
        chunk = np.stack([train[s:s + window + 1] for s in starts])
        ids, targets = torch.from_numpy(chunk[:, :-1]), torch.from_numpy(chunk[:, 1:])
        logits = model(ids)
        loss = F.cross_entropy(logits.reshape(-1, logits.shape[-1]), targets.reshape(-1))
        optimizer.zero_grad(set_to_none=True)
        loss.backward()
        torch.nn.utils.clip_grad_norm_(model.parameters(), c["grad_clip"])
        optimizer.step()
        elapsed = time.time() - started
        trained_seconds += elapsed
        step += 1
        record = {"step": step, "loss": round(loss.item(), 4), "lr": round(optimizer.param_groups[0]["lr"], 6),
                  "seconds": round(elapsed, 3), "tokPerSecond": round(batch * window / elapsed, 1)}
        if step % args.eval_every == 0 or step == args.steps:
            record["heldOutLoss"] = round(held_out_loss(model, held_out, c, max_windows=8), 4)
        log.write(json.dumps(record) + "\n")
        log.flush()
        if step % 10 == 0 or "heldOutLoss" in record:
            print(json.dumps(record), flush=True)
        if step % args.checkpoint_every == 0:
            save()
    save()
    if stop["requested"]:
        print(f"stopped at step {step} (SIGTERM); resume with the same command", flush=True)
        return 0
    final = held_out_loss(model, held_out, c)
    summary = {"step": step, "heldOutLoss": round(final, 4), "heldOutPerplexity": round(math.exp(final), 3),
               "trainedSeconds": round(trained_seconds, 1),
               "trainTokPerSecond": round(step * batch * window / max(trained_seconds, 1e-9), 1)}
    dump_weights(model, used_ids, c, args.out, {"step": step, "trainedSeconds": trained_seconds, "final": summary,
                                                 "check": check_window(model, held_out, used_ids)})
    print(json.dumps({"final": summary}), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
