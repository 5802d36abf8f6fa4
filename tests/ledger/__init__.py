"""The source ledger's oracle: a plain reference implementation of its definitions
(``reference.py``). Slow on purpose; only tests use it."""
