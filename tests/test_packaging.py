"""A wheel works outside a checkout: it carries the templates, rubrics and schemas, and Reel finds
them there. (The README installs editable from a checkout; `pip install .` must work too.)"""

from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import zipfile
from pathlib import Path

import pytest

from toolkit.film.template.loader import available_templates
from toolkit.grade.rubric import available_rubrics
from toolkit.settings import Settings

SHIPPED = ("templates", "rubrics", "schema", "assets")


def files_under(folder: Path) -> set[str]:
    return {
        p.relative_to(folder).as_posix()
        for p in folder.rglob("*")
        if p.is_file() and "__pycache__" not in p.parts and not p.name.startswith(".")
    }


def test_data_folders_come_from_the_checkout_or_reel_home(repo_root: Path, tmp_path, monkeypatch) -> None:
    monkeypatch.delenv("REEL_HOME", raising=False)
    for name in SHIPPED:
        assert Settings.data_dir(name) == repo_root / name
    monkeypatch.setenv("REEL_HOME", str(tmp_path))
    assert Settings.data_dir("templates") == tmp_path / "templates"


@pytest.mark.slow
def test_a_wheel_carries_the_data_and_reel_finds_it_outside_the_checkout(repo_root: Path, tmp_path: Path) -> None:
    source = tmp_path / "src"  # a copy, so the build leaves nothing in the checkout
    source.mkdir()
    for name in ("pyproject.toml", "setup.py", "MANIFEST.in", "README.md"):
        shutil.copy2(repo_root / name, source / name)
    for name in ("toolkit", *SHIPPED):
        shutil.copytree(repo_root / name, source / name, ignore=shutil.ignore_patterns("__pycache__"))
    dist = tmp_path / "dist"
    build = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "-w", str(dist), str(source)],
        capture_output=True, text=True, check=False,
    )  # fmt: skip
    if build.returncode and ("NewConnectionError" in build.stderr or "No matching distribution" in build.stderr):
        pytest.skip(f"building a wheel needs setuptools from the package registry: {build.stderr[-300:]}")
    assert build.returncode == 0, build.stderr
    (wheel,) = dist.glob("reel-*.whl")
    names = set(zipfile.ZipFile(wheel).namelist())
    for name in SHIPPED:
        expected = {f"toolkit/shipped/{name}/{f}" for f in files_under(repo_root / name)}
        assert expected and expected <= names, sorted(expected - names)

    target = tmp_path / "site"
    pip = [sys.executable, "-m", "pip", "install", "--no-deps", "--quiet"]
    subprocess.run([*pip, "--target", str(target), str(wheel)], check=True)
    probe = (
        "import toolkit, json\n"
        "from toolkit.film.template.loader import available_templates, templates_dir\n"
        "from toolkit.grade.rubric import available_rubrics\n"
        "from toolkit.settings import Settings\n"
        "from toolkit.film.assets import find_asset\n"
        "print(json.dumps([toolkit.__file__, str(templates_dir()), available_templates(),\n"
        "                  list(available_rubrics()), str(Settings.data_dir('schema')),\n"
        "                  str(find_asset('ping').path)]))\n"
    )
    env = {k: v for k, v in os.environ.items() if k != "REEL_HOME"} | {"PYTHONPATH": str(target)}
    out = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True, cwd=tmp_path, env=env,
                         check=True)  # fmt: skip
    module, templates, names_found, rubrics, schema, ping = json.loads(out.stdout)
    assert module.startswith(str(target))  # the installed copy, not the checkout
    assert templates == str(target / "toolkit" / "shipped" / "templates")
    assert names_found == available_templates() and "default" in names_found
    assert rubrics == list(available_rubrics())
    assert (Path(schema) / "storyboard.schema.json").is_file()
    assert ping == str(target / "toolkit" / "shipped" / "assets" / "sounds" / "ping.wav") and Path(ping).is_file()
