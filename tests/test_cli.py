"""The real `hlo-fix` command line, run with click's CliRunner (and as a subprocess where startup matters).

The checker is the lead's; these tests install a small stand-in `hlo_fix.lint.checker` whose `lint_text` reports
fixed ops by name, so that they pin down what the CLI does with findings and errors.
"""

from __future__ import annotations

import io
import json
import re
import subprocess
import sys
import textwrap
import types
from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from hlo_fix import __version__, cli as cli_module
from hlo_fix.cli import cli
from hlo_fix.errors import ParseError
from hlo_fix.ir.locations import SourceLocation
from hlo_fix.rule_api.finding import Finding, Fix
from hlo_fix.rule_api.rule import Rule
from hlo_fix.rules import registry

REPO = Path(__file__).resolve().parents[1]
REAL_ALL_RULES = registry.all_rules

ERROR_LINE = re.compile(r"^(\S+:\d+:\d+|hlo-fix): error: .+$")


class ShardedIota(Rule):
    """## What it does
    Flags `stablehlo.iota` along a dimension that is sharded.

    ## Why is this bad?
    Every shard numbers its rows from zero.
    """

    code = "HF001"
    name = "sharded-iota"
    severity = "error"
    summary = "Iota along a sharded dimension"
    fix_applicability = "safe"


class RowIotaGather(Rule):
    """## What it does
    Flags gathers indexed by a row iota."""

    code = "HF002"
    name = "row-iota-gather"
    severity = "error"
    summary = "Gather indexed by a row iota"
    fix_applicability = "unsafe"


class InexactFlatIndex(Rule):
    """## What it does
    Flags flat indices that the index float cannot represent."""

    code = "HF003"
    name = "inexact-flat-index"
    severity = "warning"
    summary = "Flat index not exact in the index float"


RULES = [ShardedIota, RowIotaGather, InexactFlatIndex]
# What the stand-in checker reports: an op name in the text -> (rule, fix, Python source).
OPS = {
    "stablehlo.iota": (ShardedIota, Fix("safe", "Use a partition-aware iota"), None),
    '"stablehlo.gather"': (RowIotaGather, Fix("unsafe", "Rewrite as a dynamic slice"), SourceLocation("sparse_mlp.py", 1001)),
    "stablehlo.convert": (InexactFlatIndex, None, None),
}


def fake_lint_text(text: str, filename: str, settings) -> list[Finding]:
    """Report every known op; `!!!` is a syntax error; a module must start with `module`."""
    fake_lint_text.calls.append((filename, settings))
    if not text.lstrip().startswith("module"):
        raise ParseError("expected `module`", 1, 1)
    if "RAISE" in text:
        raise RuntimeError("boom")
    findings = []
    for row, line in enumerate(text.splitlines(), start=1):
        if "!!!" in line:
            raise ParseError("unexpected `!!!`", row, line.index("!!!") + 1)
        for needle, (rule, fix, source) in OPS.items():
            column = line.find(needle)
            if column >= 0 and settings.enabled(rule.code, filename):
                # Stable under renumbered SSA values and shifted lines, like the real fingerprint.
                fingerprint = rule.code + ":" + re.sub(r"%\w+", "%_", line.strip())
                findings.append(Finding(
                    rule.code, rule.name, f"{rule.summary.lower()}", rule.severity, filename,
                    row, column + 1, row, column + 1 + len(needle), fix=fix, source=source, fingerprint=fingerprint,
                ))
    return findings


@pytest.fixture(autouse=True)
def fake_checker(monkeypatch):
    monkeypatch.setattr(registry, "all_rules", lambda: RULES)
    checker = types.ModuleType("hlo_fix.lint.checker")
    checker.lint_text = fake_lint_text
    fake_lint_text.calls = []
    monkeypatch.setitem(sys.modules, "hlo_fix.lint.checker", checker)
    return fake_lint_text


@pytest.fixture
def workdir(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "hlo-fix.toml").write_text("")  # keep configuration discovery inside the test
    return tmp_path


def module(*body: str) -> str:
    lines = "\n".join(f"    {line}" for line in body)
    return (
        "module @jit_f attributes {mhlo.num_partitions = 8 : i32} {\n"
        "  func.func public @main(%arg0: tensor<8x4xf32>) -> tensor<8x4xf32> {\n"
        f"{lines}\n"
        "  }\n"
        "}\n"
    )


CLEAN = module("%0 = stablehlo.add %arg0, %arg0 : tensor<8x4xf32>", "return %0 : tensor<8x4xf32>")
IOTA = module("%0 = stablehlo.iota dim = 0 : tensor<8x1xi32>", "return %arg0 : tensor<8x4xf32>")
GATHER = module(
    "%0 = stablehlo.iota dim = 0 : tensor<8x1xi32>",
    '%1 = "stablehlo.gather"(%arg0, %0) : (tensor<8x4xf32>, tensor<8x1xi32>) -> tensor<8x4xf32>',
    "%2 = stablehlo.convert %0 : (tensor<8x1xi32>) -> tensor<8x1xbf16>",
    "return %1 : tensor<8x4xf32>",
)


def write(path: Path, text: str) -> Path:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text, encoding="utf-8")
    return path


def run(*args: str, input=None):
    return CliRunner().invoke(cli, list(args), input=input)


def assert_one_error_line(result, expected: str | None = None):
    lines = result.stderr.splitlines()
    assert len(lines) == 1, result.stderr
    assert ERROR_LINE.match(lines[0]), lines[0]
    if expected is not None:
        assert lines[0] == expected
    assert "Traceback" not in result.output


# Exit codes and the default format


def test_version():
    result = run("--version")
    assert result.exit_code == 0
    assert result.stdout == f"hlo-fix {__version__}\n"


def test_bare_command_shows_help():
    result = run()
    assert result.exit_code == 0
    assert "lint" in result.stdout and "rule" in result.stdout


def test_clean_file_exits_zero(workdir):
    write(workdir / "clean.mlir", CLEAN)
    result = run("lint", "clean.mlir")
    assert (result.exit_code, result.stdout, result.stderr) == (0, "All checks passed!\n", "")


def test_findings_exit_one_with_full_report(workdir):
    write(workdir / "models" / "iota.mlir", IOTA)
    result = run("lint", "models/iota.mlir")
    assert result.exit_code == 1
    assert result.stdout == textwrap.dedent("""\
        models/iota.mlir:3:10: HF001 [*] iota along a sharded dimension
          |
        3 |     %0 = stablehlo.iota dim = 0 : tensor<8x1xi32>
          |          ^^^^^^^^^^^^^^
          |
          = help: Use a partition-aware iota

        Found 1 error.
        [*] 1 fixable with `hlo-fix fix`.
        """)
    assert result.stderr == ""


def test_full_report_with_source_note_and_unsafe_fix(workdir):
    write(workdir / "gather.mlir", GATHER)
    result = run("lint", "gather.mlir", "--select", "HF002")
    assert result.exit_code == 1
    assert result.stdout == textwrap.dedent("""\
        gather.mlir:4:10: HF002 gather indexed by a row iota
          |
        4 |     %1 = "stablehlo.gather"(%arg0, %0) : (tensor<8x4xf32>, tensor<8x1xi32>) -> tensor<8x4xf32>
          |          ^^^^^^^^^^^^^^^^^^
          |
          = source: sparse_mlp.py:1001
          = help: Rewrite as a dynamic slice (unsafe fix, available with `hlo-fix fix --unsafe-fixes`)

        Found 1 error.
        No fixes available (1 hidden fix can be enabled with the `--unsafe-fixes` option).
        """)
    with_unsafe = run("lint", "gather.mlir", "--select", "HF002", "--unsafe-fixes")
    assert with_unsafe.stdout.startswith("gather.mlir:4:10: HF002 [*] gather indexed by a row iota\n")


def test_exit_zero(workdir):
    write(workdir / "iota.mlir", IOTA)
    result = run("lint", "--exit-zero", "iota.mlir")
    assert result.exit_code == 0
    assert "Found 1 error." in result.stdout


def test_quiet_prints_findings_only(workdir):
    write(workdir / "iota.mlir", IOTA)
    write(workdir / "clean.mlir", CLEAN)
    assert run("lint", "-q", "--output-format", "concise", "iota.mlir").stdout == (
        "iota.mlir:3:10: HF001 [*] iota along a sharded dimension\n"
    )
    result = run("lint", "--quiet", "clean.mlir")
    assert (result.exit_code, result.stdout) == (0, "")


# Paths


def test_directories_recurse_sorted_and_deduplicated(workdir):
    write(workdir / "b" / "z.mlir", IOTA)
    write(workdir / "b" / "a.mlir", IOTA)
    write(workdir / "a" / "deep" / "m.mlir", IOTA)
    write(workdir / "a" / "notes.txt", "module stablehlo.iota")
    write(workdir / ".cache" / "hidden.mlir", IOTA)
    result = run("lint", "--output-format", "concise", "-q", "b", ".", "b/a.mlir")
    assert result.exit_code == 1
    assert [line.split(":")[0] for line in result.stdout.splitlines()] == ["a/deep/m.mlir", "b/a.mlir", "b/z.mlir"]


def test_no_paths_lints_the_current_directory(workdir):
    write(workdir / "sub" / "m.mlir", IOTA)
    result = run("lint", "-q", "--output-format", "concise")
    assert result.stdout.startswith("sub/m.mlir:3:10: HF001")


def test_no_module_files_found_warns(workdir):
    (workdir / "empty").mkdir()
    result = run("lint", "empty")
    assert result.exit_code == 0
    assert result.stderr == "hlo-fix: warning: no .mlir files found under the given paths\n"


def test_missing_path_is_one_error_line_and_others_are_linted(workdir):
    write(workdir / "iota.mlir", IOTA)
    result = run("lint", "--output-format", "concise", "missing.mlir", "iota.mlir")
    assert result.exit_code == 2
    assert_one_error_line(result, "missing.mlir:1:1: error: no such file or directory")
    assert result.stdout.startswith("iota.mlir:3:10: HF001")


def test_parse_error_does_not_stop_other_files(workdir):
    write(workdir / "a_bad.mlir", module("%0 = stablehlo.add %arg0 !!! oops"))
    write(workdir / "b_good.mlir", IOTA)
    result = run("lint", "--output-format", "concise", "--exit-zero", ".")
    assert result.exit_code == 2  # --exit-zero only covers findings
    assert_one_error_line(result, "a_bad.mlir:3:30: error: unexpected `!!!`")
    assert result.stdout == (
        "b_good.mlir:3:10: HF001 [*] iota along a sharded dimension\n"
        "Found 1 error.\n"
        "[*] 1 fixable with `hlo-fix fix`.\n"
    )


def test_parse_error_alone_does_not_claim_all_checks_passed(workdir):
    write(workdir / "bad.mlir", "func.func @f() {}\n")
    result = run("lint", "bad.mlir")
    assert result.exit_code == 2
    assert result.stdout == ""
    assert_one_error_line(result, "bad.mlir:1:1: error: expected `module`")


def test_non_utf8_file_is_one_error_line(workdir):
    (workdir / "binary.mlir").write_bytes(b"module {\n  \xff\xfe\n}\n")
    result = run("lint", "binary.mlir")
    assert result.exit_code == 2
    assert_one_error_line(result, "binary.mlir:2:3: error: input is not UTF-8 text (byte 0xff)")


def test_internal_error_is_one_line_not_a_traceback(workdir):
    write(workdir / "a.mlir", module("RAISE"))
    write(workdir / "b.mlir", IOTA)
    result = run("lint", "-q", "--output-format", "concise", ".")
    assert result.exit_code == 2
    assert_one_error_line(result, "a.mlir:1:1: error: internal error (RuntimeError: boom); please report it")
    assert result.stdout.startswith("b.mlir:3:10")


def test_stdin_only_when_asked(workdir):
    write(workdir / "iota.mlir", IOTA)

    class Untouchable(io.BytesIO):
        def read(self, size=-1):
            if size == 0:  # click probes the stream with read(0)
                return b""
            raise AssertionError("stdin must not be read")

    assert run("lint", "iota.mlir", input=Untouchable()).exit_code == 1
    result = run("lint", "-q", "--output-format", "concise", "-", input=IOTA)
    assert result.stdout == "-:3:10: HF001 [*] iota along a sharded dimension\n"
    named = run("lint", "-q", "--output-format", "concise", "--stdin-filename", "models/x.mlir", "-", input=IOTA)
    assert named.stdout.startswith("models/x.mlir:3:10: HF001")


def test_stdin_filename_without_dash_is_an_error(workdir):
    result = run("lint", "--stdin-filename", "x.mlir", ".")
    assert result.exit_code == 2
    assert_one_error_line(result, "hlo-fix: error: --stdin-filename needs `-` among the paths")


# Other formats


def test_json_format(workdir):
    write(workdir / "gather.mlir", GATHER)
    result = run("lint", "--output-format", "json", "gather.mlir")
    assert result.exit_code == 1
    document = json.loads(result.stdout)
    assert [item["code"] for item in document] == ["HF001", "HF002", "HF003"]
    assert document[1]["location"] == {"row": 4, "column": 10}
    assert document[1]["fix"] == {"applicability": "unsafe", "message": "Rewrite as a dynamic slice"}


def test_sarif_format_paths_relative_to_cwd(workdir):
    write(workdir / "models" / "gather.mlir", GATHER)
    result = run("lint", "--output-format", "sarif", str(workdir / "models"))
    log = json.loads(result.stdout)
    results = log["runs"][0]["results"]
    assert {r["locations"][0]["physicalLocation"]["artifactLocation"]["uri"] for r in results} == {"models/gather.mlir"}
    assert [r["ruleId"] for r in results] == ["HF001", "HF002", "HF003"]
    assert [r["level"] for r in results] == ["error", "error", "warning"]
    assert [rule["id"] for rule in log["runs"][0]["tool"]["driver"]["rules"]] == ["HF001", "HF002", "HF003"]


def test_github_format(workdir):
    write(workdir / "gather.mlir", GATHER)
    result = run("lint", "--output-format", "github", "gather.mlir")
    assert result.exit_code == 1
    assert result.stdout.splitlines() == [
        "::error file=gather.mlir,line=3,col=10,endLine=3,endColumn=24,title=HF001 (sharded-iota)"
        "::iota along a sharded dimension%0Ahelp: Use a partition-aware iota",
        "::error file=gather.mlir,line=4,col=10,endLine=4,endColumn=28,title=HF002 (row-iota-gather)"
        "::gather indexed by a row iota%0Ahelp: Rewrite as a dynamic slice"
        " (unsafe fix, available with `hlo-fix fix --unsafe-fixes`)",
        "::warning file=gather.mlir,line=5,col=10,endLine=5,endColumn=27,title=HF003 (inexact-flat-index)"
        "::flat index not exact in the index float",
    ]


def test_output_format_from_environment(workdir, monkeypatch):
    write(workdir / "iota.mlir", IOTA)
    monkeypatch.setenv("HLO_FIX_OUTPUT_FORMAT", "github")
    assert run("lint", "iota.mlir").stdout.startswith("::error file=iota.mlir")


def test_statistics(workdir):
    write(workdir / "a.mlir", GATHER)
    write(workdir / "b.mlir", IOTA)
    result = run("lint", "--statistics", ".")
    assert result.exit_code == 1
    assert result.stdout == (
        "2\tHF001\t[*] sharded-iota\n"
        "1\tHF002\t[ ] row-iota-gather\n"
        "1\tHF003\t[ ] inexact-flat-index\n"
    )
    as_json = json.loads(run("lint", "--statistics", "--output-format", "json", ".").stdout)
    assert as_json[0] == {"code": "HF001", "name": "sharded-iota", "count": 2, "fixable": True}


# Rule selection and configuration


@pytest.mark.parametrize(
    ("args", "codes"),
    [
        ((), ["HF001", "HF002", "HF003"]),
        (("--select", "HF001,HF003"), ["HF001", "HF003"]),
        (("--select", "HF001", "--select", "hf002"), ["HF001", "HF002"]),
        (("--ignore", "HF00"), []),
        (("--select", "HF00", "--ignore", "HF002"), ["HF001", "HF003"]),
        (("--select", "HF001", "--extend-select", "HF003"), ["HF001", "HF003"]),
        (("--select", "ALL", "--ignore", "HF0", "--extend-select", "HF002"), ["HF002"]),
    ],
)
def test_selection_flags(workdir, args, codes):
    write(workdir / "gather.mlir", GATHER)
    result = run("lint", "--output-format", "json", *args, "gather.mlir")
    assert [item["code"] for item in json.loads(result.stdout)] == codes


def test_unknown_rule_code_in_flags_is_one_line_exit_two(workdir):
    write(workdir / "iota.mlir", IOTA)
    result = run("lint", "--select", "HF001,HF999", "iota.mlir")
    assert result.exit_code == 2
    assert result.stdout == ""
    assert_one_error_line(result, "hlo-fix: error: unknown rule code or prefix `HF999` in select")


def test_index_float_and_settings_reach_the_checker(workdir, fake_checker):
    write(workdir / "iota.mlir", IOTA)
    run("lint", "--index-float", "f16", "iota.mlir")
    filename, settings = fake_checker.calls[-1]
    assert filename == "iota.mlir"
    assert settings.index_float == "f16"
    bad = run("lint", "--index-float", "f8", "iota.mlir")
    assert bad.exit_code == 2
    assert_one_error_line(bad)


def test_config_discovered_from_pyproject_with_per_file_ignores(tmp_path, monkeypatch):
    write(tmp_path / "pyproject.toml", textwrap.dedent("""\
        [tool.hlo-fix]
        ignore = ["HF003"]
        index-float = "tf32"

        [tool.hlo-fix.per-file-ignores]
        "legacy/*.mlir" = ["HF001"]
    """))
    write(tmp_path / "legacy" / "old.mlir", GATHER)
    write(tmp_path / "new" / "m.mlir", GATHER)
    monkeypatch.chdir(tmp_path / "new")  # discovery walks upwards

    result = run("lint", "--output-format", "concise", "-q", "..")
    assert result.stdout.splitlines() == [
        "../legacy/old.mlir:4:10: HF002 gather indexed by a row iota",
        "m.mlir:3:10: HF001 [*] iota along a sharded dimension",
        "m.mlir:4:10: HF002 gather indexed by a row iota",
    ]
    # command-line flags override the configuration
    overridden = run("lint", "--output-format", "concise", "-q", "--extend-select", "HF003", "m.mlir")
    assert "m.mlir:5:10: HF003 flat index not exact in the index float" in overridden.stdout
    isolated = run("lint", "--output-format", "concise", "-q", "--isolated", "../legacy")
    assert "HF001" in isolated.stdout and "HF003" in isolated.stdout


def test_explicit_config_file(workdir):
    write(workdir / "ci" / "hlo-fix.toml", 'select = ["HF002"]\n')
    write(workdir / "gather.mlir", GATHER)
    result = run("lint", "--config", "ci/hlo-fix.toml", "--output-format", "json", "gather.mlir")
    assert [item["code"] for item in json.loads(result.stdout)] == ["HF002"]


def test_bad_config_is_one_located_line(workdir):
    write(workdir / "hlo-fix.toml", 'select = ["HF001"]\nindex_float = "f16"\n')
    write(workdir / "iota.mlir", IOTA)
    result = run("lint", "iota.mlir")
    assert result.exit_code == 2
    assert_one_error_line(
        result, f"{workdir / 'hlo-fix.toml'}:2:1: error: unknown key `index_float` in hlo-fix.toml; did you mean `index-float`?"
    )


def test_missing_config_file(workdir):
    result = run("lint", "--config", "nope.toml", ".")
    assert result.exit_code == 2
    assert_one_error_line(result, "nope.toml:1:1: error: configuration file not found")


def test_usage_errors_are_one_line(workdir):
    for args in (["lint", "--output-format", "xml"], ["lint", "--no-such-flag"], ["no-such-command"]):
        result = run(*args)
        assert result.exit_code == 2, args
        assert_one_error_line(result)
        assert result.stderr.startswith("hlo-fix: error: ")


# Rule documentation


def test_rule_explanation():
    result = run("rule", "HF001")
    assert result.exit_code == 0
    assert result.stdout == textwrap.dedent("""\
        # sharded-iota (HF001)

        Severity: error. Fix is available (safe).

        ## What it does
        Flags `stablehlo.iota` along a dimension that is sharded.

        ## Why is this bad?
        Every shard numbers its rows from zero.
        """)
    assert run("rule", "row-iota-gather").stdout.startswith(
        "# row-iota-gather (HF002)\n\nSeverity: error. Fix is available with `--unsafe-fixes` (unsafe).\n"
    )
    assert json.loads(run("rule", "hf003", "--output-format", "json").stdout)["name"] == "inexact-flat-index"


def test_rule_all_lists_rules():
    result = run("rule", "--all")
    assert result.exit_code == 0
    assert result.stdout == (
        "CODE   NAME                SEVERITY  FIX     SUMMARY\n"
        "HF001  sharded-iota        error     safe    Iota along a sharded dimension\n"
        "HF002  row-iota-gather     error     unsafe  Gather indexed by a row iota\n"
        "HF003  inexact-flat-index  warning   -       Flat index not exact in the index float\n"
    )
    assert [r["code"] for r in json.loads(run("rule", "--all", "--output-format", "json").stdout)] == [
        "HF001", "HF002", "HF003",
    ]


def test_unknown_rule_code_exits_two_with_one_line():
    result = run("rule", "HF999")
    assert result.exit_code == 2
    assert result.stdout == ""
    assert_one_error_line(result, "hlo-fix: error: unknown rule code `HF999`")
    assert run("rule").exit_code == 2


# Extension points


def test_lazy_subcommands_load_on_demand(monkeypatch):
    @click.command()
    def fake_fix():
        """Apply fixes."""
        click.echo("fixed")

    plugin = types.ModuleType("hlo_fix_test_plugin")
    plugin.fix = fake_fix
    monkeypatch.setitem(sys.modules, "hlo_fix_test_plugin", plugin)
    monkeypatch.setattr(cli_module, "LAZY_COMMANDS", {**cli_module.LAZY_COMMANDS, "fix": "hlo_fix_test_plugin:fix",
                                                   "verify": "hlo_fix_absent:verify"})
    monkeypatch.setattr(cli_module, "_module_exists", lambda name: name in sys.modules)

    assert run("fix").stdout == "fixed\n"
    help_text = run("--help").stdout
    assert "fix" in help_text and "verify" not in help_text
    missing = run("verify")
    assert missing.exit_code == 2
    assert_one_error_line(missing)


def test_pre_commit_hooks():
    text = (REPO / ".pre-commit-hooks.yaml").read_text()
    hooks = re.split(r"^- ", text, flags=re.M)[1:]
    by_id = {re.search(r"id: (\S+)", hook)[1]: hook for hook in hooks}
    assert set(by_id) == {"hlo-fix", "hlo-fix-fix"}
    assert "entry: hlo-fix lint\n" in by_id["hlo-fix"]
    assert "entry: hlo-fix fix\n" in by_id["hlo-fix-fix"]
    for hook in by_id.values():
        assert "language: python\n" in hook
        assert "files: '\\.mlir$'\n" in hook


# Startup, as a real process


STANDIN_CHECKER = textwrap.dedent("""\
    import sys, types
    from hlo_fix.rule_api.finding import Finding, Fix
    checker = types.ModuleType("hlo_fix.lint.checker")
    def lint_text(text, filename, settings):
        return [Finding("HF001", "sharded-iota", "m", "error", filename, 1, 1, 1, 7, fix=Fix("safe", "f"))]
    checker.lint_text = lint_text
    sys.modules["hlo_fix.lint.checker"] = checker
""")


def python(*args: str, **kwargs) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, *args], capture_output=True, text=True, timeout=60, cwd=REPO, **kwargs)


def test_python_dash_m_entry_points():
    for module_name in ("hlo_fix", "hlo_fix.cli"):
        completed = python("-m", module_name, "--version")
        assert (completed.returncode, completed.stdout) == (0, f"hlo-fix {__version__}\n")


def test_lint_path_never_imports_heavy_modules(tmp_path):
    path = write(tmp_path / "m.mlir", "module {\n}\n")
    script = STANDIN_CHECKER + textwrap.dedent(f"""\
        from hlo_fix.cli import cli
        codes = [cli.main(["lint", "--isolated", "--output-format", fmt, {str(path)!r}], standalone_mode=False)
                 for fmt in ("full", "concise", "json", "sarif", "github", "gitlab", "junit")]
        codes.append(cli.main(["lint", "--isolated", "--statistics", {str(path)!r}], standalone_mode=False))
        heavy = sorted(m for m in sys.modules if m.split(".")[0] in ("jax", "jaxlib", "numpy", "scipy", "ml_dtypes"))
        print(codes, heavy, file=sys.stderr)
        assert heavy == [], heavy
    """)
    completed = python("-c", script)
    assert completed.returncode == 0, completed.stderr
    assert completed.stderr.strip() == "[1, 1, 1, 1, 1, 1, 1, 1] []"


def test_subprocess_missing_file_is_one_line_without_traceback():
    completed = python("-m", "hlo_fix", "lint", "--isolated", "definitely-missing.mlir", stdin=subprocess.DEVNULL)
    assert completed.returncode == 2
    assert completed.stderr == "definitely-missing.mlir:1:1: error: no such file or directory\n"


def test_real_checker_reports_malformed_module_as_one_line(tmp_path, monkeypatch):
    monkeypatch.delitem(sys.modules, "hlo_fix.lint.checker")
    try:
        import hlo_fix.lint.checker  # noqa: F401
    except ModuleNotFoundError:
        pytest.skip("the checker is not written yet")
    monkeypatch.setattr(registry, "all_rules", REAL_ALL_RULES)
    monkeypatch.chdir(tmp_path)
    write(tmp_path / "bad.mlir", "module {\n  func.func @f( {\n")
    write(tmp_path / "clean.mlir", "module {\n}\n")
    result = run("lint", "--isolated", "bad.mlir", "clean.mlir")
    assert result.exit_code == 2
    assert_one_error_line(result)
    assert result.stderr.startswith("bad.mlir:")


@pytest.mark.parametrize("cwd", ["/", "sub", "sub/deeper"])
def test_display_names_are_what_relpath_says(tmp_path, monkeypatch, cwd):
    """Reports name a file relative to the working directory when it is inside it, else as written (normalised);
    os.path.relpath is the oracle for the fast prefix test `display_name` uses."""
    import os

    from hlo_fix.cli.inputs import display_name

    (tmp_path / "sub" / "deeper").mkdir(parents=True)
    monkeypatch.chdir("/" if cwd == "/" else tmp_path / cwd)
    for path in ("m.mlir", "./m.mlir", "a//b/../m.mlir", "..", "../m.mlir", ".", "/", str(tmp_path),
                 str(tmp_path / "sub" / "m.mlir"), str(tmp_path) + "x/m.mlir", "..m.mlir"):
        relative = os.path.relpath(os.path.abspath(path), os.getcwd())
        leaves = relative == os.pardir or relative.startswith(os.pardir + os.sep)
        assert display_name(path) == (os.path.normpath(path) if leaves else relative), (cwd, path)
