"""Helpers for tests that lower JAX functions inside the test."""

from __future__ import annotations

import contextlib


@contextlib.contextmanager
def jax_flags(**flags):
    """Set jax.config flags (`jax_use_shardy_partitioner`, `jax_enable_x64`) for a block and put them back."""
    import jax

    previous = {name: getattr(jax.config, name) for name in flags}
    for name, value in flags.items():
        jax.config.update(name, value)
    try:
        yield
    finally:
        for name, value in previous.items():
            jax.config.update(name, value)
