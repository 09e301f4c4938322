"""Shape arithmetic shared by the sharding links and the index tracer."""

from __future__ import annotations


def reshape_groups(source: tuple, result: tuple) -> list[tuple[list[int], list[int]]] | None:
    """How a reshape regroups dims: pairs of (source dims, result dims) with equal products, in order, size-1
    dims left out. `[64, 160] -> [64, 8, 20]` gives `([0], [0]), ([1], [1, 2])`. None for dynamic or mismatched
    shapes."""
    if None in source or None in result:
        return None
    src = [d for d, n in enumerate(source) if n != 1]
    res = [d for d, n in enumerate(result) if n != 1]
    groups: list[tuple[list[int], list[int]]] = []
    i = j = 0
    while i < len(src) and j < len(res):
        s_dims, r_dims = [src[i]], [res[j]]
        ps, pr = source[src[i]], result[res[j]]
        i += 1
        j += 1
        while ps != pr:
            if ps < pr and i < len(src):
                s_dims.append(src[i])
                ps *= source[src[i]]
                i += 1
            elif pr < ps and j < len(res):
                r_dims.append(res[j])
                pr *= result[res[j]]
                j += 1
            else:
                return None
        groups.append((s_dims, r_dims))
    if i != len(src) or j != len(res):
        return None
    return groups
