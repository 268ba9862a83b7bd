"""`make bench`: speed and memory of the build (see run.py)."""
