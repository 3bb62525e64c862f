"""Jointly's benchmark suite: `make bench` runs bench/run.py."""
