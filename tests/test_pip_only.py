"""Pip-only, proven: Reel needs no system library to draw any script or to read its end card.

Pillow's complex text layout (raqm) loads the system libfribidi at run time, and without it
right-to-left and complex-script text would be drawn wrongly with exit 0 (and Latin without its
kerning). Reel does not use it: every line is laid out by Reel itself (`compile.textline`:
python-bidi, HarfBuzz, FreeType, all inside their wheels), so it draws the same pixels with or
without libfribidi. OCR runs on the headless OpenCV build with the models inside the rapidocr
wheel, so `reel grade` and the render's end-card check need neither the system libGL nor the
network.

The last test proves it on this machine: in a mount namespace (`unshare -m`, root only) the
system's libfribidi and libGL are hidden behind /dev/null, and in a network namespace (`-n`)
nothing can be downloaded; then Arabic, Hebrew, Urdu, Devanagari, Bengali, emoji and Latin lines
must rasterise to exactly the pixels they have here, a film with Arabic and Devanagari captions must
render (its end card read back by OCR), and `reel grade` must read that film's end card.
"""

from __future__ import annotations

import builtins
import hashlib
import json
import os
import shlex
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from PIL import Image, ImageFont

from toolkit.errors import ReelError
from toolkit.film.compile.raster import rasterise
from toolkit.media import ocr

ROOT = Path(__file__).resolve().parent.parent
ARABIC = "مرحبا، أنت لست وحدك"
DEVANAGARI = "आप अकेले नहीं हैं"
# Right to left with numbers, complex scripts, colour emoji sequences, and kerned Latin (Pillow's basic
# layout has no kerning: its Latin line is 1.7 % wider than with raqm)
LINES = ("اتصل على 116 123 الآن.", "התקשרו 116 123 עכשיו.", "مدد کے لیے 116 123 پر کال کریں۔", DEVANAGARI,
         "আপনি একা নন", "Tiếng Việt 👨‍👩‍👧 👍🏽 🇬🇧", "You are not alone. AVATAR Tokyo", "Ελπίδα, Надежда")
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


# ------------------------------------------------------------------ the same pixels, raqm or not


def line_digests(folder: Path, lines=LINES) -> dict[str, str]:
    """Each line rasterised as a caption by the real rasteriser, as the sha256 of its pixels."""
    from media_factory import text_block
    from media_factory import timeline as film

    from toolkit.film.plan.timeline import ColorSource, Overlay, Transition
    from toolkit.geometry import Box

    out = {}
    for i, text in enumerate(lines):
        block = text_block(text, Box(4, 150, 208, 30), size=14)
        overlay = Overlay("cap", "caption", 0, 4, (block,), loc=("scenes", 0, "captions"))
        plan = rasterise(film([(ColorSource("#000000"), 4, Transition("cut", 0))], overlays=(overlay,)),
                         folder / f"line-{i}")
        with Image.open(plan.images[0].path) as image:
            out[text] = hashlib.sha256(image.tobytes()).hexdigest()
    return out


def test_lines_draw_the_same_pixels_whether_pillow_has_raqm_or_not(tmp_path, monkeypatch) -> None:
    with_raqm = line_digests(tmp_path / "raqm")
    # Pillow picks its layout engine from core.HAVE_RAQM when a font is loaded: as if libraqm were missing
    monkeypatch.setattr(ImageFont.core, "HAVE_RAQM", False, raising=False)
    assert line_digests(tmp_path / "basic") == with_raqm


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

    # the same lines, rasterised here and with the libraries hidden: the same pixels
    digests = _hidden(prefix, hide, [sys.executable, "-c", "import json, sys; from pathlib import Path\n"
                                     "sys.path[:0] = [sys.argv[1]]\n"
                                     "from test_pip_only import line_digests\n"
                                     "print(json.dumps(line_digests(Path('hidden'))))", str(ROOT / "tests")], tmp_path)
    assert digests.returncode == 0, digests.stdout + digests.stderr
    assert json.loads(digests.stdout.strip().splitlines()[-1]) == line_digests(tmp_path / "here")

    scripts = tmp_path / "scripts.yaml"
    scripts.write_text(STORYBOARD.format(first=ARABIC, second=DEVANAGARI), encoding="utf-8")
    validated = _hidden(prefix, hide, [*reel, "validate", str(scripts)], tmp_path)
    assert validated.returncode == 0, validated.stdout + validated.stderr
    rendered = _hidden(prefix, hide, [*reel, "render", "--draft", "-q", str(scripts)], tmp_path)
    assert rendered.returncode == 0, rendered.stdout + rendered.stderr  # its end card was read back by OCR
    assert "Traceback" not in rendered.stderr
    film = tmp_path / "scripts.draft.mp4"
    assert film.exists()

    graded = _hidden(prefix, hide, [*reel, "grade", str(film), "--json", "-"], tmp_path)
    assert graded.returncode in (0, 3), graded.stdout + graded.stderr  # 3: a draft fails the delivery spec
    assert "Traceback" not in graded.stderr
    report = {r["id"]: r["status"] for r in json.loads(graded.stdout)["results"]}
    assert report["end-card"] == "pass" and report["end-card-services"] == "pass"  # OCR read the card
