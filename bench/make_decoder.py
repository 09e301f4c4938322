"""Generate the second benchmark input: a decoder stack with realistic structure (26 MB of StableHLO).

`make_model.py` is the extreme case: one tiny MoE router repeated 2000 times, thousands of hazards. This one is
what a training or serving export looks like: every layer has its own weights (a long `main` signature with a
Shardy sharding per argument), grouped-query attention with rotary embeddings and a causal mask, then a routed
MLP (top-k router, the row-iota weight gather, a dense SwiGLU expert path), and sharding constraints on the
activations. Weights are tensor-parallel over `model`, activations data-parallel over `batch`. Lowered by
`jax.jit(...).lower(...).as_text(debug_info=True)`, so every op carries a location.

Cached in `bench/out/decoder.mlir` (git-ignored); `--force` rebuilds.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

os.environ["XLA_FLAGS"] = (os.environ.get("XLA_FLAGS", "") + " --xla_force_host_platform_device_count=8").strip()
os.environ.setdefault("JAX_PLATFORMS", "cpu")

import jax  # noqa: E402
import jax.numpy as jnp  # noqa: E402
from jax import lax  # noqa: E402
from jax.sharding import AxisType, NamedSharding, PartitionSpec as P  # noqa: E402

BENCH_DIR = Path(__file__).resolve().parent
DEFAULT_OUT = BENCH_DIR / "out" / "decoder.mlir"
TARGET_BYTES = 26_000_000

B, S = 8, 128  # batch, sequence (a prefill step)
D = 512  # model width
H, KV, HD = 8, 2, 64  # query heads, key/value heads (grouped-query attention), head size
F = 1024  # MLP width
E, TOPK = 16, 2  # experts, experts per token
DEFAULT_LAYERS = 345


def rms_norm(x, gamma):
    var = jnp.mean(jnp.square(x.astype(jnp.float32)), axis=-1, keepdims=True)
    return (x * lax.rsqrt(var + 1e-6)).astype(x.dtype) * gamma


def rotary(x, positions):
    """Rotary position embedding over the last axis (pairs of halves)."""
    half = HD // 2
    freqs = 1.0 / (10000.0 ** (jnp.arange(half, dtype=jnp.float32) / half))
    angles = positions[:, None].astype(jnp.float32) * freqs[None, :]  # [S, half]
    sin, cos = jnp.sin(angles)[None, :, None, :], jnp.cos(angles)[None, :, None, :]
    x1, x2 = x[..., :half], x[..., half:]
    return jnp.concatenate([x1 * cos - x2 * sin, x2 * cos + x1 * sin], axis=-1).astype(x.dtype)


def attention(x, p, positions, mesh):
    q = (x @ p["wq"]).reshape(B, S, H, HD)
    k = (x @ p["wk"]).reshape(B, S, KV, HD)
    v = (x @ p["wv"]).reshape(B, S, KV, HD)
    q, k = rotary(q, positions), rotary(k, positions)
    k = jnp.repeat(k, H // KV, axis=2)
    v = jnp.repeat(v, H // KV, axis=2)
    scores = jnp.einsum("bqhd,bkhd->bhqk", q, k).astype(jnp.float32) / jnp.sqrt(float(HD))
    causal = jnp.tril(jnp.ones((S, S), dtype=bool))
    scores = jnp.where(causal[None, None], scores, jnp.finfo(jnp.float32).min)
    probs = jax.nn.softmax(scores, axis=-1).astype(x.dtype)
    out = jnp.einsum("bhqk,bkhd->bqhd", probs, v).reshape(B, S, H * HD)
    out = jax.lax.with_sharding_constraint(out, NamedSharding(mesh, P("batch", None, "model")))
    return out @ p["wo"]


def routed_mlp(x, p):
    """Top-k router over E experts (the row-iota gather of the chosen weights), then SwiGLU experts weighted
    by a one-hot combine: dense, as small-batch MoE layers often run."""
    tokens = x.reshape(B * S, D)
    logits = tokens @ p["router"]  # [T, E]
    probs = jax.nn.softmax(logits.astype(jnp.float32), axis=-1)
    _, idx = lax.top_k(probs, TOPK)  # [T, k]
    weights = probs[jnp.arange(B * S)[:, None], idx]  # the row-iota gather
    weights = weights / weights.sum(axis=-1, keepdims=True)
    combine = jnp.einsum("tk,tke->te", weights, jax.nn.one_hot(idx, E, dtype=jnp.float32))  # [T, E]
    gate = jax.nn.silu(jnp.einsum("td,edf->tef", tokens, p["w_gate"]))
    up = jnp.einsum("td,edf->tef", tokens, p["w_up"])
    expert_out = jnp.einsum("tef,efd->ted", gate * up, p["w_down"])
    return jnp.einsum("te,ted->td", combine.astype(x.dtype), expert_out).reshape(B, S, D)


def layer(x, p, positions, mesh):
    h = x + attention(rms_norm(x, p["norm1"]), p, positions, mesh)
    h = jax.lax.with_sharding_constraint(h, NamedSharding(mesh, P("batch", None, None)))
    return h + routed_mlp(rms_norm(h, p["norm2"]), p)


def layer_params(mesh):
    """Shapes and shardings of one layer's weights (tensor-parallel over `model`)."""
    f32 = jnp.float32
    sd = jax.ShapeDtypeStruct
    shapes = {
        "norm1": (sd((D,), f32), P()),
        "norm2": (sd((D,), f32), P()),
        "wq": (sd((D, H * HD), f32), P(None, "model")),
        "wk": (sd((D, KV * HD), f32), P(None, "model")),
        "wv": (sd((D, KV * HD), f32), P(None, "model")),
        "wo": (sd((H * HD, D), f32), P("model", None)),
        "router": (sd((D, E), f32), P()),
        "w_gate": (sd((E, D, F), f32), P(None, None, "model")),
        "w_up": (sd((E, D, F), f32), P(None, None, "model")),
        "w_down": (sd((E, F, D), f32), P(None, "model", None)),
    }
    return ({k: s for k, (s, _) in shapes.items()}, {k: NamedSharding(mesh, spec) for k, (_, spec) in shapes.items()})


def lower_text(n_layers):
    mesh = jax.make_mesh((4, 2), ("batch", "model"), axis_types=(AxisType.Auto, AxisType.Auto))
    shapes, shardings = layer_params(mesh)
    params = [shapes] * n_layers  # distinct arguments per layer, one shape each

    def forward(layers, x):
        positions = jnp.arange(S)
        for i, p in enumerate(layers):
            with jax.named_scope(f"layer_{i}"):
                x = layer(x, p, positions, mesh)
        return jnp.mean(jnp.square(x))

    def train_step(layers, x):
        loss, grads = jax.value_and_grad(forward)(layers, x)
        return loss, jax.tree.map(lambda w, g: w - 1e-3 * g, layers, grads)

    x_sharding = NamedSharding(mesh, P("batch", None, None))
    layer_shardings = [shardings] * n_layers
    jitted = jax.jit(train_step, in_shardings=(layer_shardings, x_sharding), out_shardings=(None, layer_shardings))
    return jitted.lower(params, jax.ShapeDtypeStruct((B, S, D), jnp.float32)).as_text(debug_info=True)


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--layers", type=int, default=DEFAULT_LAYERS)
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT)
    ap.add_argument("--force", action="store_true", help="regenerate even if the output exists")
    args = ap.parse_args(argv)
    if args.out.is_file() and not args.force:
        print(f"make_decoder: reusing {args.out} ({args.out.stat().st_size / 1e6:.1f} MB); --force to rebuild")
        return 0
    t0 = time.perf_counter()
    text = lower_text(args.layers)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    tmp = args.out.with_suffix(".tmp")
    tmp.write_text(text, encoding="utf-8")
    tmp.replace(args.out)
    size = len(text.encode())
    print(f"make_decoder: {args.layers} layers, {size / 1e6:.1f} MB, lowered in {time.perf_counter() - t0:.1f}s "
          f"-> {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
