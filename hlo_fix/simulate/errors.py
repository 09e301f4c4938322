"""Errors of `hlo-fix simulate`: one-line messages the command prints (exit 2) instead of a traceback."""

from __future__ import annotations

from hlo_fix.errors import ParseError
from hlo_fix.verify.errors import VerifyError


class SimulateError(VerifyError):
    """The module cannot be simulated: an op outside the model, a shape the mesh does not divide, bad options."""


class UnsupportedOpError(ParseError):
    """An op the simulator does not model (a manual shard_map region, a call to a missing function), located."""
