"""Face detection and tracking (issue 16 §2, §3): the detector, the tracker's hold / extend / pad /
unsure rules, the cache, bad input, and a fixture clip of real faces where every face-frame must be
covered (tests/face_factory.py makes it at test time from scikit-image's sample faces)."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

pytest.importorskip("skimage", reason="the face fixtures are scikit-image's sample pictures (the test extra)")

import face_factory as ff

from toolkit.errors import ProbeError
from toolkit.media import face_tracks, faces
from toolkit.media.face_tracks import (
    EXTEND_S,
    HOLD_S,
    PAD_BOTTOM,
    PAD_SIDE,
    PAD_TOP,
    Cover,
    FaceCovers,
    Unsure,
    covers_from_detections,
    find_faces,
    find_faces_in_picture,
)
from toolkit.media.faces import FaceBox, detect_faces

FPS = 24


def _times(n: int) -> list[float]:
    return [i / FPS for i in range(n)]


def _box(x: float = 100, y: float = 100, w: float = 40, h: float = 50, score: float = 0.9) -> FaceBox:
    return FaceBox(x, y, w, h, score)


def _contains(cover: Cover, x0: float, y0: float, x1: float, y1: float) -> bool:
    return cover.x <= x0 and cover.y <= y0 and cover.x + cover.w >= x1 and cover.y + cover.h >= y1


# --- the detector ---------------------------------------------------------------------------------

def test_detect_faces_finds_the_marked_faces_and_nothing_on_a_face_free_picture() -> None:
    famous = ff.famous_faces()
    for name in ("astronaut", "camera"):
        face = famous[name]
        found = detect_faces(face.rgb)
        assert len(found) == 1, (name, found)
        x, y, w, h = face.region
        got = found[0]
        inter = max(0, min(x + w, got.x + got.w) - max(x, got.x)) * max(0, min(y + h, got.y + got.h) - max(y, got.y))
        assert inter / (w * h) > 0.5, (name, got)
        assert faces.THRESHOLD < got.score <= 1
    assert detect_faces(ff.background("brick", 360, 640), threshold=faces.COVER_THRESHOLD) == []


def test_detect_faces_refuses_what_is_not_an_rgb_picture() -> None:
    with pytest.raises(ValueError, match=r"H×W×3 uint8 RGB array, got float64 \(4, 4, 3\)"):
        detect_faces(np.zeros((4, 4, 3)))
    with pytest.raises(ValueError, match=r"got uint8 \(4, 4\)"):
        detect_faces(np.zeros((4, 4), np.uint8))


def test_importing_does_no_work_and_the_session_is_made_once() -> None:
    import subprocess
    import sys

    code = ("import sys, toolkit.media.faces as f, toolkit.media.face_tracks; "
            "assert f._SESSION is None and 'onnxruntime' not in sys.modules; "
            "import numpy as np; f.detect_faces(np.zeros((8, 8, 3), np.uint8)); s = f._SESSION; "
            "f.detect_faces(np.zeros((8, 8, 3), np.uint8)); assert s is not None and f._SESSION is s")
    subprocess.run([sys.executable, "-c", code], check=True, timeout=120)


def test_a_model_file_that_is_not_the_vendored_one_is_a_reel_error(monkeypatch) -> None:
    from toolkit.errors import ReelError

    monkeypatch.setattr(faces, "_SESSION", None)
    monkeypatch.setattr(faces, "MODEL_SHA256", "0" * 64)
    with pytest.raises(ReelError, match=r"models/centerface\.onnx is not the vendored model"):
        detect_faces(np.zeros((8, 8, 3), np.uint8))


def test_model_id_and_limits_are_stated() -> None:
    assert faces.MODEL_ID.startswith("centerface-1+e50c58b64599")
    assert faces.MIN_FACE_PX == faces.min_face_px(1080, 1920) == faces.min_face_px(1920, 1080)
    assert faces.min_face_px(360, 640) < faces.MIN_FACE_PX < faces.min_face_px(2160, 3840)


# --- the fixture clip: every face-frame covered -----------------------------------------------------

@pytest.fixture(scope="module")
def fixture_clip(tmp_path_factory):
    """16 frames at 180×320 (upscaled to the analysis size): the astronaut zooming in while she moves
    and turns, and a dark-toned LFW face, mirrored, crossing the other way."""
    famous = ff.famous_faces()
    motions = (
        ff.Motion(famous["astronaut"], (0.35, 0.3), (0.6, 0.45), (40, 70), (-8, 10)),
        ff.Motion(ff.lfw_face(7, ff.MONK[8]), (0.75, 0.75), (0.3, 0.7), (34, 28), (6, -6), mirror=True),
    )
    path = tmp_path_factory.mktemp("faces") / "two faces.mp4"
    return ff.make_clip(path, motions, width=180, height=320, frames=16, fps=FPS, backdrop="coffee")


def test_every_face_frame_of_the_fixture_clip_is_covered(fixture_clip, tmp_path) -> None:
    found = find_faces(fixture_clip.path, 0, 10, cache_dir=tmp_path)
    assert (found.width, found.height) == (180, 320)
    assert len(found.times) == 16 and found.times[0] == pytest.approx(0) and found.times[-1] == pytest.approx(15 / FPS)
    uncovered = [(i, m) for i, (masks, covers) in enumerate(zip(fixture_clip.truth, found.covers, strict=True))
                 for m, hit in enumerate(ff.covered(masks, covers, 180, 320, 0.95)) if not hit]
    assert uncovered == [], f"face-frames not covered (frame, face): {uncovered}"
    assert found.tracks == 2
    assert found.smallest is not None and found.smallest >= 20


def test_footage_recorded_on_its_side_is_covered_as_it_is_shown(tmp_path) -> None:
    """A phone clip stored landscape with a display rotation: covers are in the upright picture."""
    import media_factory as mf

    famous = ff.famous_faces()
    motions = (ff.Motion(famous["astronaut"], (0.4, 0.35), (0.6, 0.6), (50, 70), (5, -5)),)
    side = ff.make_clip(tmp_path / "side.mp4", motions, width=180, height=320, frames=8, fps=FPS,
                        backdrop="grass", stored_turns=1)
    shown = mf.rotate(side.path, tmp_path / "phone.mp4", -90)
    found = find_faces(shown, 0, 10, cache_dir=tmp_path / "cache")
    assert (found.width, found.height) == (180, 320)
    uncovered = [i for i, (masks, covers) in enumerate(zip(side.truth, found.covers, strict=True))
                 if not all(ff.covered(masks, covers, 180, 320, 0.95))]
    assert uncovered == [] and found.tracks == 1


def test_a_trim_further_in_seeks_and_sees_the_same_frames(tmp_path) -> None:
    famous = ff.famous_faces()
    motions = (ff.Motion(famous["astronaut"], (0.3, 0.3), (0.7, 0.6), (50, 60)),)
    clip = ff.make_clip(tmp_path / "long.mp4", motions, width=180, height=320, frames=40, fps=12, backdrop="coffee")
    assert face_tracks._SEEK_FROM_S <= 2.5
    whole = find_faces(clip.path, 0, 10, cache_dir=tmp_path / "cache")
    late = find_faces(clip.path, 2.5, 3.0, cache_dir=tmp_path / "cache")
    assert [round(t * 12) for t in late.times] == [30, 31, 32, 33, 34, 35]
    assert late.times == whole.times[30:36] and late.covers == whole.covers[30:36]


def test_a_range_analyses_only_its_frames(fixture_clip, tmp_path) -> None:
    found = find_faces(fixture_clip.path, 4 / FPS, 8 / FPS, cache_dir=tmp_path)
    assert [round(t * FPS) for t in found.times] == [4, 5, 6, 7]
    assert all(found.covers)


# --- tracking rules on made-up detections -----------------------------------------------------------

def test_padding_grows_the_box_on_every_side_and_stops_at_the_picture() -> None:
    got = covers_from_detections(640, 360, [0.0], [[_box(100, 100, 40, 50), _box(0, 300, 40, 50)]])
    middle, edge = sorted(got.covers[0], key=lambda c: c.y)
    assert middle == Cover(math.floor(100 - PAD_SIDE * 40), math.floor(100 - PAD_TOP * 50),
                           middle.w, middle.h)
    assert middle.x + middle.w == math.ceil(140 + PAD_SIDE * 40)
    assert middle.y + middle.h == math.ceil(150 + PAD_BOTTOM * 50)
    assert edge.x == 0 and edge.y + edge.h == 360  # clipped at the left and bottom edges
    assert got.smallest == 40 and got.tracks == 2


def test_a_short_gap_is_held_with_the_box_moving_between_its_ends_and_reported_unsure() -> None:
    n = 14
    found = [[_box(100 + 5 * i, 100)] if i not in (5, 6, 7, 8) else [] for i in range(n)]
    got = covers_from_detections(640, 360, _times(n), found)
    assert got.tracks == 1
    for i in (5, 6, 7, 8):
        (cover,) = got.covers[i]
        assert _contains(cover, 100 + 5 * i, 100, 140 + 5 * i, 150)
    assert Unsure(round(5 / FPS, 6), round(9 / FPS, 6), "held across a detection gap") in got.unsure


def test_a_face_lost_every_few_frames_is_one_unsure_span() -> None:
    n = 48
    found = [[] if i % 6 == 3 else [_box()] for i in range(n)]  # missed at 3, 9, 15 … 45
    got = covers_from_detections(640, 360, _times(n), found)
    assert all(got.covers) and got.tracks == 1
    assert got.unsure == (Unsure(round(3 / FPS, 6), round(46 / FPS, 6), "held across a detection gap"),)


def test_a_gap_longer_than_the_hold_splits_the_track_and_is_not_bridged() -> None:
    gap = math.ceil((HOLD_S + 0.1) * FPS)
    n = 4 + gap + 4
    found = [[_box()] if i < 4 or i >= 4 + gap else [] for i in range(n)]
    got = covers_from_detections(640, 360, _times(n), found)
    assert got.tracks == 2
    middle = 4 + gap // 2
    assert got.covers[middle] == ()
    assert not any(u.why == "held across a detection gap" for u in got.unsure)


def test_tracks_are_extended_before_their_first_and_after_their_last_detection() -> None:
    n = 40
    found = [[_box()] if 15 <= i <= 20 else [] for i in range(n)]
    got = covers_from_detections(640, 360, _times(n), found)
    reach = math.floor(EXTEND_S * FPS + 1e-6)
    covered = [i for i in range(n) if got.covers[i]]
    assert covered == list(range(15 - reach, 20 + reach + 1))


def test_the_extension_follows_the_motion_as_well_as_the_last_place_seen() -> None:
    n = 20
    found = [[_box(100 + 10 * i, 100)] if i <= 10 else [] for i in range(n)]
    got = covers_from_detections(640, 360, _times(n), found)
    after = got.covers[12]  # two frames after the last detection, the face would be at x = 220
    assert any(_contains(c, 220, 100, 260, 150) for c in after)
    assert any(_contains(c, 200, 100, 240, 150) for c in after)


def test_weak_detections_and_jumps_are_unsure() -> None:
    weak = faces.COVER_THRESHOLD + 0.05
    found = [[_box(score=weak if i == 2 else 0.9)] for i in range(4)]
    got = covers_from_detections(640, 360, _times(4), found)
    assert got.unsure == (Unsure(round(2 / FPS, 6), round(3 / FPS, 6), "low score"),)
    jump = [[_box(100, 100)], [_box(135, 100)]]  # 35 px = 0.7 face sizes in one frame
    got = covers_from_detections(640, 360, _times(2), jump)
    assert got.tracks == 1 and {u.why for u in got.unsure} == {"fast move"}


def test_detections_below_the_threshold_are_dropped() -> None:
    got = covers_from_detections(640, 360, [0.0], [[_box(score=faces.COVER_THRESHOLD - 0.01)]])
    assert got.covers == ((),) and got.tracks == 0 and got.smallest is None


def test_at_unites_the_frames_in_the_span_or_takes_the_nearest() -> None:
    a, b = Cover(0, 0, 10, 10), Cover(5, 5, 10, 10)
    covers = FaceCovers(100, 100, (0.0, 0.1, 0.2), ((a,), (b,), ()), (), 1, 10)
    assert covers.at(0.0, 0.1) == (a, b)
    assert covers.at(0.04, 0.06) == (a, b)  # between frames: both neighbours
    assert covers.at(0.15, 0.18) == (b,)
    assert covers.at(0.15, 0.3) == ()
    assert covers.at(5, 6) == ()
    assert covers.at(-1, -0.5) == (a,)
    assert FaceCovers(1, 1, (), (), (), 0, None).at(0, 1) == ()


# --- the cache ----------------------------------------------------------------------------------------

def test_the_second_call_reads_the_cache_and_a_changed_file_is_analysed_again(tmp_path, monkeypatch) -> None:
    famous = ff.famous_faces()
    motion = (ff.Motion(famous["astronaut"], (0.5, 0.5), (0.5, 0.5), (60, 60)),)
    path = tmp_path / "clip.mp4"
    ff.make_clip(path, motion, width=180, height=320, frames=3, backdrop="grass")
    cache = tmp_path / "cache"
    first = find_faces(path, 0, 1, cache_dir=cache)
    saved = [p for p in cache.glob("faces-*.json")]
    assert len(saved) == 1 and json.loads(saved[0].read_text())["tracks"] == 1

    calls = []
    monkeypatch.setattr(face_tracks, "detect_faces", lambda rgb, threshold: calls.append(1) or [])
    assert find_faces(path, 0, 1, cache_dir=cache) == first and calls == []
    assert find_faces(path, 0, 2 / FPS, cache_dir=cache).times == first.times[:2]  # another range: analysed
    assert len(calls) == 2
    ff.make_clip(path, motion, width=180, height=320, frames=3, backdrop="brick")  # new content, same name
    again = find_faces(path, 0, 1, cache_dir=cache)
    assert len(calls) == 5 and again.tracks == 0


# --- pictures and bad input ---------------------------------------------------------------------------

def test_a_picture_is_read_upright_as_its_exif_orientation_says(tmp_path) -> None:
    from PIL import Image

    face = ff.famous_faces()["astronaut"]
    path = tmp_path / "turned.jpg"
    exif = Image.Exif()
    exif[0x0112] = 6  # shown turned 90° clockwise: the stored picture lies on its side
    Image.fromarray(np.rot90(face.rgb, k=1)).save(path, exif=exif, quality=95)
    got = find_faces_in_picture(path, cache_dir=tmp_path / "cache")
    h, w = face.rgb.shape[:2]
    assert (got.width, got.height) == (w, h) and got.times == (0.0,)
    x, y, fw, fh = face.region
    (cover,) = got.covers[0]
    assert _contains(cover, x + 0.1 * fw, y + 0.1 * fh, x + 0.9 * fw, y + 0.9 * fh)


@pytest.mark.parametrize(("content", "reason"), [
    (b"", "the file is empty (0 bytes), not a video"),
    (b"this is not a video\n" * 20, "not a readable"),
])
def test_bad_footage_is_a_probe_error_naming_the_file(tmp_path, content, reason) -> None:
    path = tmp_path / "sam interview.mp4"
    path.write_bytes(content)
    with pytest.raises(ProbeError) as caught:
        find_faces(path, 0, 1, cache_dir=tmp_path / "cache")
    assert str(path) in str(caught.value) and reason in str(caught.value)


def test_edge_ranges_and_an_unwritable_cache(fixture_clip, tmp_path) -> None:
    from toolkit.errors import ReelError

    past = find_faces(fixture_clip.path, 30, 40, cache_dir=tmp_path / "a")
    assert (past.times, past.covers, past.tracks, past.smallest) == ((), (), 0, None)
    assert past.at(30, 31) == ()
    blocked = tmp_path / "blocked"
    blocked.write_text("a file where the cache folder should be")
    with pytest.raises(ReelError, match=r"blocked.*cannot write the face-detection cache"):
        find_faces(fixture_clip.path, 0, 1, cache_dir=blocked)


def test_missing_footage_and_bad_pictures_name_the_file(tmp_path) -> None:
    with pytest.raises(ProbeError, match=r"gone\.mp4: file not found"):
        find_faces(tmp_path / "gone.mp4", 0, 1, cache_dir=tmp_path)
    picture = tmp_path / "portrait.png"
    picture.write_bytes(b"not a png")
    with pytest.raises(ProbeError, match=r"portrait\.png: not a readable picture"):
        find_faces_in_picture(picture, cache_dir=tmp_path)
    still = tmp_path / "still.png"
    from PIL import Image

    Image.new("RGB", (32, 32)).save(still)
    with pytest.raises(ProbeError, match=r"still\.png: has no moving video"):
        find_faces(still, 0, 1, cache_dir=tmp_path)
