"""aueb, the AI Unit Economics Benchmark: AI feature costs per request, user and feature, today and at scale."""

__version__ = "0.1.0"
