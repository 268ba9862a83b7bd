"""Package data, not code: the default house style's sheets and ICC profile (`publish.styles`
in an installed package, read through importlib.resources by `publish/resources.py`)."""
