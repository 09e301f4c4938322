"""The seed MoE router written JAX's current way: an explicit-axes mesh (`jax.make_mesh`'s default), with every
indexing op saying where its result lives (`.at[rows, idx].get(out_sharding=...)`, `.set(..., out_sharding=...)`)
and `jax.sharding.reshard` where a value changes its sharding.

JAX wraps the values of such a program in sharding constraints (`sdy.sharding_constraint`, or `custom_call
@Sharding` under GSPMD), the row iota included: the linter must see through them. `router_gather_scatter` has the
seed's row-iota scatter and gather; `router_onehot` is the hazard-free one-hot form, written the same way.
"""

import jax
import jax.numpy as jnp
from jax.sharding import PartitionSpec as P

TOKENS = 64
EXPERTS = 160
TOP_K = 8
GROUPS = 8
TOP_GROUPS = 4
ROWS = P("batch", None)


def _scores(logits, bias):
    scores = jax.nn.sigmoid(logits)
    return scores, scores + bias


def _group_scores(biased):
    grouped = biased.reshape(biased.shape[0], GROUPS, EXPERTS // GROUPS)
    return jax.lax.top_k(grouped, 2)[0].sum(-1)


def _top_experts(biased, group_mask):
    expert_mask = jnp.repeat(group_mask, EXPERTS // GROUPS, axis=1)
    masked = jnp.where(expert_mask > 0, biased, -jnp.inf)
    return jax.sharding.reshard(jax.lax.top_k(masked, TOP_K)[1], ROWS)


def _normalize(weights):
    return weights / weights.sum(-1, keepdims=True)


def router_gather_scatter(logits, bias):
    """Row-iota scatter for the group mask and row-iota gather for the weights, with explicit out_sharding."""
    scores, biased = _scores(logits, bias)
    group_scores = _group_scores(biased)
    _, group_idx = jax.lax.top_k(group_scores, TOP_GROUPS)
    rows = jnp.arange(logits.shape[0])[:, None]
    group_mask = jnp.zeros_like(group_scores).at[rows, group_idx].set(1.0, out_sharding=ROWS)
    idx = _top_experts(biased, group_mask)
    return _normalize(scores.at[rows, idx].get(out_sharding=ROWS)), idx


def router_onehot(logits, bias):
    """One-hot comparisons against expert-axis iotas, reduced with any/einsum: hazard-free."""
    scores, biased = _scores(logits, bias)
    group_scores = _group_scores(biased)
    _, group_idx = jax.lax.top_k(group_scores, TOP_GROUPS)
    group_mask = (group_idx[..., None] == jnp.arange(GROUPS)).any(1).astype(group_scores.dtype)
    idx = _top_experts(biased, group_mask)
    onehot = (idx[..., None] == jnp.arange(EXPERTS)).astype(scores.dtype)
    return _normalize(jnp.einsum("be,bke->bk", scores, onehot, out_sharding=ROWS)), idx
