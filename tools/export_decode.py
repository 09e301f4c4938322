"""Export one greedy-decode step of tiny, random-weight causal LMs of pip `transformers` (gpt-oss, Llama4 text) to
StableHLO fixtures (fixtures/transformers/decode/), for HF007.

Why: tensor-parallel decoding shards the lm_head column-parallel (its vocab dim over "model"), so the logits' vocab
dim is sharded, and the greedy step `torch.argmax(logits[:, -1], dim=-1)` (what `GenerationMixin._sample` does
without sampling) reduces over it: tt-mlir#8623. Each model is exported through torchax, lowered by JAX as Shardy
and as GSPMD with debug locations with the lm_head column-parallel (the hazard), and as Shardy with the lm_head
replicated (hazard-free).
Token ids [8, 4] are sharded over "batch" of a 4x2 ("batch", "model") mesh; every other weight is replicated.

    /work/venv-export/bin/python tools/export_decode.py          # the venv of tools/export_transformers.py

The manifest (fixtures/transformers/decode/MANIFEST.json) is the oracle tests/test_transformers_decode.py checks
hlo-fix against. Its hazards come from the source, not from hlo-fix: the `torch.argmax` line of `GreedyStep` below,
located in each module with jaxlib's MLIR parser (the reduce whose debug-location chain contains that line, or the
call into the private function holding it), only where the lm_head is column-parallel.
"""

from __future__ import annotations

import argparse
import importlib
import inspect
import json
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))

import export_transformers as shared  # noqa: E402  (sets XLA_FLAGS/JAX_PLATFORMS before jax is imported)

OUT = shared.ROOT / "fixtures" / "transformers" / "decode"
BATCH, SEQUENCE, VOCAB = 8, 4, 512
# (name, transformers module, config class, causal LM class, config overrides)
MODELS = (
    ("gpt_oss", "gpt_oss", "GptOssConfig", "GptOssForCausalLM",
     dict(intermediate_size=16, num_local_experts=4, num_experts_per_tok=2, head_dim=8, layer_types=["full_attention"])),
    ("llama4", "llama4", "Llama4TextConfig", "Llama4ForCausalLM",
     dict(intermediate_size=16, intermediate_size_mlp=64, num_local_experts=4, num_experts_per_tok=1, head_dim=8)),
)
LM_HEADS = {"column_parallel": ("model", None), "replicated": (None, None)}
# The hazard in both partitioners; its hazard-free twin once (the files are large: debug locations).
VARIANTS = (("column_parallel", "shardy"), ("column_parallel", "gspmd"), ("replicated", "shardy"))


def greedy_step_class():
    import torch

    class GreedyStep(torch.nn.Module):
        """The model's forward and the greedy pick of the next token, as generate() does without sampling."""

        def __init__(self, model):
            super().__init__()
            self.model = model

        def forward(self, input_ids):
            logits = self.model(input_ids=input_ids, use_cache=False).logits
            return torch.argmax(logits[:, -1, :], dim=-1)

    return GreedyStep


def argmax_line(step_class) -> tuple[str, int]:
    lines, first = inspect.getsourcelines(step_class.forward)
    offset = next(i for i, text in enumerate(lines) if "torch.argmax" in text)
    source = Path(inspect.getsourcefile(step_class)).resolve()
    # As machine_independent prints it: relative to the checkout.
    return str(source.relative_to(shared.ROOT)), first + offset


def build(module: str, config_class: str, model_class: str, overrides: dict):
    import torch

    modeling = importlib.import_module(f"transformers.models.{module}.modeling_{module}")
    configuration = importlib.import_module(f"transformers.models.{module}.configuration_{module}")
    config = getattr(configuration, config_class)(**{**shared.COMMON, "vocab_size": VOCAB}, **overrides)
    config._experts_implementation = "batched_mm"
    config.tie_word_embeddings = False
    torch.manual_seed(0)
    step = greedy_step_class()(getattr(modeling, model_class)(config).eval())
    with torch.no_grad():
        for parameter in step.parameters():
            parameter.normal_(0.0, 0.2)
    return step


def lower(step, *, partitioner: str, lm_head: tuple) -> str:
    import jax
    import jax.numpy as jnp
    import torchax
    from jax.sharding import AxisType, NamedSharding, PartitionSpec

    weights, function = torchax.extract_jax(step)
    mesh = jax.make_mesh(shared.MESH_SHAPE, shared.MESH_AXES, axis_types=(AxisType.Auto, AxisType.Auto))
    replicated = NamedSharding(mesh, PartitionSpec())
    shardings = {name: replicated for name in weights}
    shardings["model.lm_head.weight"] = NamedSharding(mesh, PartitionSpec(*lm_head))
    tokens = NamedSharding(mesh, PartitionSpec("batch", None))

    def forward(weights, input_ids):
        return function(weights, (input_ids,))

    previous = jax.config.jax_use_shardy_partitioner
    jax.config.update("jax_use_shardy_partitioner", partitioner == "shardy")
    try:
        jitted = jax.jit(forward, in_shardings=(shardings, tokens))
        abstract = {name: jax.ShapeDtypeStruct(w.shape, w.dtype) for name, w in weights.items()}
        ids = jax.ShapeDtypeStruct((BATCH, SEQUENCE), jnp.int32)
        return jitted.lower(abstract, ids).as_text(debug_info=True)
    finally:
        jax.config.update("jax_use_shardy_partitioner", previous)


def expected_hazards(text: str, path: str, line: int) -> list[dict]:
    """The argmax's reduce, read with jaxlib's parser: the reduce whose location names the line, or (JAX puts
    jnp.argmax in a private function whose ops carry no Python frame) the reduce in the function that a call from
    that line enters. Ordinals count reduces in program order (functions in text order)."""
    from jax._src.interpreters import mlir
    from jax._src.lib.mlir import ir

    needle = f'{path}":{line}:'
    module = ir.Module.parse(text, context=mlir.make_ir_context())
    reduces: list[tuple[str, str]] = []  # (enclosing function, location) in program order
    callees: set[str] = set()

    def walk(operation, function):
        for region in operation.regions:
            for block in region.blocks:
                for op in block.operations:
                    op = op.operation
                    inner = function
                    if op.name == "func.func":
                        inner = ir.StringAttr(op.attributes["sym_name"]).value
                    elif op.name == "stablehlo.reduce":
                        reduces.append((function, str(op.location)))
                    elif op.name == "func.call" and needle in str(op.location):
                        callees.add(ir.FlatSymbolRefAttr(op.attributes["callee"]).value)
                    walk(op, inner)

    walk(module.operation, None)
    hits = [i for i, (function, location) in enumerate(reduces) if needle in location or function in callees]
    return [{"rule": "HF007", "op": "stablehlo.reduce", "ordinal": i, "source": f"{Path(path).name}:{line}"}
            for i in hits]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--out", type=Path, default=OUT)
    args = parser.parse_args(argv)
    shared._tolerate_missing_overloads()
    args.out.mkdir(parents=True, exist_ok=True)
    manifest = {"generated_by": "tools/export_decode.py", "files": {}}
    for name, module, config_class, model_class, overrides in MODELS:
        step = build(module, config_class, model_class, overrides)
        path, line = argmax_line(type(step))
        for head, partitioner in VARIANTS:
            text = shared.machine_independent(lower(step, partitioner=partitioner, lm_head=LM_HEADS[head]))
            hazards = expected_hazards(text, path, line) if head == "column_parallel" else []
            lines = shared.op_lines(text, "stablehlo.reduce")
            for hazard in hazards:
                hazard["line"] = lines[hazard["ordinal"]]
            file = f"{name}_greedy_{head}_{partitioner}_debug.mlir"
            (args.out / file).write_bytes(text.encode("utf-8"))
            manifest["files"][file] = {"model": name, "lm_head": head, "partitioner": partitioner, "hazards": hazards}
            print(f"{file}: {len(hazards)} hazard(s)")
    (args.out / "MANIFEST.json").write_text(json.dumps(manifest, indent=2, sort_keys=True) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main())
