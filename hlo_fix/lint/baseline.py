"""Baselines: record today's findings once, then report only findings that are new.

Entries are matched per file by (code, fingerprint) as a multiset, so a third copy of a hazard the baseline holds
twice is reported once. Paths are stored relative to the baseline file, so the file works from any directory.
The fingerprint comes from the checker and survives renumbered SSA values and shifted lines.
"""

from __future__ import annotations

import json
import os
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path
from typing import Iterable, Sequence

from hlo_fix.lint.config import ConfigFileError, read_regular_text
from hlo_fix.rule_api.finding import Finding

FORMAT_KEY = "hlo-fix-baseline"
FORMAT_VERSION = 1

Key = tuple[str, str]  # (code, fingerprint)


def baseline_path_key(filename: str, baseline_dir: Path) -> str:
    """The file's path relative to the baseline's directory, `/`-separated (stdin `-` stays `-`)."""
    if filename == "-":
        return filename
    try:
        relative = os.path.relpath(os.path.abspath(filename), os.path.abspath(baseline_dir))
    except ValueError:  # another drive on Windows
        relative = os.path.abspath(filename)
    return relative.replace(os.sep, "/")


@dataclass
class Baseline:
    """Known findings: file key -> multiset of (code, fingerprint)."""

    directory: Path
    entries: dict[str, Counter[Key]] = field(default_factory=dict)

    @classmethod
    def from_findings(cls, findings: Iterable[Finding], directory: Path) -> Baseline:
        baseline = cls(directory)
        for finding in findings:
            file_key = baseline_path_key(finding.filename, directory)
            baseline.entries.setdefault(file_key, Counter())[(finding.code, finding.fingerprint)] += 1
        return baseline

    def new_findings(self, findings: Sequence[Finding]) -> list[Finding]:
        """The findings the baseline does not account for, in their original order."""
        remaining = {file_key: Counter(keys) for file_key, keys in self.entries.items()}
        new = []
        for finding in findings:
            known = remaining.get(baseline_path_key(finding.filename, self.directory))
            key = (finding.code, finding.fingerprint)
            if known and known[key] > 0:
                known[key] -= 1
            else:
                new.append(finding)
        return new

    def to_json(self) -> dict:
        files = {
            file_key: [{"code": code, "fingerprint": fp} for (code, fp) in sorted(keys.elements())]
            for file_key, keys in sorted(self.entries.items())
        }
        return {FORMAT_KEY: FORMAT_VERSION, "files": files}


def write_baseline(path: str | Path, findings: Iterable[Finding]) -> Baseline:
    """Record `findings` in `path` (JSON, sorted so that it diffs well under version control), atomically: a full
    disk or a kill leaves the old baseline, never a truncated one."""
    from hlo_fix.fix.atomic import WriteRefusedError, write_atomically

    path = Path(path)
    baseline = Baseline.from_findings(findings, path.absolute().parent)
    try:
        write_atomically(path, json.dumps(baseline.to_json(), indent=2) + "\n")
    except OSError as exc:
        raise ConfigFileError(f"cannot write baseline: {exc.strerror or exc}", path) from None
    except WriteRefusedError as exc:  # a FIFO or socket: writing would block or go nowhere
        raise ConfigFileError(f"cannot write baseline: {exc}", path) from None
    return baseline


def load_baseline(path: str | Path) -> Baseline:
    path = Path(path)
    text = read_regular_text(path, "baseline")
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise ConfigFileError(f"baseline is not valid JSON: {exc.msg}", path, exc.lineno, exc.colno) from None
    except RecursionError:  # the decoder recurses once per nested array or object
        raise ConfigFileError("baseline is not an hlo-fix baseline: arrays or objects nested too deeply", path) from None
    except ValueError:  # an integer past Python's digit limit for int() (4,300 by default)
        raise ConfigFileError("baseline is not an hlo-fix baseline: it holds an integer too long to read", path) from None
    return Baseline(path.absolute().parent, _entries(document, path))


def _entries(document: object, path: Path) -> dict[str, Counter[Key]]:
    if not isinstance(document, dict) or document.get(FORMAT_KEY) != FORMAT_VERSION:
        raise ConfigFileError(f"not an hlo-fix baseline (expected a `{FORMAT_KEY}: {FORMAT_VERSION}` object)", path)
    files = document.get("files")
    if not isinstance(files, dict):
        raise ConfigFileError("baseline has no `files` object", path)
    entries: dict[str, Counter[Key]] = {}
    for file_key, items in files.items():
        if not isinstance(items, list) or not all(
            isinstance(item, dict) and isinstance(item.get("code"), str) and isinstance(item.get("fingerprint"), str)
            for item in items
        ):
            raise ConfigFileError(f"baseline entry for `{file_key}` must be a list of {{code, fingerprint}}", path)
        entries[file_key] = Counter((item["code"], item["fingerprint"]) for item in items)
    return entries
