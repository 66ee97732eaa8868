"""Words inside a film's pictures are read from their pixels and checked like captions.

A screenshot, a sticker, a photo scene or an animated GIF may carry wording the storyboard never
wrote. These pictures are drawn here with the shipped font, put in a storyboard, and `prepare`
(what `reel validate` and `reel render` run) must refuse unsafe wording at the field naming the
picture, warn about words under the platform's buttons, and read each picture once.
"""

from __future__ import annotations

import subprocess
from pathlib import Path

import hostile_fonts
import pytest
from PIL import Image, ImageDraw, ImageFont

from toolkit.errors import PolicyError
from toolkit.film import picture_words
from toolkit.film.pipeline import prepare
from toolkit.media import ocr, synth
from toolkit.settings import Settings


def picture(path: Path, lines: list[str], *, size: tuple[int, int] = (600, 400), transparent: bool = False,
            ink: str = "black") -> Path:
    """A picture with `lines` written on it in 40 px Atkinson Hyperlegible."""
    image = Image.new("RGBA" if transparent else "RGB", size, (0, 0, 0, 0) if transparent else "white")
    draw = ImageDraw.Draw(image)
    font = ImageFont.truetype(str(hostile_fonts.atkinson("Bold")), 40)
    for n, line in enumerate(lines):
        draw.text((24, 30 + 60 * n), line, font=font, fill=ink)
    image.save(path)
    return path


@pytest.fixture()
def folder(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    monkeypatch.setenv("REEL_CACHE", str(tmp_path / "cache"))
    synth.footage(tmp_path / "talk.mp4", seconds=4, width=64, height=36)
    return tmp_path


def film(folder: Path, scene: str, extra: str = "") -> Path:
    path = folder / "film.yaml"
    path.write_text("title: Pictures\nregion: UK\n" + extra + "scenes:\n" + scene, encoding="utf-8")
    return path


def failure(path: Path) -> PolicyError:
    with pytest.raises(PolicyError) as caught:
        prepare(path)
    return caught.value


def test_unsafe_words_in_a_screenshot_layer_are_an_error_at_its_image_field(folder: Path) -> None:
    picture(folder / "message.png", ["My uncle committed", "suicide last year."])
    path = film(folder, "  - background: talk.mp4\n    duration: 3s\n    layers:\n"
                        "      - {image: message.png, position: center, size: 60%, text: yes}\n")
    error = failure(path)
    hits = [i for i in error.issues if i.code == "committed-suicide"]
    assert len(hits) == 1, error.issues
    hit = hits[0]
    assert (hit.file, hit.line, hit.col, hit.path) == (path, 7, 17, "scenes[0].layers[0].image")
    assert "the picture shows “My uncle committed suicide last year.” (read from its pixels)" in hit.message
    assert "committed suicide" in hit.message


def test_a_disguised_spelling_in_a_picture_is_caught(folder: Path) -> None:
    picture(folder / "note.png", ["He commited suicide."])
    path = film(folder, "  - background: talk.mp4\n    duration: 3s\n    layers:\n"
                        "      - {image: note.png, position: center, size: 60%, text: yes}\n")
    hit = next(i for i in failure(path).issues if i.code == "committed-suicide")
    assert "misspelling “commited” of “committed”" in hit.message


def test_white_words_on_a_transparent_sticker_are_read(folder: Path) -> None:
    picture(folder / "sticker.png", ["committed suicide"], transparent=True, ink="white")
    path = film(folder, "  - background: talk.mp4\n    duration: 3s\n    layers:\n"
                        "      - {image: sticker.png, position: center, size: 50%}\n")
    assert any(i.code == "committed-suicide" and i.path == "scenes[0].layers[0].image"
               for i in failure(path).issues)


def test_a_photo_scene_is_read_and_located_at_its_background(folder: Path) -> None:
    picture(folder / "photo.png", ["committed suicide"], size=(540, 960))
    path = film(folder, "  - background: {image: photo.png}\n    duration: 3s\n")
    hit = next(i for i in failure(path).issues if i.code == "committed-suicide")
    assert hit.path.startswith("scenes[0].background") and hit.line == 4


def test_an_animated_gif_is_read_across_its_frames(folder: Path) -> None:
    frames = [picture(folder / f"f{n}.png", [words], size=(400, 200))
              for n, words in enumerate(["hello there", "hello there", "committed suicide"])]
    subprocess.run([Settings().ffmpeg, "-hide_banner", "-loglevel", "error", "-y", "-framerate", "1", "-i",
                    str(folder / "f%d.png"), str(folder / "loop.gif")], check=True)
    assert all(f.exists() for f in frames)
    path = film(folder, "  - background: talk.mp4\n    duration: 3s\n    layers:\n"
                        "      - {image: loop.gif, position: center, size: 50%, text: yes}\n")
    assert any(i.code == "committed-suicide" for i in failure(path).issues)


def test_words_a_layer_shows_under_the_buttons_are_a_warning_naming_them(folder: Path) -> None:
    picture(folder / "badge.png", ["Share your story"], size=(500, 120))
    path = film(folder, "  - background: talk.mp4\n    duration: 3s\n    layers:\n"
                        "      - {image: badge.png, position: {x: 40, y: 1760}, size: {w: 500, h: 120}}\n")
    warnings = [i for i in prepare(path).warnings if i.code == "picture-words-outside-safe"]
    assert len(warnings) == 1
    assert warnings[0].path == "scenes[0].layers[0].image" and warnings[0].severity == "warning"
    assert "“Share your story”" in warnings[0].message and "safe box" in warnings[0].message
    # the same picture inside the safe box says nothing
    path = film(folder, "  - background: talk.mp4\n    duration: 3s\n    layers:\n"
                        "      - {image: badge.png, position: center, size: {w: 500, h: 120}}\n")
    assert not [i for i in prepare(path).warnings if i.code == "picture-words-outside-safe"]


def test_a_reviewed_exception_excuses_words_in_a_picture(folder: Path) -> None:
    picture(folder / "message.png", ["committed suicide"])
    path = film(folder, "  - background: talk.mp4\n    duration: 3s\n    layers:\n"
                        "      - {image: message.png, position: center, size: 60%, text: yes}\n",
                extra="topics: [suicide]\nreviewed_exceptions:\n  - {rule: committed-suicide, text: committed suicide, "
                      'reason: "the contributor\x27s own words, quoted", reviewer: A. Editor}\n')
    prepared = prepare(path)
    kept = [i for i in prepared.warnings if i.code == "committed-suicide"]
    assert kept and kept[0].severity == "info" and "reviewed exception" in kept[0].message


def test_a_clean_picture_passes_and_is_read_once(folder: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    picture(folder / "message.png", ["Are you okay?", "I'm here if you want to talk."])
    path = film(folder, "  - background: talk.mp4\n    duration: 3s\n    layers:\n"
                        "      - {image: message.png, position: center, size: 60%, text: yes}\n")
    prepare(path)
    words = picture_words.read_words(picture_words.pictures_of(prepare(path).timeline))
    assert words[0].texts() == ["Are you okay? I'm here if you want to talk."]

    def no_engine() -> None:
        raise AssertionError("the OCR engine was loaded for a picture already read")

    monkeypatch.setattr(picture_words, "shared_engine", no_engine)
    monkeypatch.setattr(ocr, "shared_engine", no_engine)
    prepare(path)  # from the cache: the engine is never needed


def test_an_edited_picture_is_read_again(folder: Path) -> None:
    message = picture(folder / "message.png", ["Are you okay?"])
    path = film(folder, "  - background: talk.mp4\n    duration: 3s\n    layers:\n"
                        "      - {image: message.png, position: center, size: 60%, text: yes}\n")
    prepare(path)
    picture(message, ["committed suicide"])  # same name, new words
    assert any(i.code == "committed-suicide" for i in failure(path).issues)


@pytest.mark.parametrize("size", [(8000, 2), (2, 8000), (1, 1), (60, 6000)])
def test_pictures_of_any_shape_are_read_without_failing(folder: Path, size: tuple[int, int]) -> None:
    # a banner shrunk for detection once became 540×0 pixels (OpenCV refused it), and a thin strip
    # would have been enlarged to 1080 px wide (a 60×6000 strip to 1080×108,000)
    import numpy as np

    rgb = np.full((size[1], size[0], 3), 255, np.uint8)
    rgb[::7, ::3] = 0
    assert isinstance(ocr.read_picture(ocr.shared_engine(), rgb), tuple)
