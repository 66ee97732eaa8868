"""Pip-only, proven: what Reel needs from the system, and what happens when it is missing.

Pillow's complex text layout (raqm) loads the system libfribidi at run time; without it
right-to-left and complex-script text would be drawn wrongly with exit 0, so Reel refuses that
text, located (`toolkit.film.compile.shaping`). OCR runs on the headless OpenCV build with the
models inside the rapidocr wheel, so `reel grade` and the render's end-card check need neither
the system libGL nor the network.

The last test proves it on this machine: in a mount namespace (`unshare -m`, root only) the
system's libfribidi and libGL are hidden behind /dev/null, and in a network namespace (`-n`)
nothing can be downloaded; then `reel validate`/`reel render --draft` of Arabic and Devanagari
captions must fail with the clear error, a Latin film must render (its end card read back by
OCR), and `reel grade` must read that film's end card.
"""

from __future__ import annotations

import builtins
import json
import os
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from media_factory import timeline

from toolkit.errors import ReelError, RenderError
from toolkit.film.compile import shaping
from toolkit.film.compile.raster import rasterise
from toolkit.film.compile.shaping import LayoutSupport, layout_message, needs_layout
from toolkit.film.plan.timeline import ColorSource, Overlay, TextBlock, TextLine, TextRun, Transition
from toolkit.geometry import Box
from toolkit.media import ocr

ROOT = Path(__file__).resolve().parent.parent
NO_FRIBIDI = LayoutSupport(raqm=False, fribidi=False, harfbuzz=False,
                           fribidi_error="libfribidi.so.0: cannot open shared object file: No such file or directory")
ARABIC = "مرحبا، أنت لست وحدك"
DEVANAGARI = "आप अकेले नहीं हैं"
STORYBOARD = """title: Scripts
region: UK
scenes:
  - background: '#264653'
    duration: 2s
    captions: "{first}"
  - background: '#2a9d8f'
    duration: 2s
    captions: "{second}"
"""


# ------------------------------------------------------------------ which text needs complex layout


@pytest.mark.parametrize(("text", "script", "rtl"), [
    (ARABIC, "Arabic", True),
    ("שלום", "Hebrew", True),
    ("سلام دوست", "Arabic", True),  # Persian: decided by the characters, not a language tag
    (DEVANAGARI, "Devanagari", False),
    ("ভালো আছি", "Bengali", False),
    ("สวัสดี", "Thai", False),
    ("ខ្មែរ", "Khmer", False),
    ("ᠮᠣᠩᠭᠣᠯ", "Mongolian", False),  # joins, left to right
    ("Call 116 123 — \u202eenil", "", True),  # a right-to-left override reorders even Latin letters
    ("q\u0301uiet", "Latin", False),  # a mark with no precomposed form must be placed by the layout
])
def test_text_that_needs_bidi_or_shaping_is_found_by_its_characters(text, script, rtl) -> None:
    need = needs_layout(text)
    assert need is not None and (need.script, need.rtl) == (script, rtl)


@pytest.mark.parametrize("text", ["You are not alone", "Café, naïve, Tiếng Việt", "Cafe\u0301 (decomposed)",
                                  "Ελπίδα", "Надежда", "你好，加油", "こんにちは", "👍🏽 ❤️ 👨‍👩‍👧",
                                  "Call 1️⃣1️⃣6️⃣", "ພາສາລາວ", "١٢٣"])
def test_text_basic_layout_draws_correctly_needs_nothing(text) -> None:
    assert needs_layout(text) is None


def test_the_refusal_names_the_text_the_script_and_what_to_install() -> None:
    message = layout_message(ARABIC, needs_layout(ARABIC), NO_FRIBIDI)
    assert f"“{ARABIC}” is Arabic text, which must be ordered right to left and its letters joined" in message
    assert "Pillow could not load libfribidi (libfribidi.so.0: cannot open shared object file" in message
    assert "apt install libfribidi0" in message and "brew install fribidi" in message
    assert "unjoined and in reverse order" in message
    other = layout_message(DEVANAGARI, needs_layout(DEVANAGARI), LayoutSupport(False, True, False, ""))
    assert "Devanagari text, whose letters must be shaped" in other
    assert "pip install --force-reinstall pillow" in other  # fribidi loads: this Pillow lacks raqm itself


def test_this_machine_reports_its_layout_once() -> None:
    assert shaping.layout_support() is shaping.layout_support()


# ------------------------------------------------------------------ refused at validate, and in the rasteriser


def test_validate_refuses_complex_text_without_the_layout_at_the_caption(tmp_path, monkeypatch) -> None:
    from toolkit.errors import SpecError
    from toolkit.film.pipeline import prepare

    monkeypatch.setattr(shaping, "layout_support", lambda: NO_FRIBIDI)
    path = tmp_path / "scripts.yaml"
    path.write_text(STORYBOARD.format(first=ARABIC, second="Latin words only"), encoding="utf-8")
    with pytest.raises(SpecError) as caught:
        prepare(path, width=216)
    [issue] = [i for i in caught.value.issues if i.code == "text-layout-missing"]
    assert (issue.path, issue.file, issue.line, issue.col) == ("scenes[0].captions", path, 6, 15)
    assert issue.severity == "error"
    assert f"“{ARABIC}” is Arabic text" in issue.message and "libfribidi" in issue.message


def test_latin_films_still_validate_without_the_layout(tmp_path, monkeypatch) -> None:
    from toolkit.film.pipeline import prepare

    monkeypatch.setattr(shaping, "layout_support", lambda: NO_FRIBIDI)
    path = tmp_path / "latin.yaml"
    path.write_text(STORYBOARD.format(first="Café au lait", second="Ελπίδα και 你好"), encoding="utf-8")
    assert prepare(path, width=216).timeline.overlays


def test_the_rasteriser_refuses_too(tmp_path, monkeypatch) -> None:
    monkeypatch.setattr(shaping, "layout_support", lambda: NO_FRIBIDI)
    from media_factory import FONT

    block = TextBlock((TextLine(Box(10, 10, 196, 30), (TextRun(DEVANAGARI, 14, "#ffffff"),)),), FONT, 16, None, 4, 4,
                      Box(10, 10, 196, 30))
    film = timeline([(ColorSource("#336699"), 20, Transition("cut", 0))],
                    overlays=(Overlay("cap", "caption", 0, 10, (block,), loc=("scenes", 0, "captions")),))
    with pytest.raises(RenderError) as caught:
        rasterise(film, tmp_path)
    assert "scenes[0].captions: “आप अकेले नहीं हैं” is Devanagari text" in str(caught.value)


# ------------------------------------------------------------------ OCR: headless, models in the wheel


def test_ocr_models_are_inside_the_installed_wheel() -> None:
    detector, recogniser = ocr.model_files()
    assert detector.parent.parent.name == "rapidocr" and detector.stat().st_size > 1_000_000
    assert recogniser.stat().st_size > 1_000_000


def test_opencv_needing_libgl_is_a_reel_error_naming_it(monkeypatch) -> None:
    real = builtins.__import__

    def gui_opencv(name, *args, **kwargs):
        if name == "cv2":
            raise ImportError("libGL.so.1: cannot open shared object file: No such file or directory")
        return real(name, *args, **kwargs)

    monkeypatch.delitem(sys.modules, "cv2", raising=False)
    monkeypatch.setattr(builtins, "__import__", gui_opencv)
    with pytest.raises(ReelError) as caught:
        ocr.load_cv2()
    message = str(caught.value)
    assert "OpenCV could not load the system library libGL.so.1" in message
    assert "pip uninstall -y opencv-python" in message and "opencv-python-headless" in message


# ------------------------------------------------------------------ the proof: libraries hidden, no network


def _system_libraries(*names: str) -> list[Path]:
    """The real files of the named libraries as the dynamic loader finds them (`ldconfig -p`)."""
    ldconfig = shutil.which("ldconfig") or "/sbin/ldconfig"
    listing = subprocess.run([ldconfig, "-p"], capture_output=True, text=True, check=False).stdout
    found: set[Path] = set()
    for line in listing.splitlines():
        name, _, target = line.strip().partition(" => ")
        if target and any(name.split(" ")[0] == n for n in names):
            found.add(Path(target).resolve())
    return sorted(found)


def _namespace() -> list[str]:
    """The `unshare` prefix for a private mount (and, where possible, network) namespace, or skip/fail."""
    required = os.environ.get("REEL_REQUIRE_NAMESPACE") == "1"  # set by .ci/run: CI must run this test
    problem = None
    unshare = shutil.which("unshare")
    if os.name != "posix" or not hasattr(os, "geteuid") or os.geteuid() != 0:
        problem = "hiding system libraries needs a mount namespace, which needs root (CI runs as root)"
    elif unshare is None:
        problem = "no `unshare` (util-linux) on this machine"
    else:
        for prefix in ([unshare, "-m", "-n"], [unshare, "-m"]):
            if subprocess.run([*prefix, "true"], capture_output=True, check=False).returncode == 0:
                return prefix
        problem = "`unshare -m` is refused here (a container without CAP_SYS_ADMIN?)"
    if required:
        pytest.fail(f"REEL_REQUIRE_NAMESPACE=1 but {problem}")
    pytest.skip(problem)


def _hidden(prefix: list[str], hide: list[Path], argv: list[str], cwd: Path) -> subprocess.CompletedProcess:
    binds = "".join(f"mount --bind /dev/null {shlex.quote(str(p))} && " for p in hide)
    script = binds + shlex.join(argv)
    return subprocess.run([*prefix, "sh", "-c", script], capture_output=True, text=True, cwd=cwd, timeout=600,
                          check=False, env={**os.environ, "NO_COLOR": "1", "COLUMNS": "200"})


@pytest.mark.render
def test_render_and_grade_with_libfribidi_and_libgl_hidden(tmp_path) -> None:
    prefix = _namespace()
    hide = _system_libraries("libfribidi.so.0", "libGL.so.1")
    reel = [sys.executable, "-m", "toolkit"]
    probe = _hidden(prefix, hide, [sys.executable, "-c",
                                   "from PIL import features; import ctypes\n"
                                   "print(features.check('fribidi'), features.check('raqm'))\n"
                                   "try:\n ctypes.CDLL('libGL.so.1'); print('libGL loads')\n"
                                   "except OSError: print('no libGL')"], tmp_path)
    assert probe.stdout.split() == ["False", "False", "no", "libGL"], probe.stdout + probe.stderr

    scripts = tmp_path / "scripts.yaml"
    scripts.write_text(STORYBOARD.format(first=ARABIC, second=DEVANAGARI), encoding="utf-8")
    for command in (["validate", str(scripts)], ["render", "--draft", "-q", str(scripts)]):
        refused = _hidden(prefix, hide, [*reel, *command], tmp_path)
        output = refused.stdout + refused.stderr
        assert refused.returncode == 1, output
        assert "Traceback" not in output
        assert f"scripts.yaml:6:15: scenes[0].captions: “{ARABIC}” is Arabic text" in output
        assert f"scripts.yaml:9:15: scenes[1].captions: “{DEVANAGARI}” is Devanagari text" in output
        assert "Pillow could not load libfribidi" in output and "apt install libfribidi0" in output
    assert not list(tmp_path.glob("*.mp4")), "a refused film leaves nothing behind"

    latin = tmp_path / "latin.yaml"
    latin.write_text(STORYBOARD.format(first="You are not alone", second="Café, naïve, Ελπίδα"), encoding="utf-8")
    rendered = _hidden(prefix, hide, [*reel, "render", "--draft", "-q", str(latin)], tmp_path)
    assert rendered.returncode == 0, rendered.stdout + rendered.stderr  # its end card was read back by OCR
    film = tmp_path / "latin.draft.mp4"
    assert film.exists()

    graded = _hidden(prefix, hide, [*reel, "grade", str(film), "--json", "-"], tmp_path)
    assert graded.returncode in (0, 3), graded.stdout + graded.stderr  # 3: a draft fails the delivery spec
    assert "Traceback" not in graded.stderr
    report = {r["id"]: r["status"] for r in json.loads(graded.stdout)["results"]}
    assert report["end-card"] == "pass" and report["end-card-services"] == "pass"  # OCR read the card
