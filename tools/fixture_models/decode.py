"""Greedy decoding and integer lookups: the models of HF007 (argmax / top_k / argsort over a sharded dim) and HF008
(integer values through float), each next to its hazard-free twin.

Shapes: a decode step of 8 sequences with hidden size 64 and a 512-token vocabulary; the lm_head `W_vocab` [64, 512]
is column-parallel (its vocab dim sharded over "model") in the hazardous cases, so `h @ W_vocab` has its vocab dim
sharded through dot_general's free dim, as in tensor-parallel decoding.
"""

import jax
import jax.numpy as jnp
from jax.sharding import PartitionSpec as P

TOP_K = 4
ROW_LENGTH = 4096


def greedy_argmax(h, w_vocab):
    """The next token over vocab-sharded logits (tt-mlir#8623's LMHead)."""
    return jnp.argmax(h @ w_vocab, axis=-1)


def greedy_top_k(h, w_vocab):
    """Top-k candidates over vocab-sharded logits (tt-xla PR #5004's sampling path)."""
    return jax.lax.top_k(h @ w_vocab, TOP_K)[1]


def ranked_tokens(h, w_vocab):
    """Every token ranked by its logit (jnp.argsort: a sort with an iota payload)."""
    return jnp.argsort(h @ w_vocab, axis=-1)


def greedy_argmax_gathered(h, w_vocab):
    """The fix written in the model: replicate the vocab dim (keeping the batch's sharding) before the argmax."""
    logits = jax.lax.with_sharding_constraint(h @ w_vocab, P("batch", None))
    return jnp.argmax(logits, axis=-1)


def greedy_top_k_gathered(h, w_vocab):
    logits = jax.lax.with_sharding_constraint(h @ w_vocab, P("batch", None))
    return jax.lax.top_k(logits, TOP_K)[1]


def position_lookup(positions, idx):
    """An int32 position table read by index (position ids, cu_seqlens): backends lower it to an embedding."""
    return positions[idx]


def embedding_lookup(embeddings, ids):
    """A float embedding table read by token id: the embedding's own case, exact in the table's type."""
    return embeddings[ids]


def small_table_lookup(ids):
    """An int32 table whose values all fit in bf16 (0..255): rounding it to bf16 changes nothing."""
    table = jnp.arange(256, dtype=jnp.int32)[::-1]
    return table[ids]


def flat_index_through_float(rows, cols, flat_table):
    """A flat index `row * ROW_LENGTH + col` into a 1-D buffer (a paged cache, a flattened weight), computed in f32
    and converted back: past 2^24 neighbouring indices collapse (tt-mlir PR #8998: 30719999 became 30720000)."""
    flat = rows.astype(jnp.float32) * ROW_LENGTH + cols.astype(jnp.float32)
    return flat_table[flat.astype(jnp.int32)]


def flat_index_in_integers(rows, cols, flat_table):
    """The same index kept in int32."""
    return flat_table[rows * ROW_LENGTH + cols]
