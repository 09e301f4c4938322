"""`make bench`, the other inputs: where the reader once blew up, each against jaxlib on the same input.

- a 100 MB module that is one `dense<"0x...">` weight constant (memory: peak RSS against the file's size),
  with `hlo-fix lint` and `hlo-fix lint --strict`; and 100 MB of 200 medium constants, as a weights-baked
  export has them;
- a directory of thousands of small modules (the shared corpus three times over, or the fixtures many times
  when it is absent), against the summed `Module.parse` time of every file in one jaxlib process;
- the same directory with `-j 1` (one process; the default forks one per CPU for that many files), and again
  with a warm result cache (the run before fills it);
- the main export (bench/out/model.mlir) on one line and with CR line endings: the token path's speed;
- a decoder stack with realistic structure (`make_decoder.py`: 26 MB, per-layer weights, attention with rotary
  embeddings, a routed MLP, Shardy, debug locations): the second half of the speed bar.

Each input is made once under bench/out/ (git-ignored). The sides run as fresh children, interleaved, as in
`run_bench.py`, whose measuring code this reuses.
"""

from __future__ import annotations

import argparse
import random
import shutil
import subprocess
import sys
from pathlib import Path

from run_bench import BENCH_DIR, REPO, BenchError, hlo_fix_env, run_sides

OUT = BENCH_DIR / "out"
HLO_FIX = REPO / ".venv" / "bin" / "hlo-fix"
CORPUS = REPO.parent / "shared" / "corpus" / "stablehlo-testdata"


def hex_constant_module(path: Path, megabytes: int = 100) -> Path:
    if not path.exists():
        count = megabytes * 1_000_000 // 8  # eight hex digits per f32
        shape = f"tensor<{count}xf32>"
        path.write_text(
            f"module @weights {{\n  func.func public @main(%arg0: {shape}) -> {shape} {{\n"
            f'    %c = stablehlo.constant dense<"0x{"0000803F" * count}"> : {shape}\n'
            f"    %0 = stablehlo.add %arg0, %c : {shape}\n    return %0 : {shape}\n  }}\n}}\n",
            encoding="utf-8",
        )
    return path


def many_constants_module(path: Path, count: int = 200, kilobytes: int = 500) -> Path:
    """A weights-baked export's shape: many medium weight constants (each below the reader's long-line size), each
    used by an op. Random digits, seeded: a repeated pattern would favour searches that skip ahead."""
    if not path.exists():
        rng = random.Random(0)
        elements = kilobytes * 1000 // 8
        shape = f"tensor<{elements}xf32>"
        lines = ["module @weights {", f"  func.func public @main(%arg0: {shape}) -> {shape} {{"]
        previous = "%arg0"
        for i in range(count):
            unit = "".join(rng.choice("0123456789ABCDEF") for _ in range(80))
            digits = unit * (elements * 8 // 80)
            lines.append(f'    %c{i} = stablehlo.constant dense<"0x{digits}"> : {shape}')
            lines.append(f"    %{i} = stablehlo.add {previous}, %c{i} : {shape}")
            previous = f"%{i}"
        lines += [f"    return {previous} : {shape}", "  }", "}", ""]
        path.write_text("\n".join(lines), encoding="utf-8")
    return path


def many_files(folder: Path) -> Path:
    if not folder.exists():
        sources = sorted(CORPUS.glob("*.mlir")) or sorted((REPO / "fixtures").glob("*.mlir")) * 20
        for copy in range(3):
            target = folder / str(copy)
            target.mkdir(parents=True)
            for i, source in enumerate(sources):
                shutil.copyfile(source, target / f"{i:05d}_{source.name}")
    return folder


def decoder(path: Path) -> Path | None:
    """The realistic decoder stack, lowered with JAX once (about 25 s)."""
    if not path.exists():
        done = subprocess.run([sys.executable, str(BENCH_DIR / "make_decoder.py"), "--out", str(path)], check=False)
        if done.returncode != 0:
            return None
    return path


def relaid(model: Path, path: Path, how: str) -> Path | None:
    if not model.exists():
        return None
    if not path.exists():
        text = model.read_text(encoding="utf-8")
        path.write_text(text.replace("\n", "\r") if how == "cr" else _one_line(text), encoding="utf-8")
    return path


def _one_line(text: str) -> str:
    sys.path.insert(0, str(REPO))
    from hlo_fix.ir.tokens import tokenize

    tokens = tokenize(text)
    out = [tokens[0].value]
    for before, token in zip(tokens, tokens[1:]):
        out.append(("" if token.start == before.end else " ") + token.value)
    return "".join(out) + "\n"


def main(argv=None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--only", help="run the cases whose name contains this")
    args = ap.parse_args(argv)
    OUT.mkdir(exist_ok=True)
    model = OUT / "model.mlir"
    cases = [
        ("hex constant, lint", hex_constant_module(OUT / "hex100.mlir"), ["lint"]),
        ("hex constant, lint --strict", OUT / "hex100.mlir", ["lint", "--strict"]),
        ("200 constants of 500 KB, lint", many_constants_module(OUT / "constants100.mlir"), ["lint"]),
        # bench/out is git-ignored, and lint skips what git ignores when it searches a directory.
        ("many small files, lint", many_files(OUT / "many"), ["lint", "--exit-zero", "--no-respect-gitignore"]),
        # The default forks one worker per CPU for this many files (`-j 0`); `-j 1` is one process.
        ("many small files, lint -j 1", OUT / "many", ["lint", "--exit-zero", "--no-respect-gitignore", "-j", "1"]),
        ("many small files, warm cache", OUT / "many",
         ["lint", "--exit-zero", "--no-respect-gitignore", "--cache-dir", str(OUT / "cache")]),
        ("model on one line, lint", relaid(model, OUT / "model_one_line.mlir", "one-line"), ["lint"]),
        ("model with CR endings, lint", relaid(model, OUT / "model_cr.mlir", "cr"), ["lint"]),
        ("decoder stack (26 MB), lint", decoder(OUT / "decoder.mlir"), ["lint"]),
    ]
    print(f"{'case':30}{'jaxlib parse':>14}{'hlo-fix':>10}{'ratio':>8}{'input':>10}{'jaxlib RSS':>12}"
          f"{'hlo-fix RSS':>13}{'RSS/input':>11}")
    for name, path, command in cases:
        if path is None or (args.only and args.only not in name):
            continue
        size = sum(p.stat().st_size for p in path.rglob("*.mlir")) if path.is_dir() else path.stat().st_size
        cached = "--cache-dir" in command
        hlo_fix = [str(HLO_FIX), *command, *([] if cached else ["--no-cache"]), str(path)]
        if cached:
            subprocess.run(hlo_fix, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False,
                           env=hlo_fix_env())  # warm it
        try:
            jaxlib, hlo = run_sides(path, hlo_fix, sys.executable, args.repeats, lambda message: None)
        except BenchError as exc:
            print(f"{name}: ERROR: {exc}", file=sys.stderr)
            return 2
        rss = hlo.median_rss_kb() * 1024
        print(f"{name:30}{jaxlib.median_s():>13.2f}s{hlo.median_s():>9.2f}s{hlo.median_s() / jaxlib.median_s():>7.2f}x"
              f"{size / 1e6:>8.1f}MB{jaxlib.median_rss_kb() / 1024:>8.0f} MiB{rss / 2**20:>9.0f} MiB"
              f"{rss / size:>10.2f}x")
    return 0


if __name__ == "__main__":
    sys.exit(main())
