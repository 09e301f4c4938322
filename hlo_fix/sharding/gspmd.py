"""GSPMD sharding strings (`mhlo.sharding = "{devices=[4,1,2]<=[8] last_tile_dim_replicate}"`) to per-dim shardings,
parsed with `grammar/gspmd.lark`."""

from __future__ import annotations

import functools

from hlo_fix.ir.grammar import gspmd_parser
from hlo_fix.sharding.spec import MANUAL, REPLICATED, UNKNOWN, DimSharding, TensorSharding


@functools.lru_cache(maxsize=1024)
def parse_gspmd(text: str) -> tuple[TensorSharding, ...] | None:
    """One sharding per result (a tuple sharding gives several); None for an empty or unreadable string."""
    text = text.strip()
    if not text:
        return None
    from lark.exceptions import LarkError  # only GSPMD modules pay for importing Lark

    try:
        tree = gspmd_parser().parse(text)
    except LarkError:
        return None
    return tuple(_shardings(tree.children[0]))


def _shardings(root) -> list[TensorSharding]:
    """The leaves of a (possibly nested) tuple sharding, in order. Walked with a stack, not recursion: the string is
    input, and `{{{...{replicated}...}}}` nested 100,000 deep is still one tuple for Lark."""
    found = []
    pending = [root]
    while pending:
        node = pending.pop()
        if node.data == "tuple":
            pending.extend(reversed(node.children))
        elif node.data == "simple":
            kind = node.children[0]
            found.append(MANUAL if kind == "manual" else UNKNOWN if kind == "unknown" else REPLICATED)
        else:
            found.append(_tiled(node))
    return found


def _tiled(node) -> TensorSharding:
    tiles = [int(t) for t in node.children[0].children]
    trailing = 0
    manual = False
    for modifier in node.children[2:]:
        if not hasattr(modifier, "data"):
            continue  # a bare token, not a clause
        if modifier.data == "replicate_last":
            trailing += 1
        elif modifier.data == "last_tile_dims":
            kinds = [str(sub.children[0]) for sub in modifier.children]
            trailing += len(kinds)
            manual = manual or "manual" in kinds
    data_tiles = tiles[: len(tiles) - trailing] if trailing else tiles
    dims = tuple(DimSharding((), n) for n in data_tiles)
    return TensorSharding(dims, manual=manual)



def unspecified_dims(backend_config: str | None) -> tuple[int, ...]:
    """`backend_config = "unspecified_dims=[0,2]"` on a `custom_call @Sharding`: the dims JAX left to propagation
    (`with_sharding_constraint(x, P(P.UNCONSTRAINED, None))`); () when there are none."""
    from hlo_fix.ir.attributes import parse_ints, parse_string

    text = parse_string(backend_config) if backend_config and backend_config.startswith('"') else ""
    key = "unspecified_dims="
    if not text.startswith(key):
        return ()
    try:
        return tuple(parse_ints(text[len(key) :]))
    except ValueError:
        return ()


def with_open_dims(sharding: TensorSharding, dims: tuple[int, ...], rank: int) -> TensorSharding:
    """The sharding with `dims` open (they decide nothing, as Shardy's `{?}`); a `{replicated}` one is closed and
    replicated on every other dim."""
    if sharding.manual:
        return sharding
    base = sharding.dims if not sharding.replicated and len(sharding.dims) == rank else (DimSharding(),) * rank
    return TensorSharding(tuple(DimSharding(d.axes, d.ways, True) if i in dims else d for i, d in enumerate(base)))
