"""Benchmarks (not tests): extraction evaluation, local site generator and runners."""
