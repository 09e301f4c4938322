"""Prove that a rewritten StableHLO module computes the same bits as the original, also SPMD-partitioned.

Both modules are compiled from text with jaxlib's XLA CPU client and run on the same reproducible
random inputs; see `api.verify_texts`. Importing this package loads neither jax nor numpy: they are
imported inside the functions that need them, so the lint path stays light.
"""

from hlo_fix.verify.api import verify_files, verify_texts
from hlo_fix.verify.errors import (
    ModuleCompileError,
    ModuleParseError,
    PartitionCountError,
    RunTimeoutError,
    SignatureMismatchError,
    UnsupportedSignatureError,
    VerifyError,
)
from hlo_fix.verify.report import VerifyReport

__all__ = [
    "ModuleCompileError",
    "ModuleParseError",
    "PartitionCountError",
    "RunTimeoutError",
    "SignatureMismatchError",
    "UnsupportedSignatureError",
    "VerifyError",
    "VerifyReport",
    "verify_files",
    "verify_texts",
]
