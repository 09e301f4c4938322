"""Generate the benchmark input: a large batch-sharded MoE decode export.

The file is what hlo-fix is built for in the wild: StableHLO text exported by
``jax.jit(...).lower(...).as_text(debug_info=True)`` from a model whose MoE
router uses the row-iota gather/scatter idioms, sharded over a batch axis with
Shardy.  The layers are unrolled in Python so ``main`` itself is huge (tens of
MB), which is the worst case for a text linter: every op and every ``#loc``
alias must be read, none can be skipped as an unused private function.

The result is cached in ``bench/out/model.mlir``; pass ``--force`` to rebuild.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

# Eight fake CPU devices for the 4x2 mesh; must be set before jax is imported.
os.environ["XLA_FLAGS"] = (
    os.environ.get("XLA_FLAGS", "") + " --xla_force_host_platform_device_count=8"
).strip()
os.environ.setdefault("JAX_PLATFORMS", "cpu")

import jax  # noqa: E402
import jax.numpy as jnp  # noqa: E402
from jax import lax  # noqa: E402
from jax.sharding import NamedSharding, PartitionSpec as P  # noqa: E402

BENCH_DIR = Path(__file__).resolve().parent
DEFAULT_OUT = BENCH_DIR / "out" / "model.mlir"

# Shapes of one decode step.  D is kept modest so lowering stays fast; the
# router shapes are those of GLM-4.x / DeepSeek-V3 (E=160 routed experts in
# G=8 groups, top-4 groups, top-8 experts).
B = 64  # tokens in the decode batch
D = 256  # model width
E = 160  # routed experts
G = 8  # expert groups
TOPK_GROUPS = 4
TOPK = 8
MIN_BYTES = 25 * 1024 * 1024
DEFAULT_LAYERS = 2000


def rms_norm(x, gamma):
    """RMSNorm as decoders write it; adds reduce/rsqrt/broadcast ops per layer."""
    var = jnp.mean(x * x, axis=-1, keepdims=True)
    return x * lax.rsqrt(var + 1e-6) * gamma


def attention_ish(x, wq, wk, wv, wo):
    """Stand-in for decode attention: the matmuls and a softmax over tokens.

    A real decode step attends over a KV cache; what matters to the linter is
    the volume and kind of ops (dot_general, reduce, exp), not the semantics.
    """
    q, k, v = x @ wq, x @ wk, x @ wv
    scores = (q @ k.T) * (1.0 / D**0.5)
    return jax.nn.softmax(scores, axis=-1) @ v @ wo


def moe_router(x, w_router, bias):
    """GLM-4.x / DeepSeek-V3 grouped top-k router.

    Written with the exact idioms hlo-fix targets: the row-iota gather
    ``s[arange(B)[:, None], idx]`` and the row-iota scatter
    ``zeros_like(gs).at[arange(B)[:, None], gidx].set(1.0)``.  Under a batch
    sharding these lower to iotas that are not sharded like their operands.
    """
    scores = jax.nn.sigmoid(x @ w_router)  # [B, E]
    biased = scores + bias
    grouped = biased.reshape(B, G, E // G)
    gs = lax.top_k(grouped, 2)[0].sum(axis=-1)  # [B, G] group scores
    _, gidx = lax.top_k(gs, TOPK_GROUPS)  # [B, 4]
    # Each idiom spells its own arange, as model code does, so each gets its
    # own iota in the export (a shared iota would be a different pattern).
    gmask = jnp.zeros_like(gs).at[jnp.arange(B)[:, None], gidx].set(1.0)  # [B, G]
    emask = jnp.repeat(gmask, E // G, axis=1)  # [B, E]
    masked = jnp.where(emask > 0, biased, 0.0)
    _, idx = lax.top_k(masked, TOPK)  # [B, 8]
    weights = scores[jnp.arange(B)[:, None], idx]  # [B, 8], gathered without the bias
    return weights / weights.sum(axis=-1, keepdims=True), idx


def moe_combine(weights, idx, expert_table):
    """Combine the chosen experts: a small per-expert projection, weighted.

    Not a full MoE FFN; it keeps the gather of expert rows and the weighted
    einsum that a real combine has, at a fraction of the lowering cost.
    """
    return jnp.einsum("bk,bkd->bd", weights, expert_table[idx])


def decoder_layer(x, p):
    """One decode step: pre-norm attention, then pre-norm routed MoE."""
    h = x + attention_ish(rms_norm(x, p["g1"]), p["wq"], p["wk"], p["wv"], p["wo"])
    weights, idx = moe_router(rms_norm(h, p["g2"]), p["w_router"], p["bias"])
    return h + moe_combine(weights, idx, p["experts"])


def make_params():
    """Shape structs for the weights; shared by every layer.

    Sharing keeps the argument list (and memory while lowering) small; the
    layers are still distinct ops in ``main`` because each consumes the
    previous layer's output.
    """
    f32 = jnp.float32
    sd = jax.ShapeDtypeStruct
    return {
        "g1": sd((D,), f32),
        "g2": sd((D,), f32),
        "wq": sd((D, D), f32),
        "wk": sd((D, D), f32),
        "wv": sd((D, D), f32),
        "wo": sd((D, D), f32),
        "w_router": sd((D, E), f32),
        "bias": sd((E,), f32),
        "experts": sd((E, D), f32),
    }


def build_step(n_layers):
    """The whole model as one function with the layers unrolled in Python.

    Unrolled on purpose (no lax.scan, no nested jit) so that ``main`` holds
    every op: a scan or a private callee would make the text small.
    """

    def step(x, params):
        for i in range(n_layers):
            with jax.named_scope(f"layer_{i}"):
                x = decoder_layer(x, params)
        return x

    return step


def lower_text(n_layers):
    """Lower the step batch-sharded on a 4x2 mesh and return the text."""
    mesh = jax.make_mesh((4, 2), ("batch", "model"))
    x_sharding = NamedSharding(mesh, P("batch", None))
    replicated = NamedSharding(mesh, P())
    params = make_params()
    jitted = jax.jit(
        build_step(n_layers),
        in_shardings=(x_sharding, jax.tree.map(lambda _: replicated, params)),
        out_shardings=x_sharding,
    )
    x = jax.ShapeDtypeStruct((B, D), jnp.float32)
    return jitted.lower(x, params).as_text(debug_info=True)


def parse_args(argv):
    """Command line: layer count, output path, and --force to ignore the cache."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--layers", type=int, default=DEFAULT_LAYERS,
                    help=f"decoder layers to unroll (default {DEFAULT_LAYERS})")
    ap.add_argument("--out", type=Path, default=DEFAULT_OUT,
                    help="where to write the text (default bench/out/model.mlir)")
    ap.add_argument("--force", action="store_true",
                    help="regenerate even if the output exists")
    ap.add_argument("--allow-small", action="store_true",
                    help="do not fail when the text is under 25 MB (for quick tries)")
    return ap.parse_args(argv)


def reusable(path, allow_small):
    """A cached export is reused unless missing or (a quick try) under 25 MiB."""
    return path.is_file() and (allow_small or path.stat().st_size >= MIN_BYTES)


def main(argv=None):
    """Generate (or reuse) the export and report its size and generation time."""
    args = parse_args(argv)
    if reusable(args.out, args.allow_small) and not args.force:
        size = args.out.stat().st_size
        print(f"make_model: reusing {args.out} ({size / 1e6:.1f} MB); --force to rebuild")
        return 0
    t0 = time.perf_counter()
    text = lower_text(args.layers)
    elapsed = time.perf_counter() - t0
    args.out.parent.mkdir(parents=True, exist_ok=True)
    tmp = args.out.with_suffix(".tmp")
    tmp.write_text(text)
    tmp.replace(args.out)  # never leave a half-written cache behind
    size = len(text.encode())
    print(f"make_model: {args.layers} layers, {size / 1e6:.1f} MB "
          f"({size / 2**20:.1f} MiB), lowered in {elapsed:.1f}s -> {args.out}")
    if size < MIN_BYTES and not args.allow_small:
        print(f"make_model: text is under {MIN_BYTES // 2**20} MiB; raise --layers",
              file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
