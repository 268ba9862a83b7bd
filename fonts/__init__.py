"""Package data, not code: the shipped fonts, their licences and `fonts.yaml` (`publish.fonts`
in an installed package, read through importlib.resources by `publish/resources.py`)."""
