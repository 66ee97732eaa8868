"""One list of render steps: what `reel render --dry-run` prints is what `render_film` runs.

Each test renders a small film for real with the runner's spawn function watched, and compares
every ffmpeg argv it was given with the commands the dry-run printed (parsed back from its
shell text): the same commands in the same order, the only difference being that a command's
output is first written under a temporary name beside its place. Finals and drafts (whose
render reads proxies, made by the commands the dry-run lists), silent and with sound.
"""

from __future__ import annotations

import shlex
from fractions import Fraction
from pathlib import Path

import media_factory as mf
import pytest

import toolkit.film.run.runner as runner_module
from toolkit.cli import cli
from toolkit.film.compile.draft_pieces import draft_pieces
from toolkit.film.compile.output import FFMPEG
from toolkit.film.pipeline import DRAFT_WIDTH, prepare
from toolkit.film.render import render_film
from toolkit.film.steps import (
    GATES,
    SHOWN_TAP,
    CardReadBack,
    Check,
    DrawText,
    FlashGate,
    MakeProxies,
    MeasureLoudness,
    Render,
    RenderSteps,
    plan_render,
)

pytestmark = pytest.mark.render

CALM = "title: Steps\nregion: IE\nscenes:\n  - background: '#2a9d8f'\n    duration: 2s\n    captions: A calm caption.\n"


@pytest.fixture(autouse=True)
def _own_cache(tmp_path, monkeypatch) -> None:
    monkeypatch.setenv("REEL_CACHE", str(tmp_path / "cache"))


@pytest.fixture()
def spawned(monkeypatch) -> list[list[str]]:
    """Every command the runner starts, as given to its spawn function (argv[0] made symbolic)."""
    seen: list[list[str]] = []
    start = runner_module._start

    def watch(command, ffmpeg, stage, **kwargs):
        seen.append([FFMPEG, *list(command)[1:]])
        return start(command, ffmpeg, stage, **kwargs)

    monkeypatch.setattr(runner_module, "_start", watch)
    return seen


def printed_commands(text: str) -> list[list[str]]:
    """The commands in dry-run text: every line not starting with `#`; a chunked render's
    `{ a ; b ; } | c` gives a, b, c."""
    commands: list[list[str]] = []
    for line in text.splitlines():
        if line.startswith("#"):
            continue
        current: list[str] = []
        for token in shlex.split(line):
            if token in ("{", "}", ";", "|"):
                if current:
                    commands.append(current)
                current = []
            else:
                current.append(token)
        if current:
            commands.append(current)
    return commands


def _tap_shown(argv: list[str]) -> list[str]:
    """The command with the flash tap's FIFO (a private temporary folder, named when the render runs)
    written as the dry run shows it."""
    return [str(SHOWN_TAP) if Path(a).name == "frames.rgb" and Path(a).parent.name.startswith("reel-flash-")
            else a for a in argv]


def assert_same(ran: list[list[str]], printed: list[list[str]]) -> None:
    """The same commands, in order; where they write may differ only by a temporary name beside it,
    and the flash tap's FIFO by its placeholder."""
    assert len(ran) == len(printed), (len(ran), len(printed))
    for got, shown in zip(map(_tap_shown, ran), printed, strict=True):
        assert len(got) == len(shown), (got, shown)
        for ran_arg, shown_arg in zip(got, shown, strict=True):
            if ran_arg != shown_arg:  # the output (no longer last: the flash tap's output follows it)
                written, planned = Path(ran_arg), Path(shown_arg)
                assert written.parent == planned.parent and written.name.startswith("."), (ran_arg, shown_arg)
                assert planned.stem in written.name and written.suffix == planned.suffix


def storyboard(folder: Path, text: str = CALM) -> Path:
    path = folder / "film.yaml"
    path.write_text(text, encoding="utf-8")
    return path


@pytest.mark.parametrize("draft", [False, True], ids=["final", "draft"])
def test_a_silent_film_runs_exactly_the_printed_commands(tmp_path: Path, spawned, draft: bool) -> None:
    prepared = prepare(storyboard(tmp_path), width=DRAFT_WIDTH)
    out = tmp_path / "film.mp4"
    text = plan_render(prepared, out, draft=draft).shell()
    assert "# step 5 of 8: render" in text or "# step 4 of 7: render" in text
    stages: list[str] = []
    render_film(prepared, out, draft=draft, on_progress=lambda stage, p: stages.append(stage))
    printed = printed_commands(text)
    # no footage to proxy, no sound to measure: the render alone (a draft: its pieces, its silent sound, the join)
    assert len(printed) == (len(draft_pieces(prepared.timeline)) + 2 if draft else 1)
    assert_same(spawned, printed)
    # every step reports its start, in the list's order (what a progress display names)
    assert list(dict.fromkeys(stages)) == [step.name for step in plan_render(prepared, out, draft=draft).steps]


def test_a_draft_makes_the_printed_proxies_and_renders_from_them(tmp_path: Path, spawned) -> None:
    mf.ffmpeg("-f", "lavfi", "-i", "color=c=0x406080:s=320x180:r=30:d=2", "-c:v", "libx264", "-preset",
              "ultrafast", "-pix_fmt", "yuv420p", str(tmp_path / "clip.mp4"))
    sb = storyboard(tmp_path, "title: Clip\nregion: IE\nscenes:\n  - background: clip.mp4\n    duration: 2s\n")
    prepared = prepare(sb, width=DRAFT_WIDTH)
    out = tmp_path / "clip.draft.mp4"
    steps = plan_render(prepared, out, draft=True)
    [proxies] = [s for s in steps.steps if isinstance(s, MakeProxies)]
    assert len(proxies.make) == 1 and not proxies.cached
    text = steps.shell()
    proxy = proxies.make[0].path
    # the render reads the proxy, not the original footage
    assert str(proxy) in printed_commands(text)[1] and str(tmp_path / "clip.mp4") not in text.splitlines()[-4]
    render_film(prepared, out, draft=True)
    assert_same(spawned, printed_commands(text))
    assert proxy.exists()

    # A second draft: the proxy is cached, so only the render runs, and the dry-run says so.
    spawned.clear()
    again = plan_render(prepared, out, draft=True)
    assert next(s for s in again.steps if isinstance(s, MakeProxies)).cached == (proxies.make[0],)
    render_film(prepared, out, draft=True, force=True)
    assert_same(spawned, printed_commands(again.shell()))
    assert len(spawned) == 1


def test_with_sound_the_render_gets_the_measured_gain(tmp_path: Path, spawned) -> None:
    mf.make_tone(tmp_path / "voice.wav", seconds=2, level_db=-24)
    sb = storyboard(tmp_path, CALM.replace("scenes:", "voiceover: voice.wav\nscenes:"))
    prepared = prepare(sb, width=DRAFT_WIDTH)
    out = tmp_path / "sound.mp4"

    final = plan_render(prepared, out)
    assert "shown without the gain" in final.shell()
    result = render_film(prepared, out)
    printed = printed_commands(final.shell())
    # pass 1 exactly as printed; the render as printed once the measured gain is in its audio chain
    assert result.gain is not None and result.gain.limit_db is None
    assert spawned[0] == printed[0] and len(spawned) == 2
    assert_same(spawned[1:], [list(final.render.compile(result.gain, tap=SHOWN_TAP).encoder)])
    assert f"volume={result.gain.gain_db:.2f}dB" in spawned[1][spawned[1].index("-filter_complex") + 1]

    # A draft measures once and keeps the gain; the next draft's dry-run shows its exact command.
    spawned.clear()
    draft_out = tmp_path / "sound.draft.mp4"
    render_film(prepared, draft_out, draft=True)
    # the loudness pass, then the draft's pieces, its sound and the join
    assert len(spawned) == 1 + len(draft_pieces(prepared.timeline)) + 2
    spawned.clear()
    again = plan_render(prepared, draft_out, draft=True)
    loudness = next(s for s in again.steps if isinstance(s, MeasureLoudness))
    assert loudness.known == result.gain and not loudness.needed and "shown without" not in again.shell()
    render_film(prepared, draft_out, draft=True, force=True)
    assert_same(spawned, printed_commands(again.shell()))


def test_reel_render_dry_run_prints_the_list(runner, tmp_path: Path) -> None:
    sb = storyboard(tmp_path)
    out = tmp_path / "never.mp4"
    for flags, width, draft in (([], None, False), (["--draft"], DRAFT_WIDTH, True)):
        result = runner.invoke(cli, ["render", str(sb), "--dry-run", "-o", str(out), *flags])
        assert result.exit_code == 0, result.output
        expected = plan_render(prepare(sb, width=width), out, draft=draft).shell()
        assert result.output.rstrip("\n").endswith(expected)
        assert not out.exists()
    names = [line.split(":")[1].split(" —")[0].strip() for line in result.output.splitlines()
             if line.startswith("# step")]
    assert names == ["text", "proxies", "loudness", "captions", "render", "check", "flash gate", "end card"]


def test_the_checks_cannot_be_left_out(tmp_path: Path) -> None:
    prepared = prepare(storyboard(tmp_path), width=DRAFT_WIDTH, fps=Fraction(30))
    steps = plan_render(prepared, tmp_path / "film.mp4")
    assert tuple(type(s) for s in steps.steps[-3:]) == GATES == (Check, FlashGate, CardReadBack)
    assert isinstance(steps.steps[0], DrawText) and isinstance(steps.steps[-4], Render)
    for cut in (steps.steps[:-1], steps.steps[:-3], (*steps.steps[:-3], *steps.steps[-2:]),
                (*steps.steps[:-4], *steps.steps[-3:], steps.steps[-4])):
        with pytest.raises(ValueError, match="end with its one render, then the check, the flash gate"):
            RenderSteps(tuple(cut), draft=False)


def test_a_clip_that_cannot_be_proxied_is_drafted_from_its_original(tmp_path: Path, spawned, monkeypatch) -> None:
    import toolkit.film.render as render_module

    clip = tmp_path / "clip.mp4"
    mf.ffmpeg("-f", "lavfi", "-i", "color=c=0x406080:s=320x180:r=30:d=2", "-c:v", "libx264", "-preset",
              "ultrafast", "-pix_fmt", "yuv420p", str(clip))
    prepared = prepare(storyboard(tmp_path, "title: Clip\nregion: IE\nscenes:\n  - background: clip.mp4\n"
                                            "    duration: 2s\n"), width=DRAFT_WIDTH)
    out = tmp_path / "clip.draft.mp4"
    planned = plan_render(prepared, out, draft=True)
    # exactly the render the list gives once that proxy is dropped (a draft: its pieces, its sound, the join)
    fallback = [list(argv) for argv in planned.without_proxies(set(planned.steps[1].make)).render.commands()]
    monkeypatch.setattr(render_module, "make_proxy", lambda job, run: False)  # ffmpeg could not proxy it
    render_film(prepared, out, draft=True)
    first, *_others, _sound, _join = spawned  # the first piece shows the clip
    assert str(clip) in first and not any(str(planned.steps[1].make[0].path) in ran for ran in spawned)
    assert_same(spawned, fallback)
