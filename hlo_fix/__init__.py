"""hlo-fix: lint and rewrite exported StableHLO whose gathers, scatters and iotas break once the batch is sharded."""

__version__ = "0.1.0"
