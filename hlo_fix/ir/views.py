"""What the decoders below the model read of its ops, values and modules, as structural types.

`hlo_fix.ir.model` sits above the decoders (attributes, types, op keys, locations, dialect checks): its lazy
properties (`op.attributes`, `value.type`, `op.location`) call them. So the decoders name what they are given by
these Protocols instead of importing the model, and the ir package has no import cycle (type-only imports count).
`Op`, `Value` and `Module` satisfy them; the underscored members are the model's memo slots the decoders fill.
"""

from __future__ import annotations

from typing import Any, Protocol, Sequence


class ModuleView(Protocol):
    text: str
    filename: str
    ops_by_name: dict[str, list[Any]]
    _location_cache: Any

    def alias_text(self, name: str) -> str | None: ...

    def position(self, offset: int) -> tuple[int, int]: ...


class ValueView(Protocol):
    name: str
    owner: "OpView | None"
    index: int
    type_text: str | None


class OpView(Protocol):
    name: str
    module: ModuleView
    start: int
    end: int
    line: int
    column: int
    results: Sequence[ValueView]
    operands: Sequence[ValueView]
    regions: Sequence[Any]
    _segments: list[tuple[int, int]] | None
    _key: str | None

    @property
    def segments(self) -> list[tuple[int, int]]: ...

    @property
    def own_text(self) -> str: ...

    @property
    def attributes(self) -> Any: ...
