"""Benchmarks: they measure and write figures to benchmarks/results.{md,json}; they are not tests."""
