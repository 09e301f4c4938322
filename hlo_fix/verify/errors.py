"""Errors of `hlo-fix verify`: each carries a one-line message that the command prints instead of a traceback."""

from __future__ import annotations

from hlo_fix.errors import HloFixError, ParseError


def first_line(message: object) -> str:
    """The line of an XLA/MLIR message that says what went wrong, as one line.

    That is the first non-empty line, joined with the next ones while it ends in ':' (XLA writes
    `INVALID_ARGUMENT: E0102: RuntimeProgramInputMismatch:` and puts the detail below).
    """
    lines = [line.strip() for line in str(message).splitlines() if line.strip()]
    if not lines:
        return "unknown error"
    joined = lines[0]
    for line in lines[1:3]:
        if not joined.endswith(":"):
            break
        joined = f"{joined} {line}"
    return joined


class VerifyError(HloFixError):
    """Base of the errors that stop a verification before any comparison could be made."""

    def __init__(self, message: str):
        super().__init__(first_line(message))


class ModuleParseError(ParseError):
    """A module that jaxlib's MLIR parser rejects; keeps the 1-based line and column of the first diagnostic."""


class ModuleCompileError(VerifyError):
    """A module that parses but that XLA cannot compile or run on CPU."""


class SignatureMismatchError(VerifyError):
    """The original and the rewritten entry functions take or return different types."""


class UnsupportedSignatureError(VerifyError):
    """An entry function with an argument or result we cannot feed or compare (dynamic shape, token, complex)."""


class PartitionCountError(VerifyError):
    """`--spmd N` disagrees with the `mhlo.num_partitions` the module was exported for."""


class RunTimeoutError(VerifyError):
    """A module that did not finish within the time limit (a `while` whose condition never turns false)."""
