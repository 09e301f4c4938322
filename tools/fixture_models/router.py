"""The seed MoE router (GLM-4.x / DeepSeek-V3 grouped top-k) written in its two idioms.

`router_gather_scatter` picks rows with `jnp.arange(B)[:, None]`: the exporter concatenates that row iota with the
expert index, which some backends localize wrongly once the batch axis is sharded. `router_onehot` compares the index
with an iota over the group/expert axis and reduces with any/einsum, which is hazard-free. Both share every other step,
so their fixtures differ only where the hazard is.

The generator compiles this file under a stable name (hlo_fix_fixtures/router.py) so debug locations do not depend on
where the repository is checked out; line numbers here show up in the *_debug fixtures.
"""

import jax
import jax.numpy as jnp

TOKENS = 64
EXPERTS = 160
TOP_K = 8
GROUPS = 8
TOP_GROUPS = 4


def _scores(logits, bias):
    """Sigmoid affinities, and the bias-corrected copy used only for selection (DeepSeek-V3)."""
    scores = jax.nn.sigmoid(logits)
    return scores, scores + bias


def _group_scores(biased):
    """A group's score is the sum of its two best experts."""
    grouped = biased.reshape(biased.shape[0], GROUPS, EXPERTS // GROUPS)
    return jax.lax.top_k(grouped, 2)[0].sum(-1)


def _top_experts(biased, group_mask):
    """Top-k experts among the selected groups."""
    expert_mask = jnp.repeat(group_mask, EXPERTS // GROUPS, axis=1)
    masked = jnp.where(expert_mask > 0, biased, -jnp.inf)
    return jax.lax.top_k(masked, TOP_K)[1]


def _normalize(weights):
    return weights / weights.sum(-1, keepdims=True)


def router_gather_scatter(logits, bias):
    """Row-iota scatter for the group mask and row-iota gather for the weights: the hazardous idiom."""
    scores, biased = _scores(logits, bias)
    group_scores = _group_scores(biased)
    _, group_idx = jax.lax.top_k(group_scores, TOP_GROUPS)
    rows = jnp.arange(logits.shape[0])[:, None]
    group_mask = jnp.zeros_like(group_scores).at[rows, group_idx].set(1.0)
    idx = _top_experts(biased, group_mask)
    return _normalize(scores[rows, idx]), idx


def router_onehot(logits, bias):
    """One-hot comparisons against expert-axis iotas, reduced with any/einsum: the hazard-free idiom."""
    scores, biased = _scores(logits, bias)
    group_scores = _group_scores(biased)
    _, group_idx = jax.lax.top_k(group_scores, TOP_GROUPS)
    group_mask = (group_idx[..., None] == jnp.arange(GROUPS)).any(1).astype(group_scores.dtype)
    idx = _top_experts(biased, group_mask)
    onehot = (idx[..., None] == jnp.arange(EXPERTS)).astype(scores.dtype)
    return _normalize(jnp.einsum("be,bke->bk", scores, onehot)), idx
