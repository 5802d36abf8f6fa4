"""Benchmarks of the framing annotator: ``python -m benchmarks`` (or ``make bench``).

Speed is measured here and never asserted by timing in the tests. Every run works in a fresh
temporary instance folder with a fresh database (a SQLite file, or a PostgreSQL database made
for the run and dropped after it) and never touches ``instance/``.

Layout:

- ``common.py``: ``Result``/``Target`` (one row of the table), ``Context`` (databases, apps,
  sizes, profiling), the deterministic corpus generator and the table printer;
- one module per measured area (``api.py``, ``imports.py``, ``memory.py``), each exposing
  ``BENCHMARK = Benchmark(name, description, run)`` where ``run(ctx)`` returns ``Result`` rows;
- ``__main__.py``: the command line and ``BENCHMARKS``, the list a new module is added to.

This package stays light on import: ``python -m benchmarks.memory`` runs the server worker
processes of the memory benchmark, whose RSS must not include anything of ours.
"""
