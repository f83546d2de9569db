"""The package version, in one place: pyproject.toml reads it from here (setuptools `attr`) and
run.json reports it without scanning the installed distributions (importlib.metadata took
about 10 ms of a 0.7 s `plan solve`)."""

__version__ = "0.1.0"
