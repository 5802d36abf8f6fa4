"""The agreement report's oracle: the metrics (``metrics.py``) and a plain reference
implementation of the whole report (``reference.py``). Slow on purpose; only tests use them."""
