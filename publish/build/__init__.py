"""The build: every stage run in order through the cache (`cache.py`), the print files
preflighted, and `dist/` written atomically (`pipeline.py`)."""

from publish.build.pipeline import ORDER, Built, build

__all__ = ["ORDER", "Built", "build"]
