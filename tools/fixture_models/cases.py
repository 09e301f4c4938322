"""Small functions, one per lint rule or must-stay-silent case, lowered next to the router.

Each one isolates a single idiom so a fixture's expectations can name one op. Shapes follow the router (64 tokens x 160
experts, top-8) unless the case needs something else. Functions that use a bare PartitionSpec (with_sharding_constraint,
shard_map) rely on the mesh the lowering helper sets.
"""

import jax
import jax.numpy as jnp
from jax.sharding import PartitionSpec as P


def take_along_axis_gather(table, idx):
    """Lowers with operand_batching_dims: no iota, so nothing to localize."""
    return jnp.take_along_axis(table, idx, axis=1)


def row_iota_gather(table, idx):
    return table[jnp.arange(table.shape[0])[:, None], idx]


def row_iota_gather_u32(table, idx):
    """Unsigned expert indices, as PyTorch/XLA prints them."""
    return table[jnp.arange(table.shape[0])[:, None], idx.astype(jnp.uint32)]


def row_iota_scatter_add(table, idx, updates):
    return table.at[jnp.arange(table.shape[0])[:, None], idx].add(updates)


def row_iota_scatter_set(table, idx, updates):
    """Per-element updates rather than a broadcast constant."""
    return table.at[jnp.arange(table.shape[0])[:, None], idx].set(updates)


def flat_index_gather(table, idx):
    """`x.reshape(-1)[rows * E + idx]`: the row iota hides inside a flat index."""
    return table.reshape(-1)[jnp.arange(table.shape[0])[:, None] * table.shape[1] + idx]


def row_iota_gather_3d(x, idx):
    """x[B, S, E] indexed by a row iota, a sequence iota and the expert index."""
    seq = jnp.arange(x.shape[1])[None, :, None]
    return x[jnp.arange(x.shape[0])[:, None, None], seq, idx]


def causal_scores_sequence_sharded(h):
    """Sequence-parallel attention scores: the causal mask's query iota lands on the sharded sequence axis."""
    h = jax.lax.with_sharding_constraint(h, P(None, "batch", None))
    seq = h.shape[1]
    causal = jnp.arange(seq)[:, None] >= jnp.arange(seq)[None, :]
    scores = jnp.einsum("bsd,btd->bst", h, h)
    return jnp.where(causal[None], scores, -1e9)


def argmax_and_top_k(logits):
    """Iotas over the (unsharded) expert axis only."""
    return jnp.argmax(logits, axis=-1), jax.lax.top_k(logits, 8)[1]


def shard_local_gather(table, idx):
    """The row-iota gather inside shard_map: each shard indexes its own rows, so the iota is local by construction."""
    spec = P("batch", None)
    return jax.shard_map(row_iota_gather, in_specs=(spec, spec), out_specs=spec)(table, idx)


def row_iota_gather_behind_barrier(table, idx):
    """The row iota and the indices pass through an optimization_barrier (as remat puts them) before the gather."""
    rows, idx = jax.lax.optimization_barrier((jnp.arange(table.shape[0]), idx))
    return table[rows[:, None], idx]
