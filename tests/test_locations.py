"""A finding's `source`: the first frame of the op's call chain outside the frameworks, with the chain in JSON."""

from __future__ import annotations

import json
import textwrap

from hlo_fix.ir.locations import SourceChain, SourceLocation, frame_role
from hlo_fix.ir.scanner import read_module
from hlo_fix.lint.report import ReportContext, render
from hlo_fix.rule_api.finding import Finding

SITE = "/venv/lib/python3.11/site-packages"

# What torchax prints for `scores.gather(1, idx)` in a transformers model called from a user's script, cut short:
# torchax's op, its dispatch through torch, the model's line, transformers' moe helper, the user's script.
CHAIN_ALIASES = f"""
#loc1 = loc("{SITE}/torchax/ops/jaten.py":2817:9 to :29)
#loc2 = loc("{SITE}/torch/nn/modules/module.py":1789:19)
#loc3 = loc("{SITE}/transformers/models/deepseek_v3/modeling_deepseek_v3.py":153:23 to :53)
#loc4 = loc("{SITE}/transformers/integrations/moe.py":140:8)
#loc5 = loc("export.py":30:4)
#loc11 = loc("_aten_gather"(#loc1))
#loc12 = loc("Module._call_impl"(#loc2))
#loc13 = loc("DeepseekV3TopkRouter.forward"(#loc3))
#loc14 = loc("batched_mm_experts_forward"(#loc4))
#loc15 = loc("main"(#loc5))
#loc20 = loc(callsite(#loc13 at #loc15))
#loc21 = loc(callsite(#loc12 at #loc20))
#loc22 = loc(callsite(#loc11 at #loc21))
#loc23 = loc("jit(forward)/aten::gather/gather"(#loc22))
#loc30 = loc(callsite(#loc14 at #loc20))
#loc31 = loc(callsite(#loc11 at #loc30))
#loc40 = loc(callsite(#loc14 at #loc15))
#loc41 = loc(callsite(#loc12 at #loc1))
#loc50 = loc(fused["aten__gather", "{SITE}/transformers/models/llama4/modeling_llama4.py":150:0])
#loc51 = loc("aten__scatter"(#loc20))
"""

MODULE = textwrap.dedent(
    """
    module @m {
      func.func @main(%arg0: tensor<4xf32>) -> tensor<4xf32> {
        %0 = stablehlo.abs %arg0 : tensor<4xf32> loc(#loc23)
        %1 = stablehlo.negate %0 : tensor<4xf32> loc(#loc31)
        %2 = stablehlo.sine %1 : tensor<4xf32> loc(#loc40)
        %3 = stablehlo.cosine %2 : tensor<4xf32> loc(#loc41)
        %4 = stablehlo.tanh %3 : tensor<4xf32> loc(#loc5)
        %5 = stablehlo.exponential %4 : tensor<4xf32> loc(#loc50)
        %6 = stablehlo.log %5 : tensor<4xf32> loc(#loc51)
        return %6 : tensor<4xf32>
      }
    }
    """
) + textwrap.dedent(CHAIN_ALIASES)


def _source(name: str):
    module = read_module(MODULE, "m.mlir")
    (op,) = [op for op in module.walk() if op.name == name]
    return op.location.python_source()


def test_model_line_is_chosen_over_torchax_and_torch_frames():
    source = _source("stablehlo.abs")
    assert source == SourceLocation(f"{SITE}/transformers/models/deepseek_v3/modeling_deepseek_v3.py", 153, 23)
    assert isinstance(source, SourceChain)
    assert [(frame.file.rsplit("/", 1)[-1], frame.line, frame.function) for frame in source.chain] == [
        ("jaten.py", 2817, "_aten_gather"),
        ("module.py", 1789, "Module._call_impl"),
        ("modeling_deepseek_v3.py", 153, "DeepseekV3TopkRouter.forward"),
        ("export.py", 30, "main"),
    ]


def test_transformers_helper_is_skipped_only_when_a_model_file_is_further_out():
    assert _source("stablehlo.negate").line == 153  # moe.py helper, called from the model: the model's line
    assert _source("stablehlo.sine").file.endswith("integrations/moe.py")  # no model file outside it


def test_a_chain_of_framework_frames_only_falls_back_to_the_innermost():
    assert _source("stablehlo.cosine").file.endswith("torch/nn/modules/module.py")


def test_single_frame_is_a_plain_source_location():
    source = _source("stablehlo.tanh")
    assert type(source) is SourceLocation and source == SourceLocation("export.py", 30, 4)


def test_torch_xla_debug_locations_name_the_recorded_frame():
    # XLA_HLO_DEBUG=1: XLA's HLO importer fuses the op type with the frame torch_xla recorded (column 0) ...
    source = _source("stablehlo.exponential")
    assert (source.file.rsplit("/", 1)[-1], source.line, source.column) == ("modeling_llama4.py", 150, 0)
    assert str(source).endswith("modeling_llama4.py:150")
    # ... or names the op around a call-site chain when the HLO has a stack-frame index.
    assert _source("stablehlo.log").line == 153


def test_frame_roles():
    assert frame_role(f"{SITE}/jax/_src/numpy/lax_numpy.py") == "framework"
    assert frame_role(f"{SITE}/torch_xla/core/xla_model.py") == "framework"
    assert frame_role(f"{SITE}/transformers/modeling_utils.py") == "helper"
    assert frame_role(f"{SITE}/transformers/models/mixtral/modeling_mixtral.py") == "model"
    assert frame_role("my_models/torchvision_like.py") == "user"
    assert frame_role("jax.py") == "user"  # a file named like a framework is not inside it


def test_json_carries_the_chain_and_is_unchanged_without_one():
    findings = [
        Finding("HF002", "row-iota-gather", "m", "error", "m.mlir", 4, 5, 4, 9, source=_source("stablehlo.abs")),
        Finding("HF002", "row-iota-gather", "m", "error", "m.mlir", 8, 5, 8, 9, source=_source("stablehlo.tanh")),
    ]
    chained, plain = json.loads(render("json", findings, ReportContext(sources={"m.mlir": MODULE})))
    assert chained["source"]["line"] == 153
    assert [frame["line"] for frame in chained["source"]["chain"]] == [2817, 1789, 153, 30]
    assert chained["source"]["chain"][2]["function"] == "DeepseekV3TopkRouter.forward"
    assert plain["source"] == {"file": "export.py", "line": 30, "column": 4}
    # Byte for byte what Finding.to_json gives for a finding without a chain.
    alone = render("json", findings[1:], ReportContext())
    assert alone == json.dumps([findings[1].to_json()], indent=2) + "\n"


def test_a_file_location_without_a_chain_stays_a_plain_source_location():
    text = textwrap.dedent(
        """
        module @m {
          func.func @main(%arg0: tensor<4xf32>) -> tensor<4xf32> {
            %0 = stablehlo.abs %arg0 : tensor<4xf32> loc("model.py":3:4)
            return %0 : tensor<4xf32>
          }
        }
        """
    )
    module = read_module(text, "m.mlir")
    (op,) = [op for op in module.walk() if op.name == "stablehlo.abs"]
    assert type(op.location.python_source()) is SourceLocation
