"""The lint engine: findings, rule selection, configuration and report formats."""
