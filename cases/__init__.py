"""The domain: organisations, families, reports, plans, documents — and the process's vocabulary."""
