"""Benchmarks of the hip viewer: ``python -m benchmarks.run`` prints them as one Markdown table."""
