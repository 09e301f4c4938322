"""verify's contract beyond the comparison: like against like when partitioned, complex and 64-bit types, and a
one-line `error:` with exit 2 (never a traceback, MemoryError or hang) for what it cannot run."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

jax = pytest.importorskip("jax")
np = pytest.importorskip("numpy")

from hlo_fix.verify import PartitionCountError, VerifyError, verify_texts  # noqa: E402
from hlo_fix.verify.limits import MAX_SPMD_DEVICES  # noqa: E402

REPO = Path(__file__).resolve().parents[1]


def _module(signature: str, body: str, attributes: str = "") -> str:
    return textwrap.dedent(
        f"""
        module @m{attributes} {{
          func.func public @main({signature} {{
        {textwrap.indent(textwrap.dedent(body).strip(), "    ")}
          }}
        }}
        """
    )


SIXTY_FOUR_BIT = _module(
    "%arg0: tensor<8xf64>, %arg1: tensor<i64>, %arg2: tensor<8xui64>) -> (tensor<8xf64>, tensor<8xui64>)",
    """
    %c = stablehlo.constant dense<2.5> : tensor<8xf64>
    %big = stablehlo.constant dense<4294967296> : tensor<8xui64>
    %0 = stablehlo.multiply %arg0, %c : tensor<8xf64>
    %1 = stablehlo.convert %arg1 : (tensor<i64>) -> tensor<f64>
    %2 = stablehlo.broadcast_in_dim %1, dims = [] : (tensor<f64>) -> tensor<8xf64>
    %3 = stablehlo.add %0, %2 : tensor<8xf64>
    %4 = stablehlo.add %arg2, %big : tensor<8xui64>
    return %3, %4 : tensor<8xf64>, tensor<8xui64>
    """,
)

COMPLEX = _module(
    "%arg0: tensor<4x3xcomplex<f32>>, %arg1: tensor<4xcomplex<f64>>)"
    " -> (tensor<4x3xcomplex<f32>>, tensor<4xcomplex<f64>>)",
    """
    %0 = stablehlo.multiply %arg0, %arg0 : tensor<4x3xcomplex<f32>>
    %1 = stablehlo.add %arg1, %arg1 : tensor<4xcomplex<f64>>
    return %0, %1 : tensor<4x3xcomplex<f32>>, tensor<4xcomplex<f64>>
    """,
)

NEVER_ENDS = _module(
    "%arg0: tensor<f32>) -> tensor<f32>",
    """
    %0 = stablehlo.while(%x = %arg0) : tensor<f32>
     cond {
      %t = stablehlo.constant dense<true> : tensor<i1>
      stablehlo.return %t : tensor<i1>
    } do {
      %1 = stablehlo.add %x, %x : tensor<f32>
      stablehlo.return %1 : tensor<f32>
    }
    return %0 : tensor<f32>
    """,
)

SHARDED = _module(
    '%arg0: tensor<8x4xf32> {sdy.sharding = #sdy.sharding<@mesh, [{"batch"}, {}]>}) -> tensor<8x4xf32>',
    """
    %0 = stablehlo.multiply %arg0, %arg0 : tensor<8x4xf32>
    return %0 : tensor<8x4xf32>
    """,
).replace("module @m {", 'module @m {\n  sdy.mesh @mesh = <["batch"=4, "model"=2]>')


def _cli(tmp_path, original: str, rewritten: str, *options: str, timeout: float = 120):
    paths = []
    for name, text in (("original", original), ("rewritten", rewritten)):
        path = tmp_path / f"{name}.mlir"
        path.write_text(text)
        paths.append(str(path))
    return subprocess.run(
        [sys.executable, "-m", "hlo_fix", "verify", *paths, *options],
        capture_output=True, text=True, timeout=timeout, cwd=REPO,
    )


def _one_error_line(run) -> str:
    assert run.returncode == 2, run.stdout + run.stderr
    assert "Traceback" not in run.stderr and "MemoryError" not in run.stderr
    lines = [line for line in run.stderr.splitlines() if line.strip()]
    assert len(lines) == 1 and lines[0].startswith("hlo-fix verify: error: "), run.stderr
    return lines[0]


def test_64_bit_module_runs_with_x64_off_and_leaves_it_off():
    assert not jax.config.jax_enable_x64
    report = verify_texts(SIXTY_FOUR_BIT, SIXTY_FOUR_BIT, seeds=2)
    assert report.ok, report.format()
    assert not jax.config.jax_enable_x64
    wrong = SIXTY_FOUR_BIT.replace("dense<4294967296>", "dense<4294967297>")
    report = verify_texts(SIXTY_FOUR_BIT, wrong, seeds=1)
    assert report.mismatched_outputs == (1,)
    (_, output), = [(run, o) for run in report.runs for o in run.outputs if not o.ok]
    # A 64-bit result that a 32-bit run would have truncated: 2^32 + x differs by exactly 1.
    assert output.max_abs_diff == 1.0 and output.rewritten_value - output.original_value == 1


def test_complex_arguments_are_drawn_compared_and_reported():
    report = verify_texts(COMPLEX, COMPLEX, seeds=2)
    assert report.ok, report.format()
    assert "complex" in report.arguments[0].spec and report.arguments[0].drawn_as.startswith("standard normal")
    doubled = COMPLEX.replace("%0 = stablehlo.multiply %arg0, %arg0", "%c0 = stablehlo.multiply %arg0, %arg0")
    doubled = doubled.replace(
        "%1 = stablehlo.add %arg1, %arg1",
        "%0 = stablehlo.add %c0, %c0 : tensor<4x3xcomplex<f32>>\n    %1 = stablehlo.add %arg1, %arg1",
    )
    report = verify_texts(COMPLEX, doubled, seeds=1)
    assert report.mismatched_outputs == (0,)
    output = report.first_mismatch[1]
    assert output.differing == 12 and output.first_index == (0, 0)
    assert output.rewritten_value == 2 * output.original_value
    assert output.max_abs_diff >= abs(output.original_value) > 0  # |2z - z| = |z|, the largest over 12
    assert "complex<f32>" in report.format()


def test_huge_tensor_is_refused_before_anything_is_allocated(tmp_path):
    huge = _module(
        "%arg0: tensor<100000000000xf32>) -> tensor<100000000000xf32>", "return %arg0 : tensor<100000000000xf32>"
    )
    line = _one_error_line(_cli(tmp_path, huge, huge))
    assert "argument 0 of the original module is tensor<100000000000xf32>, 372.5 GiB" in line


def test_huge_intermediate_tensor_is_refused():
    blowup = _module(
        "%arg0: tensor<f32>) -> tensor<f32>",
        """
        %0 = stablehlo.broadcast_in_dim %arg0, dims = [] : (tensor<f32>) -> tensor<65536x65536xf32>
        %z = stablehlo.constant dense<0.0> : tensor<f32>
        %1 = stablehlo.reduce(%0 init: %z) applies stablehlo.add across dimensions = [0, 1]
          : (tensor<65536x65536xf32>, tensor<f32>) -> tensor<f32>
        return %1 : tensor<f32>
        """,
    )
    with pytest.raises(VerifyError, match="stablehlo.broadcast_in_dim in the original module makes .*16.0 GiB"):
        verify_texts(blowup, blowup)


def test_impossible_device_counts_are_refused(tmp_path):
    line = _one_error_line(_cli(tmp_path, SHARDED, SHARDED, "--spmd", str(MAX_SPMD_DEVICES * 4)))
    assert f"at most {MAX_SPMD_DEVICES}" in line
    with pytest.raises(PartitionCountError, match=r"mesh @mesh has 8 devices \(batch=4, model=2\); use --spmd 8"):
        verify_texts(SHARDED, SHARDED, spmd=4)
    assert verify_texts(SHARDED, SHARDED, spmd=8, seeds=1).ok
    gspmd = _module(
        '%arg0: tensor<8x4xf32> {mhlo.sharding = "{devices=[4,1,2]<=[8] last_tile_dim_replicate}"}, '
        '%arg1: tensor<8x4xf32> {mhlo.sharding = "{replicated}"}) -> tensor<8x4xf32>',
        """
        %0 = stablehlo.multiply %arg0, %arg1 : tensor<8x4xf32>
        return %0 : tensor<8x4xf32>
        """,
    )
    with pytest.raises(PartitionCountError, match=r"tiles over 8 devices; use --spmd 8"):
        verify_texts(gspmd, gspmd, spmd=4)
    assert verify_texts(gspmd, gspmd, spmd=8, seeds=1).ok


def test_a_while_that_never_ends_hits_the_time_limit(tmp_path):
    line = _one_error_line(_cli(tmp_path, NEVER_ENDS, NEVER_ENDS, "--timeout", "1", "--seeds", "1", timeout=60))
    assert "the original module did not finish within 1 s" in line and "while" in line


def test_without_jax_verify_says_what_to_install(tmp_path):
    code = (
        "import sys; sys.modules['jax'] = None\n"
        "from hlo_fix.cli import main\n"
        f"sys.argv = ['hlo-fix', 'verify', {str(tmp_path / 'a.mlir')!r}, {str(tmp_path / 'b.mlir')!r}]\n"
        "main()\n"
    )
    run = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=60, cwd=REPO)
    line = _one_error_line(run)
    assert "jax and jaxlib, which are not installed" in line and "hlo-fix[verify]" in line
