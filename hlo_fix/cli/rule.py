"""`hlo-fix rule CODE` / `hlo-fix rule --all`: a rule's documentation, or the table of every rule."""

from __future__ import annotations

from typing import Sequence

import click

from hlo_fix.cli.errors import EXIT_ERROR, print_error


@click.command()
@click.argument("code", required=False)
@click.option("--all", "show_all", is_flag=True, help="List every rule.")
@click.option("--output-format", type=click.Choice(["text", "json"]), default="text", show_default=True)
@click.pass_context
def rule(ctx: click.Context, code: str | None, show_all: bool, output_format: str) -> None:
    """Explain a rule (by code or name), or list them all with --all."""
    from hlo_fix.rules.registry import all_rules

    if (code is None) == (not show_all):
        print_error("pass either a rule code or --all")
        ctx.exit(EXIT_ERROR)
    rules = all_rules()
    if show_all:
        click.echo(_rule_table(rules, output_format), nl=False)
        return
    wanted = code.strip()
    found = next((r for r in rules if r.code == wanted.upper() or r.name == wanted.lower()), None)
    if found is None:
        print_error(f"unknown rule code `{code}`")
        ctx.exit(EXIT_ERROR)
    if output_format == "json":
        import json

        click.echo(json.dumps(_rule_json(found), indent=2))
    else:
        click.echo(_rule_text(found), nl=False)


def _rule_json(rule_class) -> dict:
    return {
        "code": rule_class.code,
        "name": rule_class.name,
        "severity": rule_class.severity,
        "fix": rule_class.fix_applicability,
        "summary": rule_class.summary,
        "explanation": rule_class.explanation(),
    }


def _rule_text(rule_class) -> str:
    fix = {
        "safe": " Fix is available (safe).",
        "unsafe": " Fix is available with `--unsafe-fixes` (unsafe).",
    }.get(rule_class.fix_applicability, "")
    header = f"# {rule_class.name} ({rule_class.code})\n\nSeverity: {rule_class.severity}.{fix}\n"
    explanation = rule_class.explanation()
    return header + (f"\n{explanation}\n" if explanation else f"\n{rule_class.summary}\n")


def _rule_table(rules: Sequence, output_format: str) -> str:
    if output_format == "json":
        import json

        return json.dumps([_rule_json(r) for r in rules], indent=2) + "\n"
    rows = [("CODE", "NAME", "SEVERITY", "FIX", "SUMMARY")]
    rows += [(r.code, r.name, r.severity, r.fix_applicability or "-", r.summary) for r in rules]
    widths = [max(len(row[i]) for row in rows) for i in range(4)]
    lines = ["  ".join(cell.ljust(width) for cell, width in zip(row, widths)) + "  " + row[4] for row in rows]
    return "".join(line.rstrip() + "\n" for line in lines)
