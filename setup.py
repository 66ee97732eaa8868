"""Packaging hook (the metadata lives in pyproject.toml).

Wheels carry the project's top-level data folders (`templates/`, `rubrics/`, `schema/`, `assets/`) inside
the package as `toolkit/shipped/`, so `pip install .` or a wheel works outside a checkout.
Editable installs (the README's) read the checkout's folders directly, so nothing is copied.
"""

import shutil
from pathlib import Path

from setuptools import setup
from setuptools.command.build_py import build_py

SHIPPED = ("templates", "rubrics", "schema", "assets")


class BuildWithData(build_py):
    """build_py that also copies the data folders into the built package."""

    def run(self) -> None:
        super().run()
        if getattr(self, "editable_mode", False):
            return
        here = Path(__file__).resolve().parent
        for name in SHIPPED:
            target = Path(self.build_lib) / "toolkit" / "shipped" / name
            shutil.rmtree(target, ignore_errors=True)
            shutil.copytree(here / name, target, ignore=shutil.ignore_patterns("__pycache__", "*.pyc", ".*"))


setup(cmdclass={"build_py": BuildWithData})
