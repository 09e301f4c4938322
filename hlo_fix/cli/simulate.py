"""`hlo-fix simulate MODULE [FIXED]`: per-shard PCC of a module as a shape-shrinking backend runs it (exit 0 every
shard exact, 1 some shard differs, 2 error); with FIXED, the original and the fixed module side by side.

jax, jaxlib and numpy are imported only when the command runs, never when it is listed by `--help`.
"""

from __future__ import annotations

import json
import os

import click

from hlo_fix.errors import HloFixError, ParseError

_HELP = """Show what each shard computes when a backend localizes positions along sharded dimensions.

MODULE runs on XLA CPU twice on the same random inputs (indices in range, as `verify` draws them): as written
(the reference: what a correct partitioner computes) and as each device of a shape-shrinking backend runs it,
value by value, every value either local (split over the mesh axes the module's Shardy or GSPMD shardings give it)
or a full copy. Per output and per shard it prints the PCC, the max abs error and the differing elements, then the
first op (in program order) whose value differs, with its line and Python source: the op to fix.

With FIXED (e.g. `hlo-fix fix -o fixed.mlir MODULE`), both are simulated and shown side by side; the exit code is
then FIXED's.

\b
Modelled failures (each is hlo_fix/simulate/failures/<name>.py):
  local-iota        an iota along a split dim counts 0..n-1 on every device (the seed: rows 0..15 on all 4)
  iota-constant     a constant 0, 1, 2, ... along a split dim (torch.arange) is localized like an iota
  narrowing-slice   a slice (dynamic_slice, dynamic_update_slice) narrowing a split dim starts at a
                    position inside each device's own block
  argmax-add        argmax over a split dim adds the devices' local indices (tt-mlir#8623)
  top-k-local-index top_k over a split dim returns each winner's index within its own block
  scatter-own-copy  a scatter along a split dim writes each device's own updates into its own full copy,
                    which then keeps its own block (with local rows: blocks 1..n-1 are never written)
  integer-embedding a gather from an integer table comes back rounded through bf16 (an embedding's
                    weights: 1900 became 1904, tt-metal#44735)
  index-float       a multi-dim gather/scatter index is flattened and rounded through
                    --index-float (the seed: token*E+expert 2609 became 2610 in a bf16-class float)
"""


@click.command("simulate", help=_HELP, short_help="Per-shard PCC of a module as a shape-shrinking backend runs it.")
@click.argument("module", type=click.Path(dir_okay=False))
@click.argument("fixed", type=click.Path(dir_okay=False), required=False)
@click.option("--shards", "shards", multiple=True, metavar="AXIS=N",
              help="Mesh axes to simulate, and their sizes (repeatable); default: every axis that splits a value.")
@click.option("--seeds", type=click.IntRange(min=1), default=2, show_default=True, help="Random input sets.")
@click.option("--index-float", type=click.Choice(["bf16", "f16", "tf32", "f32"]), default="bf16", show_default=True,
              help="The float a backend flattens indices in (f32: positions are the only failure).")
@click.option("--output-format", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.option("--plot", type=click.Path(dir_okay=False), default=None, metavar="FILE.html|FILE.svg|FILE.png",
              help="Draw the per-shard PCC of every output as a bar chart.")
@click.option("--entry", default="main", show_default=True, help="Entry function.")
def simulate_command(module, fixed, shards, seeds, index_float, output_format, plot, entry):
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    paths = [module] + ([fixed] if fixed else [])
    try:
        import jax  # noqa: F401
        import numpy  # noqa: F401
    except ImportError as error:
        click.echo(f"hlo-fix simulate: error: simulate runs modules with jax ({error}); install "
                   "`pip install 'hlo-fix[verify]'`", err=True)
        raise SystemExit(2) from None
    from hlo_fix.simulate import side_by_side, simulate_file
    from hlo_fix.simulate.mesh import parse_shards

    reports = []
    for path in paths:
        try:
            reports.append(simulate_file(path, shards=parse_shards(shards), seeds=seeds, index_float=index_float,
                                         entry=entry))
        except ParseError as error:
            click.echo(error.format(path if error.path in (None, "<input>") else error.path), err=True)
            raise SystemExit(2) from None
        except HloFixError as error:
            click.echo(f"hlo-fix simulate: error: {error}", err=True)
            raise SystemExit(2) from None
    if plot:
        from hlo_fix.simulate.plot import write_plot

        try:
            write_plot(plot, reports, ["original", "fixed"][: len(reports)] if fixed else ["simulated"])
        except HloFixError as error:
            click.echo(f"hlo-fix simulate: error: {error}", err=True)
            raise SystemExit(2) from None
    if output_format == "json":
        payload = reports[0].to_json() if not fixed else {"original": reports[0].to_json(),
                                                          "fixed": reports[1].to_json()}
        click.echo(json.dumps(payload, indent=2))
    elif fixed:
        click.echo(side_by_side(reports[0], reports[1]))
    else:
        click.echo(reports[0].to_text())
    raise SystemExit(reports[-1].exit_code)
