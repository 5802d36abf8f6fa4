"""Inter-annotator agreement: ``data`` (loading), ``kernels`` (numpy), ``report`` (assembly,
bootstrap intervals, cache), ``compare`` (one document side by side), ``charts`` and
``formats`` (SVG, text, CSV). The slow, plain oracle they are tested against is in
``tests/agreement/``."""
