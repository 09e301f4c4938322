"""The one home for what an op's attributes and types say about its dims: shapes, broadcast dims, permutations,
the concatenate axis, the iota dim, and the dimension numbers of gather, scatter and dot_general.

Both spellings exporters print are read (pretty `dims = [...]` / `dim = 2`, generic `broadcast_dimensions =
array<...>` / `dimension = 2 : i64`). A dim number that does not fit the ranks of the values it addresses is
invalid StableHLO (jaxlib's verifier rejects it): a located `ParseError` here, where the attribute is decoded, so
no rule, tracer or rewrite indexes a shape with it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from hlo_fix.errors import ParseError
from hlo_fix.ir.attributes import parse_int_pair, parse_ints, parse_struct
from hlo_fix.ir.tokens import tokenize

if TYPE_CHECKING:
    from hlo_fix.ir.model import Op, Value


def tensor_shape(value: "Value") -> tuple[int | None, ...] | None:
    """The value's tensor shape (a dynamic dim is None), or None when its type is not a known tensor."""
    found = value.type
    return None if found is None else found.shape


def static_shape(value: "Value") -> tuple[int, ...] | None:
    """The shape when every dim is known, else None (what an exact rewrite may rely on)."""
    found = value.type
    return None if found is None or not found.is_static else found.shape


def rank(value: "Value") -> int | None:
    found = tensor_shape(value)
    return None if found is None else len(found)


def iota_dimension(op: "Op") -> int:
    """`stablehlo.iota dim = N` (or `iota_dimension = N`); 0 when neither is printed."""
    attributes = op.attributes
    found = attributes.int("iota_dimension")
    return found if found is not None else (attributes.int("dim") or 0)


def concatenate_axis(op: "Op") -> int | None:
    """`stablehlo.concatenate ..., dim = N` (or `dimension = N`)."""
    axis = op.attributes.int("dimension")
    return op.attributes.int("dim") if axis is None else axis


def broadcast_dims(op: "Op") -> list[int] | None:
    """`broadcast_in_dim`'s `dims = [...]` (or `broadcast_dimensions = array<i64: ...>`): one result dim per operand
    dim, checked against both ranks. None when the op has neither."""
    dims = op.attributes.ints("broadcast_dimensions")
    if dims is None:
        dims = op.attributes.ints("dims")
    if dims is None:
        return None
    operand_rank, result_rank = rank(op.operands[0]) if op.operands else None, rank(op.results[0])
    if operand_rank is not None and len(dims) != operand_rank:
        raise _invalid(op, f"{len(dims)} broadcast dims for an operand of rank {operand_rank}")
    if result_rank is not None:
        for dim in dims:
            if not 0 <= dim < result_rank:
                raise _invalid(op, f"broadcast dim {dim} is outside the rank-{result_rank} result")
    return dims


def permutation(op: "Op") -> list[int] | None:
    """`transpose`'s `dims = [...]` (or `permutation = array<i64: ...>`), checked to permute the operand's dims."""
    perm = op.attributes.ints("permutation")
    if perm is None:
        perm = op.attributes.ints("dims")
    if perm is None:
        return None
    operand_rank = rank(op.operands[0]) if op.operands else None
    if operand_rank is not None and sorted(perm) != list(range(operand_rank)):
        raise _invalid(op, f"permutation {perm} does not permute the dims of a rank-{operand_rank} operand")
    return perm


def dot_numbers(op: "Op") -> tuple[list[int], list[int], list[int], list[int]]:
    """dot_general's (lhs batching, rhs batching, lhs contracting, rhs contracting) dims, from the generic
    `dot_dimension_numbers = #stablehlo.dot<...>` or the pretty `batching_dims = [..] x [..]`."""
    attributes = op.attributes
    numbers = attributes.get("dot_dimension_numbers")
    if numbers is not None:
        fields = parse_struct(numbers)
        return (
            parse_ints(fields.get("lhs_batching_dimensions", "[]")),
            parse_ints(fields.get("rhs_batching_dimensions", "[]")),
            parse_ints(fields.get("lhs_contracting_dimensions", "[]")),
            parse_ints(fields.get("rhs_contracting_dimensions", "[]")),
        )
    lb, rb = parse_int_pair(attributes.get("batching_dims") or "[] x []")
    lc, rc = parse_int_pair(attributes.get("contracting_dims") or "[] x []")
    return lb, rb, lc, rc


def reduce_inputs(op: "Op") -> list["Value"]:
    """The reduced operands of a reduce. The pretty form interleaves them with their inits
    (`stablehlo.reduce(%a init: %c0), (%b init: %c1)`); the generic form lists all inputs, then all inits."""
    count = len(op.results)
    if _has_init_keyword(op.own_text):
        return op.operands[0::2][:count]
    return op.operands[:count]


def _has_init_keyword(text: str) -> bool:
    """`init:` between an input and its init, whatever whitespace the layout puts around it (one token per line,
    CR line endings)."""
    if "init" not in text:
        return False
    tokens = tokenize(text, strict=False)
    return any(a.type == "BARE_ID" and a.value == "init" and b.type == "COLON" for a, b in zip(tokens, tokens[1:]))


# The value whose rank bounds each dimension-number field, and whether the field may name one past its last dim
# (index_vector_dim may: the index vector is then implicit).
_GATHER_DIMS = {
    "offset_dims": ("result", False), "collapsed_slice_dims": ("operand", False),
    "operand_batching_dims": ("operand", False), "start_indices_batching_dims": ("indices", False),
    "start_index_map": ("operand", False), "index_vector_dim": ("indices", True),
}
_SCATTER_DIMS = {
    "update_window_dims": ("updates", False), "inserted_window_dims": ("operand", False),
    "input_batching_dims": ("operand", False), "scatter_indices_batching_dims": ("indices", False),
    "scatter_dims_to_operand_dims": ("operand", False), "index_vector_dim": ("indices", True),
}


def gather_numbers(op: "Op") -> dict[str, list[int]]:
    """A gather's `dimension_numbers` fields (`index_vector_dim` as a one-element list), checked against ranks."""
    attributes = op.attributes
    numbers = getattr(attributes, "checked_gather_numbers", None)
    if numbers is None:
        raw = attributes.get("dimension_numbers") or ""
        numbers = {key: parse_ints(value) for key, value in parse_struct(raw).items()}
        if "index_vector_dim" not in numbers:
            numbers["index_vector_dim"] = [attributes.int("index_vector_dim") or 0]
        _check_dims(op, "dimension_numbers", numbers, _GATHER_DIMS)
        attributes.checked_gather_numbers = numbers
    return dict(numbers)


def scatter_numbers(op: "Op") -> dict[str, list[int]]:
    """A scatter's `scatter_dimension_numbers` fields, checked against ranks. Both are kept on the op's
    attributes once checked: the index tracer, the sharding links and several rules ask for each access's."""
    attributes = op.attributes
    numbers = getattr(attributes, "checked_scatter_numbers", None)
    if numbers is None:
        raw = attributes.get("scatter_dimension_numbers") or ""
        numbers = {key: parse_ints(value) for key, value in parse_struct(raw).items()}
        _check_dims(op, "scatter_dimension_numbers", numbers, _SCATTER_DIMS)
        attributes.checked_scatter_numbers = numbers
    return dict(numbers)


def _check_dims(op: "Op", attribute: str, numbers: dict[str, list[int]], bounds: dict) -> None:
    count = len(op.results) if op.name == "stablehlo.scatter" else 1
    values = {
        "operand": op.operands[0] if op.operands else None,
        "indices": op.operands[count] if len(op.operands) > count else None,
        "updates": op.operands[count + 1] if len(op.operands) > count + 1 else None,
        "result": op.results[0] if op.results else None,
    }
    for key, (role, one_past) in bounds.items():
        value = values[role]
        found = tensor_shape(value) if value is not None else None
        if found is None:
            continue
        limit = len(found) + one_past
        for dim in numbers.get(key, ()):
            if not 0 <= dim < limit:
                raise ParseError(
                    f"invalid {op.name}: `{key}` names dim {dim}, but the {role} has rank {len(found)}",
                    op.line, op.column,
                )


def _invalid(op: "Op", message: str) -> ParseError:
    return ParseError(f"invalid {op.name}: {message}", op.line, op.column)
