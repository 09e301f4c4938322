"""`hlo-fix simulate`: what a sharding hazard does to each device, shown on a laptop before anyone runs on a mesh.

Each device's program is evaluated op by op with XLA CPU as a shape-shrinking backend runs it (`failures/`: one
small module per modelled failure) and compared with the module as written. Importing this package loads neither
jax nor numpy.
"""

from hlo_fix.simulate.api import simulate_file, simulate_text
from hlo_fix.simulate.errors import SimulateError
from hlo_fix.simulate.report import SimulationReport, side_by_side

__all__ = ["SimulateError", "SimulationReport", "side_by_side", "simulate_file", "simulate_text"]
