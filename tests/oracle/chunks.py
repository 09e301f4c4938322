"""Hand-written MLIR test files split the way `mlir-opt -split-input-file` splits them: on `// -----` lines."""

from __future__ import annotations

import hashlib
import re
from pathlib import Path
from typing import NamedTuple

_MARKER = re.compile(r"^// -----[^\n]*$", re.M)


class Chunk(NamedTuple):
    path: Path
    index: int  # 0-based position of the chunk in its file
    line: int  # 1-based line of the file where the chunk starts
    text: str

    @property
    def key(self) -> str:
        """Content key of the chunk: verdicts are cached by it, so an edited corpus file is judged again."""
        return hashlib.sha256(self.text.encode("utf-8")).hexdigest()[:20]

    @property
    def name(self) -> str:
        return f"{self.path.name}#{self.index}"


def split_chunks(path: Path) -> list[Chunk]:
    text = path.read_text(encoding="utf-8")
    chunks, start, index = [], 0, 0
    for marker in _MARKER.finditer(text):
        chunks.append(Chunk(path, index, text.count("\n", 0, start) + 1, text[start : marker.start()]))
        start, index = marker.end(), index + 1
    chunks.append(Chunk(path, index, text.count("\n", 0, start) + 1, text[start:]))
    return [chunk for chunk in chunks if chunk.text.strip()]
