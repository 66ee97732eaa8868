"""`anonymise: {face: …}`: faces covered in the film's pixels, stills and sheets, cached, read back, warned about.

The media are small (216×384 at 10 fps, the film's own draft canvas, so source and film pixels
coincide): a real face (scikit-image's astronaut, public domain) moving down over a test pattern, a
static noise clip (no face, every pixel textured) and the astronaut as a photo. One film uses all
of them (detector blur, a hand-placed box between two times, reversed + box, a pixelated photo)
for a consenting contributor whose face may only be shown anonymised.
"""

from __future__ import annotations

import os
import subprocess
from datetime import date
from fractions import Fraction
from pathlib import Path

import av
import numpy as np
import pytest
from PIL import Image

import toolkit.film.render as render_module
import toolkit.film.run.anonymising as run_anonymising
import toolkit.media.face_tracks as face_tracks
import toolkit.media.faces as faces
from toolkit.errors import PolicyError
from toolkit.film import anonymising
from toolkit.film.pipeline import Prepared, prepare
from toolkit.film.plan.timeline import ImageSource, VideoSource
from toolkit.film.render import render_film, render_still
from toolkit.film.sheet import render_sheet
from toolkit.film.steps import AnonymiseFaces, plan_render
from toolkit.settings import Settings

pytestmark = pytest.mark.render

FPS = 10
W, H = 216, 384
TODAY = date(2026, 6, 1)
FACE_SIZE = 216  # the astronaut is drawn 216 px square: her face ≈ 43×48 px
SPEED = 120  # px/s the face moves down


def face_y(t: float) -> float:
    """Top of the astronaut picture at `t` s of face.mp4."""
    return 20 + SPEED * t


def face_centre(t: float) -> tuple[int, int]:
    """The face's centre at `t` s of face.mp4 (scikit-image's astronaut: face at 172,50 102×114 of 512)."""
    k = FACE_SIZE / 512
    return round((172 + 51) * k), round(face_y(t) + (50 + 57) * k)


STORYBOARD = """\
title: Faces
region: UK
contributors:
  - id: sam
    name: Samuel Reid
    consent: CF-2026-014
    given: 2026-01-10
    expires: 2027-01-10
    platforms: [tiktok]
    show: {face: anonymised, voice: no, name: no, location: no}
scenes:
  - name: face
    background: {video: face.mp4, from: 0s, to: 1s, contributor: sam, anonymise: {face: blur}}
    audio: mute
  - name: boxed
    background:
      video: noise.mp4
      from: 0s
      to: 1s
      anonymise: {face: box, boxes: [{x: 0.1, y: 0.1, w: 0.3, h: 0.25, from: 0.3s, to: 0.7s}]}
    audio: mute
  - name: back
    background: {video: face.mp4, from: 0s, to: 1s, reverse: yes, anonymise: {face: box}}
    audio: mute
  - name: photo
    background: {image: astro.png, contributor: sam, anonymise: {face: pixelate}}
    duration: 1s
"""


def _ffmpeg(*args: str) -> None:
    subprocess.run([Settings().ffmpeg, "-y", "-hide_banner", "-loglevel", "error", *args], check=True)


@pytest.fixture(scope="module")
def folder(tmp_path_factory) -> Path:
    from skimage import data

    folder = tmp_path_factory.mktemp("faces")
    Image.fromarray(data.astronaut()).save(folder / "astro.png")
    _ffmpeg("-loop", "1", "-i", str(folder / "astro.png"), "-f", "lavfi", "-i", f"testsrc2=s={W}x{H}:r={FPS}:d=2",
            "-filter_complex", f"[0]scale={FACE_SIZE}:{FACE_SIZE}[a];[1][a]overlay=x=0:y='20+{SPEED}*t'",
            "-t", "2", "-r", str(FPS), "-c:v", "libx264", "-qp", "0", "-pix_fmt", "yuv420p", str(folder / "face.mp4"))
    # static noise: every pixel textured, nothing flickers, no face
    _ffmpeg("-f", "lavfi", "-i", f"color=c=gray:s={W}x{H}:r={FPS}:d=2,noise=alls=90:allf=u", "-c:v", "libx264",
            "-qp", "0", "-pix_fmt", "yuv420p", str(folder / "noise.mp4"))
    return folder


@pytest.fixture(scope="module")
def cache(tmp_path_factory) -> Path:
    """One cache for the module: the renders, stills and sheets share (and must reuse) the copies."""
    path = tmp_path_factory.mktemp("cache")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("REEL_CACHE", str(path))
        yield path


def prepared(folder: Path, text: str = STORYBOARD, name: str = "faces.yaml") -> Prepared:
    sb = folder / name
    sb.write_text(text, encoding="utf-8")
    return prepare(sb, width=W, fps=Fraction(FPS), today=TODAY)


@pytest.fixture(scope="module")
def film(folder: Path, cache: Path) -> Prepared:
    return prepared(folder)


@pytest.fixture(scope="module")
def rendered(film: Prepared, tmp_path_factory) -> list[np.ndarray]:
    """The film rendered once (final), as RGB frames."""
    out = render_film(film, tmp_path_factory.mktemp("out") / "film.mp4").output
    with av.open(str(out)) as container:
        return [f.to_ndarray(format="rgb24") for f in container.decode(video=0)]


def start_of(film: Prepared, name: str) -> int:
    return next(s.start for s in film.timeline.segments if s.name == name)


def seen(picture: np.ndarray) -> list:
    """The faces the detector finds in a picture at the score the read-back refuses."""
    return faces.detect_faces(np.ascontiguousarray(picture), threshold=run_anonymising.READBACK_SCORE)


def grey(picture: np.ndarray) -> np.ndarray:
    return picture.astype(np.float64).mean(axis=2)


# ------------------------------------------------------------------ the plan


def test_the_plan_carries_what_to_hide_and_where_it_was_asked(film: Prepared) -> None:
    face, boxed = film.timeline.segments[0].source, film.timeline.segments[1].source
    assert isinstance(face, VideoSource) and face.anonymise is not None and face.anonymise.face == "blur"
    assert face.anonymise.loc == ("scenes", 0, "background", "anonymise")
    assert isinstance(boxed, VideoSource) and boxed.anonymise is not None
    [box] = boxed.anonymise.boxes
    assert (box.x, box.w, box.start, box.end) == (0.1, 0.3, Fraction(3, 10), Fraction(7, 10))
    photo = film.timeline.segments[3].source
    assert isinstance(photo, ImageSource) and photo.anonymise is not None and photo.anonymise.face == "pixelate"
    # `reel plan` says what is hidden
    from toolkit.film.plan.describe import describe

    text = describe(film.timeline)
    assert "face — face.mp4 0s–1s, faces blur\n" in text and "noise.mp4 0s–1s, faces box + 1 box\n" in text
    assert "back — face.mp4 0s–1s, reversed, faces box\n" in text and "astro.png, faces pixelate\n" in text
    # consent: face: anonymised passes where the same footage and photo ask for it
    assert not [w for w in film.warnings if w.severity == "error"]


# ------------------------------------------------------------------ the render


def test_faces_the_detector_follows_are_covered_in_the_film(film: Prepared, rendered: list[np.ndarray],
                                                            folder: Path) -> None:
    first = start_of(film, "face")
    with av.open(str(folder / "face.mp4")) as container:
        originals = [f.to_ndarray(format="rgb24") for f in container.decode(video=0)]
    assert all(faces.detect_faces(originals[k]) for k in (0, 9)), "the clip shows a face"
    for k in range(10):
        if k % 3 == 0:
            assert not seen(rendered[first + k]), f"a face shows at frame {k}"
        x, y = face_centre(k / FPS)
        patch = (slice(y - 12, y + 12), slice(x - 12, x + 12))
        # blurred: the face's detail is gone (its variance falls), the picture around it stays
        assert grey(rendered[first + k])[patch].std() < 0.5 * grey(originals[k])[patch].std(), k


def test_a_hand_placed_box_covers_its_place_between_its_times_only(film: Prepared,
                                                                   rendered: list[np.ndarray]) -> None:
    first = start_of(film, "boxed")
    inside = (slice(int(0.1 * H) + 4, int(0.35 * H) - 4), slice(int(0.1 * W) + 4, int(0.4 * W) - 4))
    outside = (slice(int(0.5 * H), int(0.9 * H)), slice(int(0.5 * W), int(0.9 * W)))
    for k in range(10):
        picture = grey(rendered[first + k])
        covered = 3 <= k < 7  # from 0.3 s to 0.7 s of the footage
        assert (picture[inside].std() < 3 and picture[inside].mean() < 25) == covered, (k, picture[inside].std())
        assert picture[outside].std() > 20, k  # the rest of the picture is untouched


def test_reversed_footage_is_covered_where_the_face_is_at_that_moment(film: Prepared,
                                                                      rendered: list[np.ndarray]) -> None:
    first = start_of(film, "back")
    for k in range(10):
        picture = grey(rendered[first + k])
        x, y = face_centre((9 - k) / FPS)  # frame k shows footage frame 9 - k
        assert picture[y - 8:y + 8, x - 8:x + 8].mean() < 25, k  # a solid black box on the face
        if k < 2 or k > 7:  # where the face was in the other direction: not covered
            fx, fy = face_centre(k / FPS)
            assert picture[fy - 4:fy + 4, fx - 4:fx + 4].mean() > 25, k
    assert not any(seen(rendered[first + k]) for k in (0, 9))


def test_a_photo_is_covered(film: Prepared, rendered: list[np.ndarray]) -> None:
    first = start_of(film, "photo")
    assert not seen(rendered[first + 5])


# ------------------------------------------------------------------ cache, still, sheet


def test_stills_and_sheets_show_the_covers_from_the_cache_without_detecting_again(
        film: Prepared, rendered: list[np.ndarray], folder: Path, cache: Path, tmp_path: Path, monkeypatch) -> None:
    calls = {"detect": 0, "copies": 0}

    def counted(*args, **kwargs):
        calls["detect"] += 1
        return real(*args, **kwargs)

    real = faces.detect_faces
    monkeypatch.setattr(faces, "detect_faces", counted)
    monkeypatch.setattr(face_tracks, "detect_faces", counted)
    real_encode = run_anonymising._encode
    monkeypatch.setattr(run_anonymising, "_encode", lambda *a: calls.__setitem__("copies", calls["copies"] + 1)
                        or real_encode(*a))
    compiled: list = []
    real_frames = render_module.compile_frames
    monkeypatch.setattr(render_module, "compile_frames", lambda tl, *a, **k: compiled.append(tl) or
                        real_frames(tl, *a, **k))
    again = prepared(folder)  # the detector's results are cached by content: preparing does not detect again
    steps = plan_render(again, tmp_path / "again.mp4")
    [step] = [s for s in steps.steps if isinstance(s, AnonymiseFaces)]
    assert (len(step.make), len(step.cached)) == (0, 4)
    still = render_still(again, 0.5, tmp_path / "still.png")
    sheet = render_sheet(again, tmp_path / "sheet.png")
    assert calls == {"detect": 0, "copies": 0}
    assert sheet.is_file()
    assert not seen(np.asarray(Image.open(still).convert("RGB")))
    # what stills and sheets compile never names the original footage or photo
    originals = {folder / "face.mp4", folder / "noise.mp4", folder / "astro.png"}
    for tl in compiled:
        paths = {s.source.path for s in tl.segments if isinstance(s.source, VideoSource | ImageSource)}
        assert paths and not paths & originals and all(p.parent == cache / "reel" / "anonymised" for p in paths)


# ------------------------------------------------------------------ what is on screen is checked


def test_a_cover_that_misses_is_refused_at_the_field(folder: Path, cache: Path, tmp_path: Path, monkeypatch) -> None:
    # the film's trim with another cover: the detector's result is cached, the copy is not
    film = prepared(folder, "title: Miss\nregion: UK\nscenes:\n  - background: {video: face.mp4, from: 0s, to: 1s, "
                    "anonymise: {face: pixelate}}\n    audio: mute\n", "miss.yaml")
    # the seam: every mask frame empty, as if the detector had missed the face on every frame
    monkeypatch.setattr(run_anonymising, "mask_cells", lambda job, k: ())
    with pytest.raises(PolicyError) as caught:
        render_still(film, 0.5, tmp_path / "still.png")
    [issue] = caught.value.issues
    assert issue.format() == (
        f"{folder / 'miss.yaml'}:4:71: scenes[0].background.anonymise.face: a face can still be found in "
        "`face.mp4` after covering it at 0.00s, 0.20s, 0.40s, 0.60s, 0.80s … of the footage (read back from the "
        "covered picture); add `boxes:` over it at that time, or use `face: box`")
    assert caught.value.message.startswith(anonymising.REFUSED)
    [job] = anonymising.anonymise_jobs(film.timeline).values()
    assert not job.path.exists() and not list(job.path.parent.glob(".*"))  # nothing unchecked is kept
    assert not (tmp_path / "still.png").exists()


# ------------------------------------------------------------------ warnings


def test_no_face_found_and_small_faces_are_warned_at_the_field(folder: Path, cache: Path) -> None:
    from skimage import data

    small = Image.new("RGB", (640, 640), (90, 110, 130))
    small.paste(Image.fromarray(data.astronaut()).resize((80, 80)), (200, 200))
    small.save(folder / "small.png")
    film = prepared(folder, "title: Warn\nregion: UK\nscenes:\n  - background: {video: noise.mp4, from: 0s, to: 1s, "
                    "anonymise: {face: blur}}\n    audio: mute\n  - background: {image: small.png, anonymise: "
                    "{face: box}}\n    duration: 1s\n", "warn.yaml")
    sb = folder / "warn.yaml"
    smallest = face_tracks.find_faces_in_picture(folder / "small.png", cache_dir=anonymising.faces_dir()).smallest
    limit = faces.min_face_px(640, 640)
    assert smallest is not None and smallest < 2 * limit  # found, but near the size the detector stops at
    said = [w.format() for w in film.warnings if w.code in ("no-face-found", "faces-small")]
    assert said == [
        f"{sb}:4:72: warning: scenes[0].background.anonymise.face: no face found in `noise.mp4` between 0s and 1s "
        f"(faces smaller than {faces.min_face_px(W, H)} px across cannot be found); if someone is in it, add "
        "`boxes:` over them",
        f"{sb}:6:54: warning: scenes[1].background.anonymise.face: a face only {smallest} px across was found in "
        f"`small.png`; faces smaller than {limit} px cannot be found: add `boxes:` over any the covers miss (`reel "
        "anonymise check` shows the unsure moments)"]


# ------------------------------------------------------------------ reel anonymise check


def test_anonymise_check_lists_unsure_moments_and_draws_them(folder: Path, cache: Path, tmp_path: Path,
                                                             runner) -> None:
    import json
    import re

    import jsonschema

    from toolkit.cli import cli

    # the face is hidden (turned away, out of shot) from 0.4 s to 0.6 s: the cover is held across the gap
    _ffmpeg("-loop", "1", "-i", str(folder / "astro.png"), "-f", "lavfi", "-i", f"testsrc2=s={W}x{H}:r={FPS}:d=1",
            "-filter_complex", f"[0]scale={FACE_SIZE}:{FACE_SIZE}[a];[1][a]overlay=x=0:y=40:"
            "enable='not(between(t,0.35,0.55))'", "-t", "1", "-r", str(FPS), "-c:v", "libx264", "-qp", "0",
            "-pix_fmt", "yuv420p", str(folder / "gap.mp4"))
    sb = folder / "check.yaml"
    sb.write_text("title: Check\nregion: UK\nscenes:\n  - background: {video: gap.mp4, from: 0s, to: 1s, anonymise: "
                  "{face: box, boxes: [{x: 0, y: 0.9, w: 0.2, h: 0.1}]}}\n    audio: mute\n", encoding="utf-8")
    stills = tmp_path / "stills"
    result = runner.invoke(cli, ["anonymise", "check", str(sb), "--stills", str(stills)])
    assert result.exit_code == 0, result.output
    lines = result.stdout.splitlines()
    assert re.fullmatch(r"scenes\[0\]\.background\.anonymise \(gap\.mp4 0\.00s–1\.00s, box\): [1-9]\d* faces? "
                        rf"followed, smallest \d+ px \(faces under {faces.min_face_px(W, H)} px are not found\); 1 "
                        "hand-placed box", lines[0]), lines[0]
    [unsure] = [line for line in lines if "held across a detection gap" in line]
    assert unsure.startswith("  unsure 0.40s–0.60s: held across a detection gap  -> ")
    still = Path(unsure.rpartition(" -> ")[2])
    assert still.parent == stills and still.is_file()
    drawn = np.asarray(Image.open(still).convert("RGB")).astype(int)
    red = (drawn[..., 0] > 200) & (drawn[..., 1] < 80) & (drawn[..., 2] < 80)
    yellow = (drawn[..., 0] > 200) & (drawn[..., 1] > 180) & (drawn[..., 2] < 60)
    assert red.sum() > 50 and yellow[int(0.9 * H):, :int(0.2 * W)].sum() > 50  # the held cover and the box
    out = runner.invoke(cli, ["anonymise", "check", str(sb), "--json"])
    data = json.loads(out.stdout)
    schema = json.loads((Path(__file__).parent.parent / "schema" / "anonymise-check.schema.json").read_text())
    jsonschema.Draft202012Validator(schema).validate(data)
    [use] = data["uses"]
    assert (use["field"], use["line"], use["cover"], use["boxes"]) == ("scenes[0].background.anonymise", 4, "box", 1)
    assert use["faces_followed"] >= 1
    assert {"from": 0.4, "to": 0.6, "why": "held across a detection gap", "still": None} in use["unsure"]


# ------------------------------------------------------------------ the command (pure)


def _job(kind: str = "blur"):
    from toolkit.film.compile.anonymising import AnonymiseJob
    from toolkit.film.plan.timeline import Anonymise

    src = VideoSource(Path("/media/walk.mp4"), Fraction(3, 2), "cover", 1920, 1080, True, end=Fraction(5, 2),
                      speed=Fraction(2), anonymise=Anonymise(kind, loc=("scenes", 0, "background", "anonymise")))
    rects = tuple(((100 + 10 * k, 200, 240, 300),) if k % 2 else () for k in range(15))
    return AnonymiseJob(src, src, kind, Fraction(30), 15, rects, tuple(Fraction(3, 2) + Fraction(k, 15)
                                                                      for k in range(15)),
                        Path("/cache/anonymised/anonymised-0123.mp4"))


def test_the_anonymise_command_matches_its_golden() -> None:
    import json

    from toolkit.film.compile.anonymising import compile_anonymise, mask_cells

    argv = compile_anonymise(_job(), Path("/cache/anonymised/.anonymised-0123.reel-tmp.mp4"))
    path = Path(__file__).parent / "goldens" / "compile" / "anonymise-blur.json"
    if os.environ.get("REEL_UPDATE_GOLDENS") == "1":
        path.write_text(json.dumps({"regenerate": "REEL_UPDATE_GOLDENS=1 python -m pytest "
                                    "tests/test_anonymise_faces.py -k golden", "argv": argv}, indent=1) + "\n")
    assert argv == json.loads(path.read_text())["argv"]
    # the cover is one of three; the mask's grid is a quarter of the picture, every edge rounded outwards
    graph = {kind: " ".join(compile_anonymise(_job(kind), Path("/x.mp4"))) for kind in ("pixelate", "box")}
    assert "scale=1920:1080:flags=neighbor[" in graph["pixelate"].split("alphamerge")[0]
    assert "drawbox=color=black:h=ih:t=fill:w=iw:x=0:y=0" in graph["box"]
    assert mask_cells(_job(), 1) == ((27, 50, 61, 75),) and mask_cells(_job(), 0) == ()


def test_each_frame_is_covered_with_the_faces_and_boxes_of_the_moment_it_shows() -> None:
    from toolkit.film.plan.timeline import Anonymise, CoverBox
    from toolkit.media.face_tracks import Cover, FaceCovers

    # a face moving right one source frame (1/20 s) at a time; footage played at 2× from 1 s, at 10 fps
    times = tuple(1 + i / 20 for i in range(40))
    covers = FaceCovers(200, 100, times, tuple((Cover(i, 10, 20, 20),) for i in range(40)), (), 1, 20)
    box = CoverBox(0.5, 0.5, 0.25, 0.5, Fraction(3, 2), Fraction(2))
    src = VideoSource(Path("walk.mp4"), Fraction(1), "cover", 200, 100, False, end=Fraction(3), speed=Fraction(2),
                      anonymise=Anonymise("blur", (box,)))
    rects, clock = anonymising.frame_rects(src, src.anonymise, Fraction(10), 10, covers)
    assert clock == tuple(1 + Fraction(k, 5) for k in range(10))  # frame k shows the footage at 1 + k·2/10 s
    for k, frame in enumerate(rects):
        shown = 4 * k  # the source frame at that moment
        faces = {r for r in frame if r[1] == 10}
        assert (shown, 10, 20, 20) in faces and all(abs(x - shown) <= 4 for x, *_ in faces), (k, faces)
        # the box: on every frame whose span of footage [t, t + 2/10 s) meets its [from, to)
        assert ((100, 50, 50, 50) in frame) == (clock[k] + Fraction(1, 5) > Fraction(3, 2) and clock[k] < 2), k
    backwards, back_clock = anonymising.frame_rects(src, src.anonymise, Fraction(10), 10, covers, backwards=True)
    assert backwards == rects[::-1] and back_clock == clock[::-1]


def test_an_animated_gif_layer_is_covered(folder: Path, cache: Path, tmp_path: Path) -> None:
    _ffmpeg("-i", str(folder / "face.mp4"), "-t", "1", "-vf", "fps=5", str(folder / "face.gif"))
    film = prepared(folder, "title: Gif\nregion: UK\nscenes:\n  - background: '#203040'\n    duration: 2s\n"
                    "    layers:\n      - {image: face.gif, position: full, anonymise: {face: box}}\n", "gif.yaml")
    [layer] = film.timeline.layers
    assert isinstance(layer.source, VideoSource) and layer.source.anonymise is not None  # footage that loops
    still = render_still(film, 1.3, tmp_path / "gif.png")  # its second play
    assert not seen(np.asarray(Image.open(still).convert("RGB")))
    shown = prepared(folder, (folder / "gif.yaml").read_text().replace(", anonymise: {face: box}", ""), "shown.yaml")
    assert seen(np.asarray(Image.open(render_still(shown, 1.3, tmp_path / "shown.png")).convert("RGB")))
