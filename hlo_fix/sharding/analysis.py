"""Which mesh axes shard each dimension of a value, found on demand.

The question a rule asks is narrow ("is dim 0 of this iota sharded?"), and a module can have 300,000 ops, so
nothing is propagated eagerly: a query walks the connected dims (see `links.py`) from the asked one, earlier
definitions first, until it meets a dim whose sharding is declared (function arguments and results, sharding constraints, `@Sharding`
custom calls, `sdy.sharding_per_value`, manual computations), then records the answer for every dim it visited.
Later queries stop as soon as they reach a recorded dim, so the whole module is walked at most once.
"""

from __future__ import annotations

from collections import deque
from typing import TYPE_CHECKING

from hlo_fix.ir.attributes import parse_string
from hlo_fix.ir.headers import LONG_HEADER, entries_text, function_header, next_dict_spans, result_dict_spans
from hlo_fix.ir.source import find_word
from hlo_fix.ir.tokens import matching_close, tokenize
from hlo_fix.sharding.gspmd import parse_gspmd, unspecified_dims, with_open_dims
from hlo_fix.ir.opkey import op_key
from hlo_fix.sharding.links import CONTEXT_LINKED, op_links
from hlo_fix.ir.calls import call_graph
from hlo_fix.sharding.shardy import cached_shardings, parse_mesh, parse_tensor_shardings
from hlo_fix.sharding.spec import MANUAL, REPLICATED_DIM, DimSharding, Mesh, TensorSharding

if TYPE_CHECKING:
    from hlo_fix.ir.model import Module, Op, Value

# Every op that declares a sharding mentions this word, except sdy.reshard and sdy.manual_computation (found by name).
_ANNOTATION_WORD = "sharding"
_MANUAL_DIM = DimSharding((), 1)
# Visiting more dims than this in one query means the module is pathological; the answer is then "not sharded".
_QUERY_LIMIT = 2_000_000
_NOT_YET = object()


class ShardingAnalysis:
    def __init__(self, module: "Module"):
        self.module = module
        self.meshes: dict[str, Mesh] = {}
        for op in module.ops_named("sdy.mesh"):
            name = op.attributes.symbol() or ""
            text = op.own_text
            self.meshes[name] = parse_mesh(name, text[text.index("=") + 1 :] if "=" in text else "")
        self.declared: dict[int, TensorSharding] = {}
        self.manual_values: set[int] = set()
        self.is_sharded_module = False
        self._collect_declarations()
        self.calls = call_graph(module) if self.is_sharded_module else None
        self.memo: dict[tuple[int, int], DimSharding] = {}
        self._links: dict[int, dict[tuple[int, int], list[tuple["Value", int]]]] = {}
        self._templates: dict[str, dict] = {}
        self._op_templates: dict[int, dict | None] = {}

    # -- declarations -------------------------------------------------------------------------------------
    def _collect_declarations(self) -> None:
        for op in self._annotated_ops():
            self._declare_op(op)
        self.is_sharded_module = any(s.sharded for s in self.declared.values())

    def _annotated_ops(self) -> list["Op"]:
        """Ops whose own text mentions a sharding, found by a plain substring search (a regular expression over
        40 MB costs a third of a second) instead of decoding every op."""
        text = self.module.text
        ops: dict[int, "Op"] = {}
        at = find_word(text, _ANNOTATION_WORD)  # (skips a weight constant's digits at memory speed)
        while at >= 0:
            op = self.module.op_at(at)
            segment = None
            while op is not None and (segment := _segment_at(op, at)) is None:
                op = op.parent_op
            after = at + len(_ANNOTATION_WORD)
            if op is not None:
                ops.setdefault(id(op), op)
                # The rest of that segment is the same op's own text (a `main` header holds thousands of hits).
                after = max(after, segment[1])
            at = find_word(text, _ANNOTATION_WORD, after)
        # These declare with `<@mesh, [...]>` and need not spell "sharding": the reader indexed them by name.
        for op in self.module.ops_named("sdy.reshard", "sdy.manual_computation"):
            ops.setdefault(id(op), op)
        return sorted(ops.values(), key=lambda op: op.start)

    def _declare(self, value: "Value", sharding: TensorSharding) -> None:
        if sharding.manual:
            self.manual_values.add(id(value))
        self.declared.setdefault(id(value), sharding)

    def _parse(self, raw: str | None) -> list[TensorSharding]:
        if not raw:
            return []
        raw = raw.strip()
        if raw.startswith('"'):
            return list(parse_gspmd(parse_string(raw)) or ())
        return parse_tensor_shardings(raw, self.meshes)

    def _declare_op(self, op: "Op") -> None:
        name = op.name
        attrs = op.attributes
        if name == "func.func":
            self._declare_function(op)
            return
        if name == "sdy.manual_computation":
            for region in op.regions:
                for arg in region.arguments:
                    self._declare(arg, MANUAL)
            outs = parse_tensor_shardings(attrs.get("out_shardings") or "", self.meshes)
            for result, sharding in zip(op.results, outs):
                self._declare(result, sharding)
            ins = parse_tensor_shardings(attrs.get("in_shardings") or "", self.meshes)
            for operand, sharding in zip(op.operands, ins):
                self._declare(operand, sharding)
            return
        if name in ("sdy.sharding_constraint", "sdy.reshard"):
            found = cached_shardings(op_key(op), op.own_text, self.meshes)
            if found and op.results:
                self._declare(op.results[0], found[0])
            return
        if name == "stablehlo.custom_call":
            target = attrs.symbol()
            if target == "SPMDFullToShardShape":
                for result in op.results:
                    self._declare(result, MANUAL)
                return
        shardings = self._parse(attrs.get("sdy.sharding")) or self._parse(attrs.get("mhlo.sharding"))
        free = unspecified_dims(attrs.get("backend_config")) if name == "stablehlo.custom_call" else ()
        for result, sharding in zip(op.results, shardings):
            if free and result.type is not None:
                sharding = with_open_dims(sharding, free, result.type.rank)
            self._declare(result, sharding)

    def _declare_function(self, func: "Op") -> None:
        """Argument and result attribute dictionaries of `func.func @f(%arg0: T {sdy.sharding = ...}) -> (T {...})`."""
        if not func.regions:
            return
        region = func.regions[0]
        args = {a.name: a for a in region.arguments}
        arguments, results = _header_dictionaries(func)
        if arguments is None:
            return
        for name, attrs in arguments:
            if name in args:
                for raw in (attrs.get("sdy.sharding"), attrs.get("mhlo.sharding")):
                    for sharding in self._parse(raw)[:1]:
                        self._declare(args[name], sharding)
        if results is None or not region.ops:
            return
        returns = region.ops[-1]
        for operand, attrs in zip(returns.operands, results):
            for raw in (attrs.get("sdy.sharding"), attrs.get("mhlo.sharding")):
                for sharding in self._parse(raw)[:1]:
                    self._declare(operand, sharding)

    # -- queries --------------------------------------------------------------------------------------------
    def dim(self, value: "Value", dim: int) -> DimSharding:
        """The sharding of one dimension of a value; not sharded when nothing connects it to a declaration."""
        manual_values = self.manual_values
        if not self.is_sharded_module or id(value) in manual_values:
            return REPLICATED_DIM
        key = (id(value), dim)
        memo = self.memo
        known = memo.get(key)
        if known is not None:
            return known
        answer = REPLICATED_DIM
        decided_by_replicated = False
        visited: list[tuple[int, int]] = [key]
        seen = {key}
        queue: deque[tuple["Value", int]] = deque([(value, dim)])
        start = self._settled(value, dim, key)
        if start is not None:
            answer, decided_by_replicated = start
            queue.clear()
        # `_settled`, inlined: a query looks at every dim it reaches, a hundred thousand in a deep model.
        declared_of = self.declared.get
        memo_of = memo.get
        neighbours = self._neighbours
        while queue and len(visited) < _QUERY_LIMIT:
            v, d = queue.popleft()
            owner = v.owner
            here = owner.start if owner is not None else -1
            for nv, nd in neighbours(v, d):
                nid = id(nv)
                nkey = (nid, nd)
                if nkey in seen:
                    continue
                seen.add(nkey)
                visited.append(nkey)
                if nid in manual_values:
                    continue
                declared = declared_of(nid)
                if declared is not None:
                    if declared.replicated:
                        answer, decided_by_replicated = REPLICATED_DIM, True
                        queue.clear()
                        break
                    if nd < len(declared.dims):
                        found = declared.dims[nd]
                        if found.ways > 1:
                            answer, decided_by_replicated = found, False
                            queue.clear()
                            break
                        if not found.open:
                            # A closed replicated dim is as definite as a sharded one: the nearest declaration wins.
                            answer, decided_by_replicated = found, True
                            queue.clear()
                            break
                recorded = memo_of(nkey)
                if recorded is not None:
                    answer, decided_by_replicated = recorded, False
                    queue.clear()
                    break
                # Walk back along definitions first: earlier values lead to the declared arguments and to what
                # earlier queries recorded, so in a deep network a query stops after a few ops.
                owner = nv.owner
                if (owner.start if owner is not None else -1) < here:
                    queue.appendleft((nv, nd))
                else:
                    queue.append((nv, nd))
        if answer.sharded:
            for k in visited:
                memo[k] = answer
        elif decided_by_replicated:
            memo[key] = answer
        elif len(visited) < _QUERY_LIMIT:
            # The whole connected set was seen without a sharded declaration.
            for k in visited:
                memo[k] = answer
        return answer

    def _settled(self, value: "Value", dim: int, key) -> tuple[DimSharding, bool] | None:
        """An answer known without looking further: a declared dim (sharded, or closed and replicated), or one
        an earlier query recorded. Returns (sharding, decided by a replicated declaration). `dim` inlines it."""
        vid = key[0]
        if vid in self.manual_values:
            return None
        declared = self.declared.get(vid)
        if declared is not None and declared.replicated:
            return REPLICATED_DIM, True
        if declared is not None and dim < len(declared.dims):
            found = declared.dims[dim]
            if found.sharded:
                return found, False
            if not found.open:
                return found, True
        memo = self.memo.get(key)
        if memo is not None:
            return memo, False
        return None

    def _neighbours(self, value: "Value", dim: int) -> list[tuple["Value", int]]:
        """The dims linked to (value, dim) by its defining op, its users, and (arguments) the calls that pass it."""
        found: list[tuple["Value", int]] = []
        append = found.append
        templates = self._op_templates
        owner = value.owner
        if owner is not None:
            if value.index >= 0:
                template = templates.get(id(owner), _NOT_YET)
                if template is _NOT_YET:
                    template = self._template(owner)
                if template is None:
                    found.extend(self._op_adjacency(owner).get((id(value), dim), ()))
                else:
                    entries = template.get(("r", value.index, dim))
                    if entries:
                        results, operands = owner.results, owner.operands
                        for other_side, other_index, other_dim in entries:
                            append(((results if other_side == "r" else operands)[other_index], other_dim))
            else:
                found.extend(self._op_adjacency(owner).get((id(value), dim), ()))
                for site in self._block_argument_sites(value):
                    found.extend(self._op_adjacency(site).get((id(value), dim), ()))
        for user in value.users:
            operands = user.operands
            for index, operand in enumerate(operands):
                if operand is value:
                    template = templates.get(id(user), _NOT_YET)
                    if template is _NOT_YET:
                        template = self._template(user)
                    if template is None:
                        found.extend(self._op_adjacency(user).get((id(value), dim), ()))
                        continue
                    entries = template.get(("o", index, dim))
                    if entries:
                        results = user.results
                        for other_side, other_index, other_dim in entries:
                            append(((results if other_side == "r" else operands)[other_index], other_dim))
        return found

    def _block_argument_sites(self, value: "Value") -> list["Op"]:
        """A function argument connects to its call sites; a loop-carried argument to its loop (the owner)."""
        owner = value.owner
        if owner.name != "func.func":
            return []
        return self.calls.sites.get(owner.attributes.symbol() or "", [])

    def _template(self, op: "Op"):
        """The op's links as (side, position, dim) pairs, shared by every op with the same text up to SSA names
        and location; None for ops whose links depend on context (calls, returns, loops)."""
        key = id(op)
        if key in self._op_templates:
            return self._op_templates[key]
        template = None
        if op.name not in CONTEXT_LINKED:
            text_key = op_key(op)
            template = self._templates.get(text_key)
            if template is None:
                template = self._templates[text_key] = _build_template(op, self.calls)
        self._op_templates[key] = template
        return template

    def _op_adjacency(self, op: "Op"):
        adjacency = self._links.get(id(op))
        if adjacency is None:
            adjacency = {}
            for a, da, b, db in op_links(op, self.calls):
                adjacency.setdefault((id(a), da), []).append((b, db))
                adjacency.setdefault((id(b), db), []).append((a, da))
            self._links[id(op)] = adjacency
        return adjacency


def _build_template(op: "Op", calls) -> dict:
    def places(value):
        found = [("o", i) for i, v in enumerate(op.operands) if v is value]
        if value.owner is op and not value.is_block_argument:
            found.append(("r", value.index))
        return found

    template: dict = {}
    for a, da, b, db in op_links(op, calls):
        for pa in places(a):
            for pb in places(b):
                template.setdefault((pa[0], pa[1], da), []).append((pb[0], pb[1], db))
                template.setdefault((pb[0], pb[1], db), []).append((pa[0], pa[1], da))
    return template


def _segment_at(op: "Op", pos: int) -> tuple[int, int] | None:
    """The segment of the op's own text that holds `pos`, if one does."""
    return next(((a, b) for a, b in op.segments if a <= pos < b), None)


def _header_dictionaries(func: "Op"):
    """([(argument name, its attributes)], per result its attributes or None without `->`); (None, None) when
    the header has no argument list. A long header is read per argument (`hlo_fix.ir.headers`)."""
    if len(func.own_text) >= LONG_HEADER:
        header = function_header(func)
        if header is not None:
            return [(a.name, a.attributes) for a in header.arguments], header.results
    text = func.own_text
    tokens = tokenize(text, strict=False)
    open_paren = next((i for i, t in enumerate(tokens) if t.type == "LPAR"), None)
    if open_paren is None:
        return None, None
    close = matching_close(tokens, open_paren)
    arguments = [
        (tok.value, entries_text(next_dict_spans(tokens, i + 2, close), text))
        for i, tok in enumerate(tokens[open_paren + 1 : close], open_paren + 1)
        if tok.type == "VALUE_REF" and tokens[i + 1].type == "COLON"
    ]
    arrow = next((i for i in range(close, len(tokens)) if tokens[i].type == "ARROW"), None)
    if arrow is None:
        return arguments, None
    return arguments, [entries_text(entries, text) for entries in result_dict_spans(tokens, arrow + 1)]


def analysis(ctx) -> ShardingAnalysis:
    """The module's analysis, shared by all rules of a lint run."""
    return ctx.cached("sharding", lambda: ShardingAnalysis(ctx.module))
