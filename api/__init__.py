"""Entry points: the FastAPI app (REST + web UI), the `opora` CLI and the composition root."""
