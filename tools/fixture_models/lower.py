"""Lowering entry points for the fixture generator.

They live next to the models, compiled under the same stable file name prefix, because JAX records the caller of
`.lower()` / `export()` in debug locations: the generator calls them on a worker thread, so no frame from
tools/make_fixtures.py (or from whatever runs it) ends up in a fixture.
"""

import contextlib

import jax


def _jit(fn, shardings):
    if shardings is None:
        return jax.jit(fn)
    in_shardings, out_shardings = shardings
    return jax.jit(fn, in_shardings=in_shardings, out_shardings=out_shardings)


def _mesh_context(mesh):
    return contextlib.nullcontext() if mesh is None else jax.set_mesh(mesh)


def lower_text(fn, args, shardings=None, mesh=None, debug_info=False):
    """`jax.jit(fn, ...).lower(*args).as_text()`, as a user would print it."""
    with _mesh_context(mesh):
        return _jit(fn, shardings).lower(*args).as_text(debug_info=debug_info)


def export_text(fn, args, shardings=None, mesh=None):
    """The serialized-export flavour: `jax.export.export(jax.jit(fn, ...))(*args).mlir_module()`."""
    with _mesh_context(mesh):
        return jax.export.export(_jit(fn, shardings))(*args).mlir_module()


def lower_explicit_text(fn, args, mesh, debug_info=False):
    """JAX's current way: arguments that carry their sharding, under `jax.set_mesh` of an explicit-axes mesh."""
    with jax.set_mesh(mesh):
        return jax.jit(fn).lower(*args).as_text(debug_info=debug_info)
