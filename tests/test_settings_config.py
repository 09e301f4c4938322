"""Rule selection (ruff's prefix logic), configuration discovery and configuration errors."""

from __future__ import annotations

import textwrap

import pytest

from hlo_fix.errors import ConfigError
from hlo_fix.lint.config import ConfigFileError, find_config, load_settings
from hlo_fix.lint.settings import Settings
from hlo_fix.rule_api.rule import Rule
from hlo_fix.rules import registry


def fake_rule(code: str, name: str) -> type[Rule]:
    return type(name.title().replace("-", ""), (Rule,), {
        "__doc__": f"## What it does\n{name}", "code": code, "name": name, "severity": "error", "summary": name,
    })


FAKE_RULES = [
    fake_rule("HF001", "sharded-iota"),
    fake_rule("HF002", "row-iota-gather"),
    fake_rule("HF003", "inexact-flat-index"),
    fake_rule("HF011", "row-iota-scatter"),
]


@pytest.fixture(autouse=True)
def fake_rules(monkeypatch):
    monkeypatch.setattr(registry, "all_rules", lambda: FAKE_RULES)


def enabled_codes(settings: Settings, filename: str | None = None) -> list[str]:
    return [rule.code for rule in FAKE_RULES if settings.enabled(rule.code, filename)]


def write(path, text: str):
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    return path


# Selection


def test_default_selects_every_rule():
    assert enabled_codes(Settings()) == ["HF001", "HF002", "HF003", "HF011"]


@pytest.mark.parametrize(
    ("select", "ignore", "extend", "expected"),
    [
        (("HF00",), (), (), ["HF001", "HF002", "HF003"]),
        (("HF002",), (), (), ["HF002"]),
        (("ALL",), (), (), ["HF001", "HF002", "HF003", "HF011"]),
        (("HF",), ("HF002",), (), ["HF001", "HF003", "HF011"]),
        # the more specific selector wins, whichever list it is in
        (("HF002",), ("HF",), (), ["HF002"]),
        (("HF00",), ("HF0",), (), ["HF001", "HF002", "HF003"]),
        # a tie goes to ignore
        (("HF002",), ("HF002",), (), []),
        (("HF001",), (), ("HF011",), ["HF001", "HF011"]),
        (("HF001",), ("HF",), ("HF003",), ["HF001", "HF003"]),
        (("ALL",), ("HF0",), ("HF011",), ["HF011"]),
        ((), (), (), []),
    ],
)
def test_prefix_selection(select, ignore, extend, expected):
    assert enabled_codes(Settings(select=select, ignore=ignore, extend_select=extend)) == expected


def test_per_file_ignores_match_relative_path_basename_and_double_star(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    settings = Settings(
        per_file_ignores={"tests/*.mlir": ("HF00",), "legacy.mlir": ("HF011",), "**/gen/*.mlir": ("ALL",)},
        project_root=str(tmp_path),
    )
    assert enabled_codes(settings, "tests/a.mlir") == ["HF011"]
    assert enabled_codes(settings, str(tmp_path / "tests" / "a.mlir")) == ["HF011"]
    assert enabled_codes(settings, "models/legacy.mlir") == ["HF001", "HF002", "HF003"]
    assert enabled_codes(settings, "gen/x.mlir") == []
    assert enabled_codes(settings, "deep/gen/x.mlir") == []
    assert enabled_codes(settings, "models/a.mlir") == ["HF001", "HF002", "HF003", "HF011"]
    # without a file name only the selection counts
    assert enabled_codes(settings) == ["HF001", "HF002", "HF003", "HF011"]


def test_per_file_ignores_are_relative_to_project_root(tmp_path, monkeypatch):
    (tmp_path / "sub").mkdir()
    monkeypatch.chdir(tmp_path / "sub")
    settings = Settings(per_file_ignores={"sub/m.mlir": ("HF001",)}, project_root=str(tmp_path))
    assert not settings.enabled("HF001", "m.mlir")
    assert settings.enabled("HF002", "m.mlir")


def test_command_line_select_starts_a_fresh_selection():
    configured = Settings(select=("HF00",), ignore=("HF001",), extend_select=("HF011",))
    overridden = configured.with_overrides(select=("HF001",))
    assert enabled_codes(overridden) == ["HF001"]


def test_command_line_ignore_and_extend_select_layer_on_config():
    configured = Settings(select=("HF00",), ignore=("HF001",))
    assert enabled_codes(configured.with_overrides(ignore=("HF002",))) == ["HF003"]
    assert enabled_codes(configured.with_overrides(extend_select=("HF011",))) == ["HF002", "HF003", "HF011"]
    assert enabled_codes(configured.with_overrides(extend_select=("HF001",))) == ["HF001", "HF002", "HF003"]


def test_overrides_keep_unset_options():
    configured = Settings(index_float="f16", unsafe_fixes=True)
    assert configured.with_overrides().index_float == "f16"
    assert configured.with_overrides(index_float="f32", unsafe_fixes=False) == Settings(index_float="f32")


@pytest.mark.parametrize(
    "settings",
    [
        Settings(select=("HF999",)),
        Settings(ignore=("HF02",)),
        Settings(extend_select=("XY",)),
        Settings(select=("H",)),
        Settings(per_file_ignores={"*.mlir": ("HF4",)}),
        Settings(index_float="f8"),
    ],
)
def test_validate_rejects_unknown_codes_and_index_floats(settings):
    with pytest.raises(ConfigError):
        settings.validate()


def test_validate_accepts_codes_prefixes_and_all():
    settings = Settings(select=("HF", "HF0", "HF01", "HF011", "ALL"), per_file_ignores={"*": ("HF003",)})
    assert settings.validate() is settings
    for index_float in ("bf16", "f16", "tf32", "f32"):
        Settings(index_float=index_float).validate()


# Configuration files


PYPROJECT = """\
    [project]
    name = "model"

    [tool.hlo-fix]
    select = ["HF00"]
    ignore = ["hf003"]
    extend-select = ["HF011"]
    index-float = "f32"

    [tool.hlo-fix.per-file-ignores]
    "exported/legacy/*.mlir" = ["HF001"]
"""


def test_discovers_pyproject_upwards_from_cwd(tmp_path, monkeypatch):
    write(tmp_path / "pyproject.toml", PYPROJECT)
    nested = tmp_path / "exported" / "legacy"
    nested.mkdir(parents=True)
    monkeypatch.chdir(nested)
    assert find_config() == tmp_path / "pyproject.toml"
    settings = load_settings()
    assert settings.select == ("HF00",)
    assert settings.ignore == ("HF003",)
    assert settings.extend_select == ("HF011",)
    assert settings.index_float == "f32"
    assert settings.project_root == str(tmp_path)
    # the glob is relative to the pyproject's directory, not the current one
    assert enabled_codes(settings, "x.mlir") == ["HF002", "HF011"]
    assert enabled_codes(settings, "../x.mlir") == ["HF001", "HF002", "HF011"]


def test_discovery_skips_pyproject_without_table(tmp_path, monkeypatch):
    write(tmp_path / "pyproject.toml", PYPROJECT)
    write(tmp_path / "pkg" / "pyproject.toml", "[project]\nname = 'inner'\n")
    monkeypatch.chdir(tmp_path / "pkg")
    assert find_config() == tmp_path / "pyproject.toml"


def test_standalone_file_wins_in_the_same_directory(tmp_path, monkeypatch):
    write(tmp_path / "pyproject.toml", PYPROJECT)
    write(tmp_path / "hlo-fix.toml", 'select = ["HF002"]\n')
    monkeypatch.chdir(tmp_path)
    assert load_settings().select == ("HF002",)


def test_no_configuration_gives_defaults(tmp_path):
    if find_config(tmp_path) is None:  # nothing above the temporary directory either
        assert load_settings(cwd=tmp_path) == Settings()
    write(tmp_path / "pyproject.toml", PYPROJECT)
    assert load_settings(isolated=True, cwd=tmp_path) == Settings()


def test_explicit_config_plain_and_pyproject(tmp_path):
    plain = write(tmp_path / "ci" / "strict.toml", """\
        select = ["ALL"]
        unsafe-fixes = true

        [per-file-ignores]
        "*.mlir" = ["HF011"]
    """)
    settings = load_settings(plain)
    assert settings.select == ("ALL",)
    assert settings.unsafe_fixes is True
    assert settings.per_file_ignores == {"*.mlir": ("HF011",)}
    assert settings.project_root == str(tmp_path / "ci")

    pyproject = write(tmp_path / "other" / "pyproject.toml", PYPROJECT)
    assert load_settings(pyproject).index_float == "f32"


def error_line(exc: ConfigFileError) -> str:
    return exc.format()


def test_unknown_key_names_key_file_and_line(tmp_path):
    path = write(tmp_path / "pyproject.toml", """\
        [tool.black]
        line-length = 100

        [tool.hlo-fix]
        select = ["HF001"]
        selct = ["HF002"]
    """)
    with pytest.raises(ConfigFileError) as caught:
        load_settings(path)
    assert error_line(caught.value) == (
        f"{path}:6:1: error: unknown key `selct` in [tool.hlo-fix]; did you mean `select`?"
    )


def test_unknown_key_in_standalone_file(tmp_path):
    path = write(tmp_path / "hlo-fix.toml", 'select = ["HF001"]\n\n[banana]\nx = 1\n')
    with pytest.raises(ConfigFileError, match="unknown key `banana` in hlo-fix.toml") as caught:
        load_settings(path)
    assert caught.value.line == 3


@pytest.mark.parametrize(
    ("body", "message", "line"),
    [
        ('select = "HF001"', "`select` must be a list of rule codes", 2),
        ('ignore = ["HF999"]', "unknown rule code or prefix `HF999` in `ignore`", 2),
        ('index-float = "fp8"', "`index-float` must be one of: bf16, f16, tf32, f32", 2),
        ("unsafe-fixes = 1", "`unsafe-fixes` must be true or false", 2),
        ('per-file-ignores = ["x"]', "`per-file-ignores` must be a table", 2),
        ('[tool.hlo-fix.per-file-ignores]\n"*.mlir" = ["HF7"]', 'unknown rule code or prefix `HF7` in `per-file-ignores."*.mlir"`', 2),
    ],
)
def test_bad_values(tmp_path, body, message, line):
    path = write(tmp_path / "pyproject.toml", "[tool.hlo-fix]\n" + body + "\n")
    with pytest.raises(ConfigFileError, match=message.replace("[", r"\[").replace("*", r"\*")) as caught:
        load_settings(path)
    assert caught.value.line == line
    assert caught.value.path == str(path)


def test_invalid_toml_is_located(tmp_path):
    path = write(tmp_path / "hlo-fix.toml", 'select = ["HF001"]\nignore = 3 3\n')
    with pytest.raises(ConfigFileError) as caught:
        load_settings(path)
    assert caught.value.format() == f"{path}:2:12: error: invalid TOML: Expected newline or end of document after a statement"
    write(path, 'select = ["HF001"]\nignore = [')
    with pytest.raises(ConfigFileError) as caught:
        load_settings(path)
    assert caught.value.format() == f"{path}:2:11: error: invalid TOML: Invalid value"


def test_missing_config_file_and_pyproject_without_table(tmp_path):
    with pytest.raises(ConfigFileError, match="not found"):
        load_settings(tmp_path / "nope.toml")
    path = write(tmp_path / "pyproject.toml", "[project]\nname = 'x'\n")
    with pytest.raises(ConfigFileError, match=r"no \[tool.hlo-fix\] table"):
        load_settings(path)
