"""Linting a list of inputs: each through the result cache (and, with `-j`, forked workers), suppression comments
applied, one error line per file that fails while the others go on."""

from __future__ import annotations

import gc
from dataclasses import dataclass, field
from typing import Callable, Sequence

import click

from hlo_fix.cli.errors import FileErrors, format_error
from hlo_fix.cli.inputs import InputFile
from hlo_fix.errors import HloFixError
from hlo_fix.lint.settings import Settings


@dataclass
class LintRun:
    """Findings of every file that could be linted, sorted; the texts (for snippets); whether any file failed."""

    findings: list = field(default_factory=list)
    sources: dict[str, str] = field(default_factory=dict)
    # name -> the Settings of its nearest configuration, where discovery resolved them.
    file_settings: dict[str, Settings] = field(default_factory=dict)
    had_errors: bool = False
    # Comments that silenced nothing, as `path:line:col: warning: ...` lines (`hlo_fix.lint.suppression`).
    unused_suppressions: list[str] = field(default_factory=list)


LintText = Callable[[str, str, Settings], list]


def load_lint_text() -> LintText:
    """The checker's entry point, imported on first use."""
    try:
        from hlo_fix.lint.checker import lint_text
    except ModuleNotFoundError as exc:
        if exc.name != "hlo_fix.lint.checker":
            raise
        raise HloFixError("the checker (hlo_fix.lint.checker) is not available in this installation") from None
    return lint_text


def lint_inputs(inputs: Sequence[InputFile], settings: Settings, lint_text: LintText, cache=None,
                strict: bool = False, jobs: int = 0) -> LintRun:
    """Lint each input; a file that fails prints its error line and the others are still linted. Findings that a
    suppression comment silences are left out, and comments that silenced nothing are listed. With `jobs` > 1
    the checker runs in that many processes, with 0 in as many as pay (`parallel.worker_count`); output and its
    order are those of a serial run."""
    from hlo_fix.lint import suppression

    lint_one = _through_cache(cache, lint_text, strict)
    run = LintRun()
    python_comments = suppression.PythonComments()
    computed = _lint_in_parallel(inputs, settings, lint_text, cache, strict, jobs) if jobs != 1 else {}
    for position, item in enumerate(inputs):
        if position and not gc.isenabled():
            gc.collect(0)  # the previous file's module (its ops and values reference each other): see `main`
        file_settings = item.settings or settings
        with FileErrors(item.name) as guard:
            if position in computed:
                kind, text, found = computed.pop(position)
                if kind == "error":
                    click.echo(found, err=True)
                    run.had_errors = True
                    continue
                if kind == "read":  # read, but too little work for workers
                    found = lint_one(text, item.name, file_settings)
            else:
                text = item.read()
                found = lint_one(text, item.name, file_settings)
        if guard.failed:
            run.had_errors = True
            continue
        run.sources[item.name] = text
        if item.settings is not None:
            run.file_settings[item.name] = item.settings
        kept = suppression.apply_suppressions(found, text, item.name, item.path,
                                              file_settings.project_root, python_comments)
        run.unused_suppressions += [suppression.unused_warning(c, codes) for c, codes in kept.unused]
        run.findings += sorted(kept.kept, key=lambda f: (f.row, f.column, f.code))
    run.unused_suppressions += [suppression.unused_warning(c, codes) for c, codes in python_comments.unused()]
    return run


def _through_cache(cache, lint_text: LintText, strict: bool) -> LintText:
    """`lint_text`, served from the result cache when there is one (whose module is imported only then)."""
    if cache is None:
        return lint_text
    from hlo_fix.lint.cache import cached_lint

    return lambda text, name, settings: cached_lint(cache, lint_text, text, name, settings, strict)


def _lint_in_parallel(inputs: Sequence[InputFile], settings: Settings, lint_text: LintText, cache, strict: bool,
                      jobs: int) -> dict[int, tuple[str, str, object]]:
    """position -> (kind, text, findings or error line) for the inputs that were read: cache hits as they are,
    misses linted by forked processes (each file read and looked up once), or marked "read" for the serial loop
    when they are too few to repay workers. Inputs that cannot be read are left to the serial loop (same
    message)."""
    if len(inputs) < 2:
        return {}
    from hlo_fix.lint import parallel

    computed: dict[int, tuple[str, str, object]] = {}
    pending: list[tuple[int, str, str, Settings, str | None]] = []
    for position, item in enumerate(inputs):
        try:
            text = item.read()
        except Exception:  # the serial loop reads it again and reports it as a serial run does
            continue
        file_settings = item.settings or settings
        key = cache.key(text, item.name, file_settings, strict) if cache is not None else None
        found = cache.get(key) if key is not None else None
        if found is not None:
            computed[position] = ("found", text, found)
        else:
            pending.append((position, text, item.name, file_settings, key))
    tasks = [(text, name, file_settings) for _, text, name, file_settings, _ in pending]
    workers = parallel.worker_count(jobs, [text for text, _, _ in tasks])
    if workers < 2 or not parallel.can_fork():
        computed.update((position, ("read", text, None)) for position, text, _, _, _ in pending)
        return computed
    results = parallel.lint_all(tasks, lint_text, format_error, workers)
    for (position, text, _, _, key), (kind, value) in zip(pending, results):
        computed[position] = (kind, text, value)
        if kind == "found" and cache is not None:
            cache.put(key, value)
    return computed
