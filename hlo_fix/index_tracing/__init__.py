"""Where a gather's or scatter's indices come from, traced two ways that sit side by side on purpose.

- `loose` (the linter's): follows every dim of an index through the plumbing exporters print (converts, any
  reshape, broadcasts, transposes, adds and scales of constants, clamps, selects, calls into private functions) and
  says which index components are an iota over a batch dim ("row iotas", possibly scaled: `row * E`) and which
  are data. It errs towards reporting: a component it cannot see through counts as data, and an iota seen through
  an offset still counts.
- `exact` (the fixer's): says `value[..., i, ...] == i` (or `scale * i`) along one dim only when that holds for
  every input: through broadcasts, size-1 reshapes, integer converts that keep the range, sharding annotations and
  jnp's negative-index normalization, nothing else.

The contract between them: whatever `exact` proves, `loose` also finds (a rewrite never applies where lint is
silent), and a finding whose component `exact` cannot prove gets no fix (`[*]` is shown only where the rewrite is
exact). They share the pieces that are facts, not judgement: `constant_iota` (an integer constant that equals an
iota, torch_xla's `torch.arange`), `hlo_fix.ir.accessors` (dims, dimension numbers, shapes), `hlo_fix.ir.calls`,
`hlo_fix.ir.idioms.normalized_source` and `hlo_fix.sharding.annotations.see_through`.
"""
