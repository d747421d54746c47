from .tiny_report import tiny_report  # noqa: F401 — the report pages, exports and charts are tested with it
