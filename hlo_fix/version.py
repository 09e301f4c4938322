"""The package version, below everything that reports it (SARIF's tool version, the result cache's key)."""

__version__ = "0.1.0"
