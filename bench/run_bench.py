"""Time ``hlo-fix lint`` against jaxlib's C++ MLIR parser on the same export.

The project's bar, checked in one run on one machine so that both sides see
the same load:

* time:  the whole ``hlo-fix lint FILE`` process (start to exit, as a user
  waits for it) takes at most 1.5x the time jaxlib's ``ir.Module.parse``
  needs for the same file (timed inside its own process, after the context
  is made, so jax's import and context setup are not charged to jaxlib);
* memory: hlo-fix's peak RSS is no larger than the jaxlib parsing process's.

Every measurement runs in a fresh child whose peak RSS comes from
``os.wait4``; the sides are interleaved so a noisy neighbour hurts both
alike, and the medians are compared.  ``--check`` makes a FAIL exit 1;
errors (missing input, a crash, a usage error) always exit 2.
"""

from __future__ import annotations

import argparse
import json
import os
import shlex
import statistics
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

BENCH_DIR = Path(__file__).resolve().parent
REPO = BENCH_DIR.parent
DEFAULT_MODEL = BENCH_DIR / "out" / "model.mlir"
DEFAULT_HLO_FIX = f"{REPO / '.venv' / 'bin' / 'hlo-fix'} lint --no-cache"  # every run reads and lints
MAX_TIME_RATIO = 1.5
MAX_RSS_RATIO = 1.0
# hlo-fix lint exits 1 when it reports hazards: a result, not a failure.
HLO_FIX_OK_CODES = (0, 1)
# The hlo-fix side runs from bytecode, as an installed hlo-fix does, kept here (git-ignored) rather than in the
# source tree; see `hlo_fix_env`.
PYCACHE = BENCH_DIR / "out" / "pycache"
WARM_UP_MODULE = REPO / "fixtures" / "causal_mask_seq_sharded_shardy.mlir"


class BenchError(RuntimeError):
    """A measurement could not be taken (crash, bad exit code, bad output)."""


@dataclass
class Run:
    """One child process: wall time, peak RSS, exit code and captured output."""

    wall_s: float
    peak_rss_kb: int
    exit_code: int
    stdout: str
    stderr: str
    report: dict = field(default_factory=dict)  # what a jaxlib child printed


@dataclass
class Side:
    """All runs of one side of the comparison and the time the bar uses."""

    name: str
    cmd: list
    runs: list = field(default_factory=list)
    timed_s: list = field(default_factory=list)  # the time compared to the bar

    def median_s(self):
        return statistics.median(self.timed_s)

    def min_s(self):
        return min(self.timed_s)

    def median_rss_kb(self):
        return statistics.median(r.peak_rss_kb for r in self.runs)


def run_child(cmd, env=None):
    """Run ``cmd`` to completion and return its wall time and its own peak RSS.

    ``os.wait4`` gives the rusage of exactly this child, so no earlier child
    (e.g. a bigger run of the other side) can leak into the number, which
    ``RUSAGE_CHILDREN`` would allow.  Output goes to temporary files rather
    than pipes: a linter printing thousands of findings must not block on a
    full pipe, and no terminal rendering time is charged to it.
    """
    with tempfile.TemporaryFile() as out, tempfile.TemporaryFile() as err:
        t0 = time.perf_counter()
        proc = subprocess.Popen(cmd, stdin=subprocess.DEVNULL, stdout=out, stderr=err, env=env)
        _, status, usage = os.wait4(proc.pid, 0)
        wall = time.perf_counter() - t0
        proc.returncode = os.waitstatus_to_exitcode(status)  # already reaped by wait4
        out.seek(0)
        err.seek(0)
        return Run(wall, usage.ru_maxrss, proc.returncode,
                   out.read().decode(errors="replace"), err.read().decode(errors="replace"))


def tail(text, lines=15):
    """Last lines of captured output, newline-led, for error messages ('' if none)."""
    kept = text.rstrip().splitlines()[-lines:]
    return "".join("\n" + line for line in kept)


def hlo_fix_env():
    """The hlo-fix child's environment: bytecode read from (and written to) PYCACHE, even where the caller's
    environment sets PYTHONDONTWRITEBYTECODE, which would make every timed start compile hlo-fix's ~140 modules
    from source again (about 80 ms here; a pip-installed hlo-fix has its .pyc files)."""
    env = {key: value for key, value in os.environ.items() if key != "PYTHONDONTWRITEBYTECODE"}
    env["PYTHONPYCACHEPREFIX"] = str(PYCACHE)
    return env


def compile_hlo_fix(cmd, model):
    """Before anything is timed: compile the hlo_fix package into PYCACHE, then run the command once on a small
    fixture in place of `model`, so what it imports (click, lark, the stdlib under this prefix) is compiled too."""
    python = Path(cmd[0]).with_name("python")
    python = str(python) if python.exists() else sys.executable
    subprocess.run([python, "-m", "compileall", "-q", str(REPO / "hlo_fix")], env=hlo_fix_env(),
                   stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL, check=False)
    if WARM_UP_MODULE.is_file():
        warm_up = [str(WARM_UP_MODULE) if part == str(model) else part for part in cmd]
        run_child(warm_up, env=hlo_fix_env())


def measure_hlo_fix(side):
    """One run of the whole hlo-fix process; its wall time is what is timed."""
    run = run_child(side.cmd, env=hlo_fix_env())
    if run.exit_code not in HLO_FIX_OK_CODES:
        raise BenchError(f"hlo-fix exited {run.exit_code} (expected 0 or 1):\n"
                         f"$ {shlex.join(side.cmd)}{tail(run.stdout)}{tail(run.stderr)}")
    side.runs.append(run)
    side.timed_s.append(run.wall_s)


def measure_jaxlib(side):
    """One run of the jaxlib child; only its reported ``Module.parse`` time is timed."""
    run = run_child(side.cmd, env={**os.environ, "JAX_PLATFORMS": "cpu"})
    if run.exit_code != 0:
        raise BenchError(f"jaxlib parse exited {run.exit_code}:\n"
                         f"$ {shlex.join(side.cmd)}{tail(run.stderr)}")
    try:
        report = json.loads(run.stdout.strip().splitlines()[-1])
    except (IndexError, ValueError) as exc:
        raise BenchError(f"jaxlib parse printed no JSON: {exc}{tail(run.stdout)}") from exc
    run.report = report
    side.runs.append(run)
    side.timed_s.append(report["parse_s"])


def hlo_fix_command(template, model):
    """Split the hlo-fix command; ``{file}`` marks the input, else it is appended."""
    parts = shlex.split(template)
    if any("{file}" in p for p in parts):
        return [p.replace("{file}", str(model)) for p in parts]
    return parts + [str(model)]


def warm_page_cache(path):
    """Read the input (a file, or the files under a directory) once so neither side pays for the first read
    from disk."""
    for one in sorted(Path(path).rglob("*")) if Path(path).is_dir() else [path]:
        if Path(one).is_file():
            with open(one, "rb") as f:
                while f.read(1 << 24):
                    pass


def run_sides(model, hlo_cmd, python, repeats, log):
    """Interleave the two sides ``repeats`` times; returns (jaxlib, hlo_fix)."""
    jaxlib = Side("jaxlib Module.parse", [python, str(BENCH_DIR / "jaxlib_parse.py"), str(model)])
    hlo = Side("hlo-fix lint (process)", hlo_cmd)
    compile_hlo_fix(hlo_cmd, model)
    warm_page_cache(model)
    for i in range(repeats):
        measure_jaxlib(jaxlib)
        log(f"  run {i + 1}/{repeats}: jaxlib parse {jaxlib.timed_s[-1]:.3f}s "
            f"rss {jaxlib.runs[-1].peak_rss_kb / 1024:.0f} MiB")
        measure_hlo_fix(hlo)
        log(f"  run {i + 1}/{repeats}: hlo-fix {hlo.timed_s[-1]:.3f}s "
            f"rss {hlo.runs[-1].peak_rss_kb / 1024:.0f} MiB exit {hlo.runs[-1].exit_code}")
    return jaxlib, hlo


def summarize_side(side, n_bytes):
    """Machine-readable numbers for one side (times in s, RSS in MiB, MB = 1e6 B)."""
    med = side.median_s()
    return {
        "cmd": side.cmd,
        "times_s": [round(t, 4) for t in side.timed_s],
        "median_s": round(med, 4),
        "min_s": round(side.min_s(), 4),
        "mb_per_s": round(n_bytes / 1e6 / med, 2),
        "process_wall_s": [round(r.wall_s, 4) for r in side.runs],
        "peak_rss_mib": [round(r.peak_rss_kb / 1024, 1) for r in side.runs],
        "median_peak_rss_mib": round(side.median_rss_kb() / 1024, 1),
        "exit_codes": [r.exit_code for r in side.runs],
    }


def verdict(jaxlib, hlo):
    """Compare medians against the bar; returns the verdict dict."""
    time_ratio = hlo.median_s() / jaxlib.median_s()
    rss_ratio = hlo.median_rss_kb() / jaxlib.median_rss_kb()
    time_ok = time_ratio <= MAX_TIME_RATIO
    rss_ok = rss_ratio <= MAX_RSS_RATIO
    return {
        "time_ratio": round(time_ratio, 3),
        "max_time_ratio": MAX_TIME_RATIO,
        "time_ok": time_ok,
        "rss_ratio": round(rss_ratio, 3),
        "max_rss_ratio": MAX_RSS_RATIO,
        "rss_ok": rss_ok,
        "pass": time_ok and rss_ok,
    }


def build_report(model, jaxlib, hlo, repeats):
    """Everything the run measured, as one JSON-able dict."""
    n_bytes = model.stat().st_size
    extra = jaxlib.runs[0].report
    return {
        "file": str(model),
        "bytes": n_bytes,
        "repeats": repeats,
        "jaxlib": {**summarize_side(jaxlib, n_bytes),
                   "import_s": round(extra["import_s"], 3),
                   "context_s": round(extra["context_s"], 4)},
        "hlo_fix": summarize_side(hlo, n_bytes),
        "verdict": verdict(jaxlib, hlo),
        "notes": notes_for(hlo),
    }


def notes_for(hlo):
    """Sanity notes that do not change the verdict but should be looked at."""
    notes = []
    if all(r.exit_code == 0 for r in hlo.runs):
        notes.append("hlo-fix exited 0 (no hazards) on a model full of row-iota "
                     "gathers/scatters under batch sharding: is it really linting?")
    return notes


def print_table(report):
    """Human-readable table: both sides, the ratios, and PASS/FAIL."""
    j, h, v = report["jaxlib"], report["hlo_fix"], report["verdict"]
    print(f"file: {report['file']}  {report['bytes'] / 1e6:.1f} MB  "
          f"({report['repeats']} runs each, medians compared)")
    print(f"{'':28}{'median':>9}{'min':>9}{'MB/s':>8}{'peak RSS':>12}")
    for label, s in (("jaxlib Module.parse", j), ("hlo-fix lint (whole process)", h)):
        print(f"{label:28}{s['median_s']:>8.3f}s{s['min_s']:>8.3f}s{s['mb_per_s']:>8.1f}"
              f"{s['median_peak_rss_mib']:>8.0f} MiB")
    print(f"  (jaxlib process: import jax {j['import_s']:.2f}s, context {j['context_s']:.3f}s, "
          f"whole process median {statistics.median(j['process_wall_s']):.2f}s; not charged)")
    print(f"time  hlo-fix / jaxlib = {v['time_ratio']:.2f}x   (bar <= {v['max_time_ratio']}x)  "
          f"{'ok' if v['time_ok'] else 'over'}")
    print(f"RSS   hlo-fix / jaxlib = {v['rss_ratio']:.2f}x   (bar <= {v['max_rss_ratio']}x)  "
          f"{'ok' if v['rss_ok'] else 'over'}")
    for note in report["notes"]:
        print(f"note: {note}")
    print("PASS" if v["pass"] else "FAIL")


def parse_args(argv):
    """Command line of the harness."""
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--model", type=Path, default=DEFAULT_MODEL,
                    help="input export (default bench/out/model.mlir, from make_model.py)")
    ap.add_argument("--hlo-fix-cmd", default=DEFAULT_HLO_FIX,
                    help="hlo-fix command; the file is appended unless {file} appears "
                         "(default: .venv/bin/hlo-fix lint)")
    ap.add_argument("--python", default=sys.executable,
                    help="interpreter with jax for the baseline (default: this one)")
    ap.add_argument("--repeats", type=int, default=3, help="runs of each side (default 3)")
    ap.add_argument("--json", action="store_true", help="print one JSON object instead of the table")
    ap.add_argument("--check", action="store_true", help="exit 1 when the bar is not met")
    return ap.parse_args(argv)


def main(argv=None):
    """Run the benchmark; exit 0, 1 (FAIL with --check) or 2 (could not measure)."""
    args = parse_args(argv)
    log = (lambda msg: print(msg, file=sys.stderr)) if args.json else print
    if not args.model.is_file():
        print(f"run_bench: {args.model} is missing; run bench/make_model.py first", file=sys.stderr)
        return 2
    if args.repeats < 1:
        print("run_bench: --repeats must be >= 1", file=sys.stderr)
        return 2
    hlo_cmd = hlo_fix_command(args.hlo_fix_cmd, args.model)
    log(f"run_bench: {args.model} ({args.model.stat().st_size / 1e6:.1f} MB), "
        f"{args.repeats} runs each")
    try:
        jaxlib, hlo = run_sides(args.model, hlo_cmd, args.python, args.repeats, log)
    except (BenchError, OSError) as exc:
        print(f"run_bench: ERROR: {exc}", file=sys.stderr)
        return 2
    report = build_report(args.model, jaxlib, hlo, args.repeats)
    if args.json:
        print(json.dumps(report, indent=2))
    else:
        print_table(report)
    return 1 if args.check and not report["verdict"]["pass"] else 0


if __name__ == "__main__":
    sys.exit(main())
