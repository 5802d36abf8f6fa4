"""Inter-annotator agreement: metrics and the report."""
