"""Slices of sharded dims (HF006) and sharded constants (HF009), each next to its hazard-free form.

The hazards are the ones backends were seen to break: a fused column-parallel projection cut into chunks (HiDream's
adaLN `chunk(12)`, FLUX.2's fused QKV+MLP, OmniGen's `gate_up_proj`), a window taken out of a batch-sharded buffer
with a runtime start, and a position table baked into the program as a constant and sharded like the sequence.
"""

import jax
import jax.numpy as jnp
import numpy as np
from jax.sharding import PartitionSpec as P

SEQ = 128


def adaln_chunks(h, temb, w_ada):
    """DiT adaLN modulation: one column-parallel Linear (w_ada sharded P(None, "model")) chunked into shift, scale,
    gate along the sharded output features."""
    shift, scale, gate = jnp.split(jax.nn.silu(temb) @ w_ada, 3, axis=-1)
    return h + gate * (h * (1 + scale) + shift)


def fused_gate_up(x, w_gate_up):
    """A SwiGLU FFN with gate and up fused in one column-parallel projection, split in two."""
    gate, up = jnp.split(x @ w_gate_up, 2, axis=-1)
    return jax.nn.silu(gate) * up


def separate_gate_up(x, w_gate, w_up):
    """The same FFN with one column-parallel projection per half: no slice crosses a shard."""
    return jax.nn.silu(x @ w_gate) * (x @ w_up)


def head_dim_slice(x):
    """Halves of the feature dim of a batch-sharded activation: the sliced dim is not sharded."""
    return x[:, : x.shape[1] // 2] * x[:, x.shape[1] // 2 :]


def batch_window(x, start):
    """A micro-batch window out of a batch-sharded buffer: the runtime start is a global row."""
    return jax.lax.dynamic_slice_in_dim(x, start, 16, axis=0)


def time_window(x, start):
    """A window along the (unsharded) time axis of a batch-sharded [B, T, D] buffer."""
    return jax.lax.dynamic_slice_in_dim(x, start, 16, axis=1)


def position_table(h):
    """Positions 0..S-1 baked in as a constant (np.arange at trace time) and added along the sharded sequence."""
    h = jax.lax.with_sharding_constraint(h, P(None, "batch", None))
    positions = jnp.asarray(np.arange(SEQ, dtype=np.int32))
    return h + positions[None, :, None].astype(h.dtype)


def periodic_tables(h):
    """Constants the shards agree on: a feature-dim table along the unsharded dim, and a sequence table that repeats
    with the shard length (every one of the 4 shards holds 0..31)."""
    h = jax.lax.with_sharding_constraint(h, P(None, "batch", None))
    features = jnp.asarray(np.linspace(0.5, 4.0, h.shape[2], dtype=np.float32))
    repeating = jnp.asarray(np.tile(np.arange(SEQ // 4, dtype=np.int32), 4))
    return h * features[None, None, :] + repeating[None, :, None].astype(h.dtype)


def shard_local_split(x):
    """The fused split inside jax.shard_map: each shard splits its own columns."""

    def local(y):
        gate, up = jnp.split(y, 2, axis=-1)
        return jax.nn.silu(gate) * up

    return jax.shard_map(local, in_specs=P(None, "model"), out_specs=P(None, "model"))(x)
