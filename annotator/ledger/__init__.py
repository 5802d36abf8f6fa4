"""The source ledger (INTERFACE.md, "Source ledger"): who speaks in an article, how, and how
much, computed from one set of spans of a document (its gold, or one reviewer's).

- ``config``: which labels and attributes carry a source's name, type, named, form, channel,
  stance (the codebook's optional ``"ledger"`` object over the default keys), and what a
  codebook lacks;
- ``keys``: the source key of a name, the project's aliases, merging within a document;
- ``compute``: the figures of many ledgers at once, with numpy over arrays (``SpanTable`` in,
  ``Ledgers`` out), and one document's ledger as the interface's JSON;
- ``data``: the spans read from the database in a few bulk queries, and the fingerprint of what
  was read (the cache key);
- ``project``: the project ledger (groups, bootstrap intervals, top sources, reliability),
  cached;
- ``aliases``: the project's alias table and the candidate merges an admin reviews.
"""
