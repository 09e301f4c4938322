"""index tracing"""
