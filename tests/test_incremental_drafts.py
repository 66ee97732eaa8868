"""Drafts in pieces: after an edit only the pieces it touches are rendered again, the rest come
from the cache (`toolkit.film.run.draft_pieces`, `toolkit.film.draft_cache`)."""

from __future__ import annotations

import os
import shutil
import subprocess
import sys
from pathlib import Path

import av
import media_factory as mf
import numpy as np
import pytest

from toolkit.errors import PolicyError
from toolkit.film import draft_cache
from toolkit.film.compile.draft_pieces import keyint
from toolkit.film.pipeline import DRAFT_WIDTH, prepare
from toolkit.film.render import render_film
from toolkit.film.run import draft_pieces
from toolkit.film.steps import plan_render
from toolkit.media.frames import iter_frames

pytestmark = pytest.mark.render

SCENES = ("  - background: clip.mp4\n    duration: 2s\n    captions: The first words.\n"
          "  - background: '#e76f51'\n    duration: 2s\n    captions: A second thought.\n"
          "  - background: '#264653'\n    duration: 2s\n    transition: fade\n    captions: CHANGE_ME\n"
          "  - background: '#2a9d8f'\n    duration: 2s\n    captions: The last line.\n")


@pytest.fixture(scope="session")
def drafted(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, list[str]]:
    """A folder holding the test film, its draft and a cache filled by that cold draft (rendered
    once per session), and the stages that cold draft ran."""
    folder = tmp_path_factory.mktemp("drafted")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("REEL_CACHE", str(folder / "cache"))
        stages = _counting(patch)
        _draft(_film(folder), folder / "film.draft.mp4")
    return folder, stages


@pytest.fixture()
def warm(tmp_path: Path, drafted: tuple[Path, list[str]], monkeypatch: pytest.MonkeyPatch) -> Path:
    """This test's own copy of the drafted folder (film, draft and cache); returns the storyboard."""
    shutil.copytree(drafted[0], tmp_path, dirs_exist_ok=True)
    monkeypatch.setenv("REEL_CACHE", str(tmp_path / "cache"))
    return tmp_path / "film.yaml"


@pytest.fixture()
def rendered(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """The stages the draft runner starts ffmpeg for ("render (piece 2 of 5)", "render (join)", …)."""
    return _counting(monkeypatch)


def _counting(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    stages: list[str] = []
    real = draft_pieces.run_ffmpeg

    def counting(argv, *, stage: str, **kwargs):
        stages.append(stage)
        return real(argv, stage=stage, **kwargs)

    monkeypatch.setattr(draft_pieces, "run_ffmpeg", counting)
    return stages


def _film(folder: Path, caption: str = "Third, before the edit.") -> Path:
    if not (folder / "clip.mp4").exists():
        mf.make_video(folder / "clip.mp4", seconds=2.5)
    path = folder / "film.yaml"
    path.write_text("title: Pieces\nregion: IE\nscenes:\n" + SCENES.replace("CHANGE_ME", caption), encoding="utf-8")
    return path


def _draft(storyboard: Path, output: Path):
    return render_film(prepare(storyboard, width=DRAFT_WIDTH), output, draft=True, force=True)


def _pieces_made(stages: list[str]) -> set[int]:
    return {int(s.split("piece ")[1].split(" of")[0]) for s in stages if "(piece " in s}


def _listed(storyboard: Path, output: Path) -> tuple[set[int], set[int]]:
    """What `reel render --draft --dry-run` lists: the pieces to render, and those reused."""
    text = plan_render(prepare(storyboard, width=DRAFT_WIDTH), output, draft=True).shell()
    rows = [line for line in text.splitlines() if line.startswith("#   piece ")]
    number = lambda line: int(line.split()[2])  # noqa: E731
    return ({number(r) for r in rows if r.endswith("to render")}, {number(r) for r in rows if "reused" in r})


def _frames(path: Path) -> np.ndarray:
    return np.stack([f.rgb.astype(np.int16) for f in iter_frames(path, width=108)])


def test_editing_one_caption_renders_only_the_pieces_that_show_it(warm: Path, drafted: tuple[Path, list[str]],
                                                                   rendered: list[str]) -> None:
    storyboard, folder = warm, warm.parent
    out = folder / "film.draft.mp4"
    total = len(draft_pieces.draft_pieces(prepare(storyboard, width=DRAFT_WIDTH).timeline))
    assert _pieces_made(drafted[1]) == set(range(1, total + 1)) and total >= 4  # the cold draft made them all

    _film(folder, "Third, after the edit.")
    prepared = prepare(storyboard, width=DRAFT_WIDTH)
    [edited] = [o for o in prepared.timeline.overlays if "after the edit" in str(o)]
    showing = {n for n, piece in enumerate(draft_pieces.draft_pieces(prepared.timeline), start=1)
               if piece.start < edited.end and piece.end > edited.start}
    assert showing and len(showing) < total
    assert _listed(storyboard, out) == (showing, set(range(1, total + 1)) - showing)  # what --dry-run lists

    result = _draft(storyboard, out)
    assert _pieces_made(rendered) == showing
    assert "render (sound)" not in rendered  # the sound did not change: reused too
    joins = len({n for n in showing if n > 1} | {n + 1 for n in showing if n < total})
    assert result.flash_scope == (f"{len(showing)} of {total} pieces and {joins} of {total - 1} joins checked; "
                                  "the rest passed in an earlier draft")

    # keyframes: every piece starts with one, and inside a piece they fall every GOP
    with av.open(str(out)) as container:
        stream = container.streams.video[0]
        keys = sorted(round(p.pts * stream.time_base * result.verify.fps) for p in container.demux(stream)
                      if p.is_keyframe and p.pts is not None)
    made = draft_pieces.draft_pieces(result.timeline)
    assert {p.start for p in made} <= set(keys)
    assert all((k - max(p.start for p in made if p.start <= k)) % keyint(result.timeline) == 0 for k in keys)

    # the joined film shows what a cold draft of the edited storyboard shows
    cold = folder / "cold.draft.mp4"
    os.environ["REEL_CACHE"] = str(folder / "cold-cache")
    _draft(storyboard, cold)
    warm_frames, cold_frames = _frames(out), _frames(cold)
    assert warm_frames.shape == cold_frames.shape
    assert float(np.abs(warm_frames - cold_frames).mean()) < 1.0


def test_new_footage_or_a_damaged_piece_is_rendered_again(warm: Path, rendered: list[str]) -> None:
    storyboard, folder = warm, warm.parent
    out = folder / "film.draft.mp4"
    mf.ffmpeg("-f", "lavfi", "-i", "color=c=0x884422:s=216x384:r=30:d=2.5", "-f", "lavfi", "-i",
              "sine=f=330:d=2.5:r=48000", "-c:a", "aac", "-c:v", "libx264", "-preset", "ultrafast", "-pix_fmt",
              "yuv420p", str(folder / "clip.mp4"))  # same name, other pictures and sound
    result = _draft(storyboard, out)
    first = result.timeline.segments[0]
    showing = {n for n, piece in enumerate(draft_pieces.draft_pieces(result.timeline), start=1)
               if piece.start < first.end}
    assert _pieces_made(rendered) == showing == {1}
    assert "render (sound)" in rendered  # the clip's sound is in the mix

    plan = plan_render(prepare(storyboard, width=DRAFT_WIDTH), out, draft=True).render.in_pieces(None)
    assert all(p.cached for p in plan.pieces)
    damaged = plan.pieces[1].path  # truncated: its size no longer matches its record
    damaged.write_bytes(damaged.read_bytes()[: damaged.stat().st_size // 2])
    flipped = plan.pieces[2].path  # same size, one byte changed: only the digest tells
    data = bytearray(flipped.read_bytes())
    data[len(data) // 2] ^= 0xFF
    flipped.write_bytes(bytes(data))
    rendered.clear()
    result = _draft(storyboard, out)
    assert _pieces_made(rendered) == {2, 3}
    assert draft_cache.is_valid(damaged, plan.pieces[1].piece.frames)
    assert draft_cache.is_valid(flipped, plan.pieces[2].piece.frames)
    assert result.verify.frames == result.timeline.frames


def test_two_drafts_at_once_share_the_cache(warm: Path) -> None:
    storyboard, folder = warm, warm.parent
    _film(folder, "Both drafts render this piece at the same time.")
    outputs = [folder / "one.draft.mp4", folder / "two.draft.mp4"]
    reel = Path(sys.executable).with_name("reel")
    runs = [subprocess.Popen([str(reel), "render", str(storyboard), "--draft", "-q", "-o", str(out)],
                             stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True) for out in outputs]
    logs = [run.communicate(timeout=180)[0] for run in runs]
    assert [run.returncode for run in runs] == [0, 0], logs
    one, two = _frames(outputs[0]), _frames(outputs[1])
    assert one.shape == two.shape and float(np.abs(one - two).mean()) < 1.0
    cache = folder / "cache" / "reel" / "drafts"
    assert not [p.name for p in cache.iterdir() if ".reel-tmp-" in p.name]  # no temporary file left
    plan = plan_render(prepare(storyboard, width=DRAFT_WIDTH), outputs[0], draft=True).render
    assert all(p.cached for p in plan.in_pieces(None, check=True).pieces)


def test_a_flashing_edit_is_refused_every_time(warm: Path, rendered: list[str]) -> None:
    storyboard, folder = warm, warm.parent
    out = folder / "film.draft.mp4"
    before = out.read_bytes()
    mf.ffmpeg("-f", "lavfi", "-i", "color=c=black:s=216x384:r=30:d=2", "-vf",
              "format=rgb24,geq=r='255*mod(floor(N*10/30)\\,2)':g='255*mod(floor(N*10/30)\\,2)':"
              "b='255*mod(floor(N*10/30)\\,2)',format=yuv420p", "-c:v", "libx264", "-preset", "ultrafast",
              str(folder / "strobe.mp4"))
    storyboard.write_text(storyboard.read_text(encoding="utf-8").replace("'#e76f51'", "strobe.mp4"),
                          encoding="utf-8")
    line = 1 + storyboard.read_text(encoding="utf-8").splitlines().index("  - background: strobe.mp4")
    for _ in range(2):  # the flashing pieces are cached after the first refusal, but never passed the gate
        rendered.clear()
        with pytest.raises(PolicyError) as refused:
            _draft(storyboard, out)
        assert "WCAG 2.3.1" in str(refused.value)
        for issue in refused.value.issues:
            assert "general flashing from" in issue.message
            assert issue.file == storyboard and issue.path.startswith("scenes[1]") and issue.line == line
        assert out.read_bytes() == before
    assert not _pieces_made(rendered)  # the second time every piece came from the cache, and was read again


@pytest.mark.parametrize("fade", [0, 6])
def test_pieces_cover_every_frame_once_on_the_gop_grid_and_never_cut_a_transition(fade: int) -> None:
    from toolkit.film.plan.timeline import ColorSource, Transition

    way_in = Transition("fade", fade) if fade else Transition("cut", 0)
    # 10 fps: a GOP is 20 frames, a piece 40; the fades straddle the grid lines at 40 and 80
    timeline = mf.timeline([(ColorSource("#203040"), 43, Transition("cut", 0)),
                            (ColorSource("#405060"), 40, way_in), (ColorSource("#605040"), 30, way_in)],
                           end_frames=50)
    made = draft_pieces.draft_pieces(timeline)
    assert [p.start for p in made] == [0, *(p.end for p in made[:-1])] and made[-1].end == timeline.frames
    assert all(part.start == p.start + sum(q.length for q in p.parts[:i])
               for p in made for i, part in enumerate(p.parts))
    transitions = [(s.start, s.start + s.transition_in.frames) for s in timeline.segments if s.transition_in.frames]
    assert not any(a < p.start < b for p in made for a, b in transitions)  # no piece starts inside a fade
    step = 2 * keyint(timeline)
    assert all(p.start % step == 0 or any(a < p.start - 0 <= b for a, b in transitions) for p in made)
    assert all(p.frames <= step + fade for p in made)  # a transition carries a piece over a grid line, no further
    if not fade:
        assert [p.start for p in made] == list(range(0, timeline.frames, step))


def test_a_draft_prunes_the_cache_to_its_budget_and_keeps_its_own_pieces(warm: Path, rendered: list[str],
                                                                          monkeypatch: pytest.MonkeyPatch) -> None:
    storyboard, folder = warm, warm.parent
    before = _frames(folder / "film.draft.mp4")  # the cold draft of the first caption
    cache = folder / "cache" / "reel" / "drafts"
    first = {p.name for p in cache.glob("piece-*")}
    monkeypatch.setenv("REEL_DRAFT_CACHE_SIZE", "1")  # smaller than any film: only the draft's own stay
    _film(folder, "Third, after the edit.")
    out = folder / "film.draft.mp4"
    _draft(storyboard, out)
    plan = plan_render(prepare(storyboard, width=DRAFT_WIDTH), out, draft=True).render.in_pieces(None, check=True)
    assert all(p.cached for p in plan.pieces)  # every piece of this draft was kept, whole and valid
    own = {p.path.name for p in plan.pieces} | {p.path.with_suffix(s).name for p in plan.pieces
                                                for s in (".json", ".gated")}
    sound = {p.stem for p in cache.glob("piece-*.m4a")}
    left = {p.name for p in cache.glob("piece-*")}
    assert len(sound) == 1  # the draft's own sound (planned here without its gain: another key)
    assert {n for n in left if n.split(".")[0] not in sound} == own  # the first caption's pieces were pruned
    assert first - left  # …and there were some
    assert not [p.name for p in cache.iterdir() if p.name.startswith((".claims", "list-", "join-"))
                and p.name != plan.listing.name]

    rendered.clear()
    _film(folder)  # back to the first caption: its pieces are rendered again, and show what they showed
    _draft(storyboard, out)
    assert _pieces_made(rendered)
    after = _frames(out)
    assert after.shape == before.shape and float(np.abs(after - before).mean()) < 1.0


def test_a_piece_removed_before_the_draft_claims_it_is_rendered_again(warm: Path) -> None:
    storyboard = warm
    plan = plan_render(prepare(storyboard, width=DRAFT_WIDTH), warm.parent / "x.draft.mp4",
                       draft=True).render.in_pieces(None, check=True)
    assert all(p.cached for p in plan.pieces)
    plan.pieces[1].path.with_suffix(".json").unlink()  # as a prune by another draft would, record first
    with draft_pieces.holding(plan) as held:
        assert [p.cached for p in held.pieces] == [n != 1 for n in range(len(plan.pieces))]
        assert held.sound_cached == plan.sound_cached
    assert plan.pieces[0].path.exists()  # within the default budget: nothing pruned


@pytest.mark.parametrize("failure", ["ffmpeg", "interrupt"])
def test_a_piece_that_fails_stops_the_others_and_leaves_nothing_half_made(warm: Path, failure: str,
                                                                         monkeypatch: pytest.MonkeyPatch) -> None:
    """Pieces render two at a time: the first failure is the one raised, the piece beside it is
    stopped, and no temporary file or unrecorded piece is left."""
    from toolkit.errors import RenderError

    storyboard, folder = warm, warm.parent
    cache = folder / "cache" / "reel" / "drafts"
    for record in cache.glob("piece-*.json"):
        record.unlink()  # every piece (and the sound) is to render again
    real, started = draft_pieces.run_ffmpeg, []

    def failing(argv, *, stage: str, **kwargs):
        started.append(stage)
        if stage == "render (piece 2 of 5)":
            if failure == "interrupt":
                raise KeyboardInterrupt
            raise RenderError(stage, "ffmpeg exited with code 1", argv)
        return real(argv, stage=stage, **kwargs)

    monkeypatch.setattr(draft_pieces, "run_ffmpeg", failing)
    with pytest.raises(KeyboardInterrupt if failure == "interrupt" else RenderError) as caught:
        _draft(storyboard, folder / "film.draft.mp4")
    if failure == "ffmpeg":
        assert str(caught.value) == "render (piece 2 of 5): ffmpeg exited with code 1"
    assert "render (join)" not in started and len(started) < 6  # the queued pieces never started
    assert not [p.name for p in cache.iterdir() if ".reel-tmp-" in p.name]
    for piece in cache.glob("piece-*.mp4"):  # a piece kept is a whole one
        meta = draft_cache.recorded(piece)
        assert meta is None or draft_cache.is_valid(piece, meta["frames"])
