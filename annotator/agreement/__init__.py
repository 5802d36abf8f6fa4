"""Inter-annotator agreement: ``data`` (loading), ``kernels`` (numpy), ``report`` (assembly,
bootstrap intervals, cache), ``compare`` (one document side by side), ``filters`` (which
documents and reviewers: the queries of the agreement and export pages), ``charts`` and
``formats`` (SVG, text, CSV). The slow, plain oracle they are tested against is in
``tests/agreement/``."""
