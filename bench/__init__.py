"""Benchmarks: each module runs with `.venv/bin/python -m bench.NAME` from the repository root."""
