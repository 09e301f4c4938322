"""Shardy shardings: `sdy.mesh`, `#sdy.sharding<@mesh, [{"batch"}, {}]>`, `#sdy.sharding_per_value<[...]>`,
and the bare `<@mesh, [...]>` form inside `sdy.sharding_constraint` and `in_shardings=[...]`.

Open dims `{?}` / `{"x", ?}`, priorities `{"x"}p1`, sub-axes `"x":(1)2` and `replicated={...}` are read; only which
axes split a dimension matters here (propagation fills open dims from the dataflow)."""

from __future__ import annotations

from hlo_fix.ir.memo import TextTable
from hlo_fix.ir.tokens import Token, matching_close, tokenize
from hlo_fix.sharding.spec import DimSharding, Mesh, TensorSharding

# An export repeats a few sharding texts thousands of times (one per weight and activation of every layer).
_SHARDINGS: TextTable[tuple[TensorSharding, ...]] = TextTable()


def parse_mesh(name: str, text: str) -> Mesh:
    """`<["batch"=4, "model"=2]>` (the text after `sdy.mesh @name =`)."""
    tokens = tokenize(text, strict=False)
    axes = []
    for i, tok in enumerate(tokens[:-2]):
        if tok.type == "STRING" and tokens[i + 1].type == "EQUAL" and tokens[i + 2].type == "INT":
            axes.append((tok.value[1:-1], int(tokens[i + 2].value)))
    return Mesh(name, tuple(axes))


def parse_tensor_shardings(text: str, meshes: dict[str, Mesh]) -> list[TensorSharding]:
    """Every `<@mesh, [dims]>` in the text, in order (one for #sdy.sharding, one per value for per_value).
    Decoded once per distinct text and set of meshes."""
    return cached_shardings(text, text, meshes)


def cached_shardings(key: str, text: str, meshes: dict[str, Mesh]) -> list[TensorSharding]:
    """`parse_tensor_shardings(text)`, remembered under `key`: the text itself, or an op's `op_key` when the text
    is the op's own text (SSA names and locations name no mesh)."""
    full_key = (key, *meshes.items()) if meshes else key
    found = _SHARDINGS.get(full_key)
    if found is None:
        found = _SHARDINGS.put(full_key, tuple(_parse_tensor_shardings(text, meshes)))
    return list(found)


def _parse_tensor_shardings(text: str, meshes: dict[str, Mesh]) -> list[TensorSharding]:
    tokens = tokenize(text, strict=False)
    found = []
    for i, tok in enumerate(tokens):
        if tok.type == "LESSTHAN" and i + 1 < len(tokens) and tokens[i + 1].type in ("SYMBOL_REF", "BARE_ID"):
            mesh = _mesh_of(tokens, i + 1, meshes)
            if mesh is None:
                continue
            # An inline `mesh<["x"=2]>` has brackets of its own: the dims list starts after it.
            after = i + 2
            if tokens[i + 1].type == "BARE_ID" and after < len(tokens) and tokens[after].type == "LESSTHAN":
                after = matching_close(tokens, after) + 1
            dims_open = next((j for j in range(after, len(tokens)) if tokens[j].type == "LSQB"), None)
            if dims_open is None:
                continue
            found.append(_dims(tokens, dims_open, mesh))
    return found


def _mesh_of(tokens: list[Token], i: int, meshes: dict[str, Mesh]) -> Mesh | None:
    tok = tokens[i]
    if tok.type == "SYMBOL_REF":
        return meshes.get(tok.value[1:].strip('"'), Mesh(tok.value[1:], ()))
    if tok.value == "mesh" and i + 1 < len(tokens) and tokens[i + 1].type == "LESSTHAN":
        close = matching_close(tokens, i + 1)
        text = "".join(t.value for t in tokens[i + 1 : close + 1])
        return parse_mesh("<inline>", text)
    return None


def _dims(tokens: list[Token], open_index: int, mesh: Mesh) -> TensorSharding:
    close = matching_close(tokens, open_index)
    dims = []
    i = open_index + 1
    while i < close:
        if tokens[i].type == "LBRACE":
            end = matching_close(tokens, i)
            dims.append(_dim(tokens[i + 1 : end], mesh))
            i = end
        i += 1
    return TensorSharding(tuple(dims))


def _dim(tokens: list[Token], mesh: Mesh) -> DimSharding:
    axes: list[str] = []
    ways = 1
    is_open = any(t.type == "PUNCT" and t.value == "?" for t in tokens)
    i = 0
    while i < len(tokens):
        tok = tokens[i]
        if tok.type == "STRING":
            name = tok.value[1:-1]
            # Sub-axis `"x":(1)2`: the part of size 2 of axis x.
            if i + 4 < len(tokens) and tokens[i + 1].type == "COLON" and tokens[i + 2].type == "LPAR":
                size = int(tokens[i + 5].value) if i + 5 < len(tokens) and tokens[i + 5].type == "INT" else 1
                axes.append(f"{name}:({tokens[i + 3].value}){size}")
                ways *= size
                i += 6
                continue
            axes.append(name)
            ways *= mesh.size(name) if mesh.axes else 2
        i += 1
    return DimSharding(tuple(axes), ways, is_open)
