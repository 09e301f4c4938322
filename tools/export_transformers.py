"""Export tiny, random-weight MoE blocks of pip `transformers` to StableHLO fixtures (fixtures/transformers/).

Why: the rules must hold on model code nobody here wrote. Each block (DeepSeek-V3, GLM-4 MoE, Mixtral, Qwen2/3-MoE,
gpt-oss, Llama4, OLMoE, GraniteMoE, where the installed transformers has it) is built from a config written in
code (no download, random weights), with the tokens sharded over "batch" of a 4x2 ("batch", "model") mesh, and
exported two ways:

* through torchax, lowered by JAX as Shardy and as GSPMD, with and without debug locations, in f32 and bf16;
* through PyTorch/XLA 2.9 (CPU, SPMD over 8 devices: GSPMD `mhlo.sharding`s), as torch_xla prints it, and with its
  `XLA_HLO_DEBUG=1` locations (see `stage_torch_xla` for why those go through bytecode).

Optional dependencies (not part of `make test`, which only reads the committed files), each in a venv outside the
repository. torch-xla 2.9 pins torch 2.9, torchax wants a newer torch, so they get one venv each:

    python3 -m venv /work/venv-export          # the `export` extra: torch, transformers, torchax, jax
    /work/venv-export/bin/pip install torch==2.13.0 transformers torchax 'jax==0.10.2' 'jaxlib==0.10.2'
    python3 -m venv /work/venv-xla             # the `export-torch-xla` extra: torch 2.9, torch-xla 2.9
    /work/venv-xla/bin/pip install torch==2.9.0 torch-xla==2.9.0 transformers

    /work/venv-xla/bin/python tools/export_transformers.py --torch-xla-stage /tmp/xla-stage
    /work/venv-export/bin/python tools/export_transformers.py --torch-xla /tmp/xla-stage   # writes the fixtures

(Without --torch-xla the torch_xla exports are left out of the manifest.) torchax 0.0.13 names two aten overloads
(`prod.dim_Dimname`, `index_copy.dimname`) that torch 2.13 dropped; `_tolerate_missing_overloads` lets it import.
torchax cannot trace under an explicit-axes mesh (`jax.set_mesh` with AxisType.Explicit: `jnp.repeat` wants an
`out_sharding`), so its exports use auto axes.

The manifest (fixtures/transformers/MANIFEST.json) is the oracle the test checks hlo-fix against. Its hazards come
from the model source, not from hlo-fix: every `torch.gather` / `scatter_` along dim 1 of a [tokens, experts]
tensor in the block's Python is a row-iota gather (HF002) or scatter (HF003) once tokens are sharded. The script
finds the lines that call them (`HAZARD_CALLS`), then, with jaxlib's MLIR parser, the op each line lowered to (the
op whose debug-location chain contains that line), and records it by kind and ordinal, and by line in each file.
"""

from __future__ import annotations

import argparse
import importlib
import inspect
import json
import os
import re
import sys
from dataclasses import dataclass, field
from pathlib import Path

os.environ.setdefault("XLA_FLAGS", "--xla_force_host_platform_device_count=8")
os.environ.setdefault("JAX_PLATFORMS", "cpu")

ROOT = Path(__file__).resolve().parents[1]
OUT = ROOT / "fixtures" / "transformers"
MESH_SHAPE = (4, 2)
MESH_AXES = ("batch", "model")
BATCH, SEQUENCE, HIDDEN = 8, 4, 32

# Row-wise index calls that lower to a row-iota gather/scatter: (source text, rule, op).
HAZARD_CALLS = (
    (".gather(1,", "HF002", "stablehlo.gather"),
    (".scatter_(1,", "HF003", "stablehlo.scatter"),
)

# dtype -> the (partitioner, debug info) variants exported in it: every one in f32, two in bf16 (the dtype of
# HF005's default index float, where flat-index noise shows).
VARIANTS = {
    "f32": (("shardy", False), ("shardy", True), ("gspmd", False), ("gspmd", True)),
    "bf16": (("shardy", True), ("gspmd", False)),
}

COMMON = dict(hidden_size=HIDDEN, num_hidden_layers=1, num_attention_heads=4, num_key_value_heads=4, vocab_size=64)


@dataclass(frozen=True)
class Model:
    name: str
    module: str  # transformers.models.<module>.modeling_<module>
    config: str
    block: str
    config_kwargs: dict = field(default_factory=dict)


MODELS = (
    Model(
        "deepseek_v3",
        "deepseek_v3",
        "DeepseekV3Config",
        "DeepseekV3MoE",
        dict(
            intermediate_size=64,
            moe_intermediate_size=16,
            n_routed_experts=8,
            num_experts_per_tok=2,
            n_group=4,
            topk_group=2,
            n_shared_experts=1,
            norm_topk_prob=True,
            first_k_dense_replace=0,
            q_lora_rank=None,
            kv_lora_rank=16,
            qk_rope_head_dim=8,
            qk_nope_head_dim=8,
            v_head_dim=8,
        ),
    ),
    Model(
        "glm4_moe",
        "glm4_moe",
        "Glm4MoeConfig",
        "Glm4MoeMoE",
        dict(
            intermediate_size=64,
            moe_intermediate_size=16,
            n_routed_experts=8,
            num_experts_per_tok=2,
            n_group=4,
            topk_group=2,
            n_shared_experts=1,
            norm_topk_prob=True,
            first_k_dense_replace=0,
            head_dim=8,
        ),
    ),
    Model("mixtral", "mixtral", "MixtralConfig", "MixtralSparseMoeBlock",
          dict(intermediate_size=16, num_local_experts=8, num_experts_per_tok=2)),
    Model("qwen2_moe", "qwen2_moe", "Qwen2MoeConfig", "Qwen2MoeSparseMoeBlock",
          dict(intermediate_size=64, moe_intermediate_size=16, shared_expert_intermediate_size=16, num_experts=8,
               num_experts_per_tok=2)),
    Model("qwen3_moe", "qwen3_moe", "Qwen3MoeConfig", "Qwen3MoeSparseMoeBlock",
          dict(intermediate_size=64, moe_intermediate_size=16, num_experts=8, num_experts_per_tok=2, head_dim=8)),
    Model("gpt_oss", "gpt_oss", "GptOssConfig", "GptOssMLP",
          dict(intermediate_size=16, num_local_experts=8, num_experts_per_tok=2, head_dim=8)),
    Model("llama4", "llama4", "Llama4TextConfig", "Llama4TextMoe",
          dict(intermediate_size=16, intermediate_size_mlp=64, num_local_experts=8, num_experts_per_tok=1,
               head_dim=8)),
    Model("olmoe", "olmoe", "OlmoeConfig", "OlmoeSparseMoeBlock",
          dict(intermediate_size=16, num_experts=8, num_experts_per_tok=2)),
    Model("granitemoe", "granitemoe", "GraniteMoeConfig", "GraniteMoeMoE",
          dict(intermediate_size=16, num_local_experts=8, num_experts_per_tok=2)),
)


def _tolerate_missing_overloads() -> None:
    """Let torchax import on a torch that dropped overloads it registers (it only uses them as dict keys)."""
    import torch._ops as ops

    original = ops.OpOverloadPacket.__getattr__

    def getattr_or_placeholder(self, key):
        try:
            return original(self, key)
        except AttributeError:
            if key.startswith("__"):
                raise
            return f"missing overload {self._qualified_op_name}.{key}"

    ops.OpOverloadPacket.__getattr__ = getattr_or_placeholder


def build_block(model: Model, dtype: str = "f32"):
    """The MoE block with random weights (seeded), experts in `batched_mm` form (static shapes, traceable)."""
    import torch

    modeling = importlib.import_module(f"transformers.models.{model.module}.modeling_{model.module}")
    configuration = importlib.import_module(f"transformers.models.{model.module}.configuration_{model.module}")
    config = getattr(configuration, model.config)(**COMMON, **model.config_kwargs)
    config._experts_implementation = "batched_mm"
    torch.manual_seed(0)
    block = getattr(modeling, model.block)(config).eval()
    with torch.no_grad():
        for parameter in block.parameters():
            parameter.normal_(0.0, 0.2)
    if dtype == "bf16":
        block = block.to(torch.bfloat16)
    return block, modeling


def lower(block, *, partitioner: str, debug: bool, dtype: str = "f32") -> str:
    import jax
    import jax.numpy as jnp
    import torchax
    from jax.sharding import AxisType, NamedSharding, PartitionSpec

    weights, function = torchax.extract_jax(block)
    mesh = jax.make_mesh(MESH_SHAPE, MESH_AXES, axis_types=(AxisType.Auto, AxisType.Auto))
    replicated = NamedSharding(mesh, PartitionSpec())
    tokens = NamedSharding(mesh, PartitionSpec("batch"))
    weight_shardings = jax.tree_util.tree_map(lambda _: replicated, weights)

    def forward(weights, hidden_states):
        out = function(weights, (hidden_states,))
        return out if isinstance(out, tuple) else (out,)

    previous = jax.config.jax_use_shardy_partitioner
    jax.config.update("jax_use_shardy_partitioner", partitioner == "shardy")
    try:
        jitted = jax.jit(forward, in_shardings=(weight_shardings, tokens))
        hidden = jax.ShapeDtypeStruct((BATCH, SEQUENCE, HIDDEN), jnp.bfloat16 if dtype == "bf16" else jnp.float32)
        abstract_weights = jax.tree_util.tree_map(lambda w: jax.ShapeDtypeStruct(w.shape, w.dtype), weights)
        lowered = jitted.lower(abstract_weights, hidden)
        return lowered.as_text(debug_info=debug)
    finally:
        jax.config.update("jax_use_shardy_partitioner", previous)


def hazard_lines(block, modeling) -> list[tuple[str, int, str, str]]:
    """(file, line, rule, op) for every row-wise gather/scatter call in the source of the block's modules."""
    found = set()
    for module in block.modules():
        cls = type(module)
        if not cls.__module__.startswith("transformers.models."):
            continue
        try:
            lines, first = inspect.getsourcelines(cls)
        except (OSError, TypeError):
            continue
        path = site_relative(inspect.getsourcefile(cls))
        for offset, text in enumerate(lines):
            for call, rule, op in HAZARD_CALLS:
                if call in text.replace(" ", ""):
                    found.add((path, first + offset, rule, op))
    return sorted(found)


def site_relative(path: str) -> str:
    """`transformers/models/x/modeling_x.py` out of a path into any venv's site-packages (the two exporters run
    in different venvs), else the path as it is."""
    marker = "site-packages/"
    return path[path.rindex(marker) + len(marker) :] if marker in path else path


def located_ops(debug_text: str) -> list[tuple[str, str]]:
    """(op name, printed location) of every op of the entry function, in program order, read by jaxlib's parser."""
    from jax._src.interpreters import mlir
    from jax._src.lib.mlir import ir

    context = mlir.make_ir_context()
    module = ir.Module.parse(debug_text, context=context)
    ops = []

    def walk(operation):
        for region in operation.regions:
            for block in region.blocks:
                for op in block.operations:
                    ops.append((op.operation.name, str(op.operation.location)))
                    walk(op.operation)

    walk(module.operation)
    return ops


def expected_hazards(debug_text: str, hazards) -> list[dict]:
    """Each hazardous call's op: its kind, its ordinal among ops of that kind, and the Python line."""
    ops = located_ops(debug_text)
    expected = []
    for path, line, rule, op_name in hazards:
        needle = f'{path}":{line}:'
        ordinal = -1
        for name, location in ops:
            if name != op_name:
                continue
            ordinal += 1
            if needle in location:
                expected.append(
                    {"rule": rule, "op": op_name, "ordinal": ordinal, "source": f"{Path(path).name}:{line}"}
                )
    return expected


def op_lines(text: str, op_name: str) -> list[int]:
    """1-based lines where an op of this kind is defined, in order (pretty `= name` or generic `"name"(` form)."""
    lines = []
    for number, line in enumerate(text.splitlines(), 1):
        stripped = line.strip()
        if f"= {op_name} " in stripped or f"= {op_name}(" in stripped or f'"{op_name}"(' in stripped:
            lines.append(number)
    return lines


def stage_torch_xla(staging: Path, only) -> None:
    """Under torch-xla (its own venv): run each block on 8 CPU devices with SPMD, tokens sharded over "batch" of a
    4x2 mesh, and keep what PyTorch/XLA prints, twice: as text (`get_stablehlo`, no locations), and as bytecode
    with `XLA_HLO_DEBUG=1` locations. With that flag torch_xla prints its text in MLIR's *pretty* debug form
    (`#loc1 = /path.py:3:0`, call sites split over lines), which no MLIR parser reads back; its bytecode carries
    the same locations in a form jaxlib prints as ordinary `loc(...)` text (`import_torch_xla`)."""
    import subprocess

    staging.mkdir(parents=True, exist_ok=True)
    for debug in ("0", "1"):
        env = dict(os.environ, PJRT_DEVICE="CPU", CPU_NUM_DEVICES="8", XLA_HLO_DEBUG=debug)
        command = [sys.executable, __file__, "--torch-xla-run", str(staging), "--debug-info", debug]
        subprocess.run(command + (["--only", *only] if only else []), env=env, check=True)


def run_torch_xla(staging: Path, debug: bool, only) -> None:
    import numpy as np
    import torch
    import torch_xla
    import torch_xla.core.xla_model as xm
    import torch_xla.distributed.spmd as xs
    import torch_xla.runtime as xr

    xr.use_spmd()
    devices = xr.global_runtime_device_count()
    mesh = xs.Mesh(np.arange(devices), MESH_SHAPE, MESH_AXES)
    hazards = {}
    for model in MODELS:
        if only and model.name not in only:
            continue
        try:
            block, modeling = build_block(model)
            block = block.to(torch_xla.device())
            torch.manual_seed(0)
            hidden = torch.randn(BATCH, SEQUENCE, HIDDEN).to(torch_xla.device())
            xs.mark_sharding(hidden, mesh, ("batch", None, None))
            out = block(hidden)
            outs = list(out) if isinstance(out, tuple) else [out]
            if debug:
                (staging / f"{model.name}.mlirbc").write_bytes(xm.get_stablehlo_bytecode(outs))
                (staging / f"{model.name}.pretty.mlir").write_text(xm.get_stablehlo(outs))
            else:
                (staging / f"{model.name}.mlir").write_text(xm.get_stablehlo(outs))
            hazards[model.name] = hazard_lines(block, modeling)
        except Exception as error:  # a block this torch_xla cannot run
            hazards[model.name] = f"{type(error).__name__}: {str(error).splitlines()[0][:200]}"
    versions = {"torch": torch.__version__, "torch_xla": torch_xla.__version__}
    (staging / "hazards.json").write_text(json.dumps({"versions": versions, "hazards": hazards}, indent=2))


def import_torch_xla(staging: Path, out: Path, manifest: dict) -> None:
    """The staged torch_xla exports into fixtures: the text as torch_xla printed it, and the bytecode printed
    with its locations by jaxlib (`_debug`); hazards located as for torchax."""
    from jax._src.interpreters import mlir
    from jaxlib.mlir._mlir_libs import _stablehlo as stablehlo

    staged = json.loads((staging / "hazards.json").read_text())
    manifest["versions"].update(staged["versions"])
    for model_name, calls in staged["hazards"].items():
        if isinstance(calls, str):
            manifest["skipped"][f"{model_name} torch_xla"] = calls
            continue
        context = mlir.make_ir_context()
        with context:
            module = stablehlo.deserialize_portable_artifact(context, (staging / f"{model_name}.mlirbc").read_bytes())
        texts = {
            False: (staging / f"{model_name}.mlir").read_text(),
            True: module.operation.get_asm(enable_debug_info=True),
        }
        hazards = expected_hazards(texts[True], [tuple(call) for call in calls])
        if model_name == PRETTY_SAMPLE:
            # What torch_xla's get_stablehlo prints under XLA_HLO_DEBUG=1: no MLIR parser reads it back.
            name = f"{PRETTY_DIR}/{model_name}_torchxla_gspmd_debug_pretty.mlir"
            (out / PRETTY_DIR).mkdir(exist_ok=True)
            pretty = (staging / f"{model_name}.pretty.mlir").read_text()
            (out / name).write_text(re.sub(r"/\S*/site-packages/", "site-packages/", pretty).replace(f"{ROOT}/", ""))
            manifest["unparseable"] = {name: "MLIR's pretty debug-info form (torch_xla, XLA_HLO_DEBUG=1)"}
        for debug, text in texts.items():
            name = f"{model_name}_torchxla_gspmd{'_debug' if debug else ''}.mlir"
            write_fixture(out, manifest, name, text, hazards,
                          model=model_name, exporter="torch_xla", partitioner="gspmd", dtype="f32", debug=debug)


PRETTY_SAMPLE, PRETTY_DIR = "llama4", "unparseable"


def machine_independent(text: str) -> str:
    """Location paths without this machine's layout: `"site-packages/torch/..."` for any venv's site-packages
    (the two exporters run in different venvs) and `"tools/export_transformers.py"` for this script, so that a
    regeneration elsewhere gives the same bytes. Only quoted paths in locations change; frames keep their lines."""
    text = re.sub(r'"/[^"]*/site-packages/', '"site-packages/', text)
    return text.replace(f'"{ROOT}/', '"')


def write_fixture(out: Path, manifest: dict, name: str, text: str, hazards: list[dict], **facts) -> None:
    text = machine_independent(text)
    (out / name).write_text(text)
    entries = [{**hazard, "line": op_lines(text, hazard["op"])[hazard["ordinal"]]} for hazard in hazards]
    manifest["files"][name] = {**facts, "hazards": entries}
    print(f"{name}: {len(text)} bytes, hazards {[(h['rule'], h['line']) for h in entries]}")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=OUT)
    parser.add_argument("--only", nargs="*", help="model names to export (default: all available)")
    parser.add_argument("--torch-xla-stage", type=Path, metavar="DIR",
                        help="under torch-xla: export every block into DIR (then run without it, with --torch-xla)")
    parser.add_argument("--torch-xla", type=Path, metavar="DIR", help="also write the torch_xla exports staged in DIR")
    parser.add_argument("--torch-xla-run", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--debug-info", default="0", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.torch_xla_stage:
        stage_torch_xla(args.torch_xla_stage, args.only)
        return 0
    if args.torch_xla_run:
        run_torch_xla(args.torch_xla_run, args.debug_info == "1", args.only)
        return 0

    _tolerate_missing_overloads()
    import jax
    import torch
    import torchax
    import transformers

    args.out.mkdir(parents=True, exist_ok=True)
    manifest = {
        "generator": "tools/export_transformers.py",
        "versions": {
            "transformers": transformers.__version__,
            "torch": torch.__version__,
            "torchax": getattr(torchax, "__version__", "?"),
            "jax": jax.__version__,
        },
        "mesh": dict(zip(MESH_AXES, MESH_SHAPE)),
        "input": f"hidden_states [{BATCH}, {SEQUENCE}, {HIDDEN}] (f32 or bf16) sharded over 'batch'",
        "files": {},
        "skipped": {},
    }
    for model in MODELS:
        if args.only and model.name not in args.only:
            continue
        for dtype, variants in VARIANTS.items():
            try:
                block, modeling = build_block(model, dtype)
                texts = {
                    (partitioner, debug): lower(block, partitioner=partitioner, debug=debug, dtype=dtype)
                    for partitioner, debug in variants
                }
                # Ops are located from a debug export; every variant of one dtype lowers to the same ops.
                located = texts.get(("shardy", True)) or lower(block, partitioner="shardy", debug=True, dtype=dtype)
            except Exception as error:  # a model this transformers/torchax pair cannot build or trace
                key = f"{model.name} {dtype}"
                manifest["skipped"][key] = f"{type(error).__name__}: {str(error).splitlines()[0][:200]}"
                print(f"skip {key}: {manifest['skipped'][key]}", file=sys.stderr)
                continue
            hazards = expected_hazards(located, hazard_lines(block, modeling))
            for (partitioner, debug), text in texts.items():
                suffix = ("" if dtype == "f32" else f"_{dtype}") + ("_debug" if debug else "")
                write_fixture(args.out, manifest, f"{model.name}_torchax_{partitioner}{suffix}.mlir", text, hazards,
                              model=model.name, exporter="torchax", partitioner=partitioner, dtype=dtype, debug=debug)
    if args.torch_xla:
        import_torch_xla(args.torch_xla, args.out, manifest)
    (args.out / "MANIFEST.json").write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
