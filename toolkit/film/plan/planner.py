"""Plan: validated storyboard + template + probed media → Timeline. Pure: no I/O, no clocks.

Order of work (each step reads only what earlier steps produced):
1. expand the scene list (generated content-warning slate, template intro/outro, end card);
2. give every segment a length in frames and a start on the output timeline;
3. lay out text (captions, slates, end card, logo) as overlays;
4. place audio cues;
5. check duty-of-care geometry (safe box, contrast) and build the Timeline, whose own
   invariants refuse a film without a final end card.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from fractions import Fraction

from toolkit.care.reading import SECONDS_PER_WORD, count_words
from toolkit.care.warnings import content_warning_text, min_slate_seconds, requires_content_warning
from toolkit.film.plan import anonymise, film_captions, footage, overlays, shape, text_map, text_tracks
from toolkit.film.plan import audio as audio_plan
from toolkit.film.plan import layers as layer_plan
from toolkit.film.plan import music as music_plan
from toolkit.film.plan.entry import Entry
from toolkit.film.plan.inputs import LocIssue, PlanInputs
from toolkit.film.plan.timeline import (
    LOOP_MAX_DECODES,
    LOOP_MEMORY_BYTES,
    AudioMix,
    ColorSource,
    GradientSource,
    ImageSource,
    Segment,
    Source,
    Timeline,
    Transition,
    VideoSource,
    loop_plan,
)
from toolkit.film.spec.base import speed_text
from toolkit.film.spec.models import (
    ColorBackground,
    GradientBackground,
    ImageBackground,
    Scene,
    Slate,
    VideoBackground,
)
from toolkit.film.spec.uses import CONTRIBUTORS_KEY, contributor_ids
from toolkit.geometry import REFERENCE_HEIGHT, REFERENCE_WIDTH


class PlanFailed(Exception):
    """Planning found errors; `issues` says where."""

    def __init__(self, issues: list[LocIssue]) -> None:
        super().__init__(f"{len(issues)} planning problem(s)")
        self.issues = issues


@dataclass(frozen=True)
class PlanResult:
    timeline: Timeline
    warnings: tuple[LocIssue, ...] = ()


def plan(inp: PlanInputs) -> PlanResult:
    """Build the Timeline for `inp`, or raise `PlanFailed` listing every located problem."""
    issues: list[LocIssue] = []
    entries = _expand(inp, issues)
    _lengths(inp, entries, issues)
    _transitions(inp, entries, issues)
    shape.check_total(inp, entries, issues)
    if any(i.severity == "error" for i in issues):
        raise PlanFailed(issues)
    start = 0
    for i, e in enumerate(entries):
        if i:
            start -= entries[i - 1].transition_out.frames
        e.start = start
        start += e.length
    segments = tuple(
        Segment(index=i, kind=e.kind, name=e.name, start=e.start, length=e.length, source=e.source,  # type: ignore[arg-type]
                transition_in=entries[i - 1].transition_out if i else Transition("cut", 0), loc=e.loc)
        for i, e in enumerate(entries)
    )
    film_captions.split(inp, entries, segments, issues)  # the film's own caption track, cut at the scenes
    ovs = overlays.build(inp, entries, segments, issues)
    ovs += text_tracks.build(inp, entries, segments, ovs, issues)  # hooks, lower thirds, texts
    cues = audio_plan.build(inp, entries, segments, issues)
    lays, layer_cues = layer_plan.build(inp, entries, segments, issues)
    layer_plan.check_under_text(lays, ovs, issues)
    cues = [*cues, *layer_cues]
    shape.check_tail(inp, segments, ovs, cues, issues)
    if any(i.severity == "error" for i in issues):
        raise PlanFailed(issues)
    sb = inp.storyboard
    metadata = [("title", sb.title), ("reel_region", sb.region),
                ("reel_helplines", ",".join(inp.end_card.service_ids))]
    shown = contributor_ids(sb)
    if shown:  # ids only: names and consent details never leave the machine inside a film
        metadata.append((CONTRIBUTORS_KEY, ",".join(shown)))
    for ex in sb.reviewed_exceptions:
        metadata.append(("reel_reviewed_exception", f"{ex.rule}: {ex.text!r} — {ex.reason} ({ex.reviewer})"))
    end_len = segments[-1].length
    min_end = _frames(Fraction(str(inp.end_card.min_seconds)), inp) + segments[-1].transition_in.frames
    try:
        timeline = Timeline(
            canvas=inp.canvas, segments=segments, overlays=tuple(ovs), audio=tuple(cues),
            mix=AudioMix(duck_music=music_plan.film_ducks(inp),
                         target_lufs=inp.template.loudness.target, true_peak=inp.template.loudness.true_peak),
            title=sb.title, metadata=tuple(metadata), min_end_card_frames=min(end_len, min_end),
            layers=tuple(lays))
    except ValueError as exc:  # the Timeline's own duty-of-care invariants
        raise PlanFailed([LocIssue(("end_card",), str(exc))]) from None
    # where the film draws its text, so the grader can tell it from text in the footage
    drawn = text_map.encode(text_map.text_map(timeline))
    if drawn is not None:
        timeline = replace(timeline, metadata=(*timeline.metadata, (text_map.TAG_KEY, drawn)))
    else:
        issues.append(LocIssue(("scenes",), f"the film draws too much text to describe in its `{text_map.TAG_KEY}` "
                               "metadata; the grader will judge its text by appearance alone", severity="info"))
    return PlanResult(timeline=timeline, warnings=tuple(issues))


def _frames(seconds: Fraction, inp: PlanInputs) -> int:
    return round(seconds * inp.canvas.fps)


def _expand(inp: PlanInputs, issues: list[LocIssue]) -> list[Entry]:
    sb, tpl = inp.storyboard, inp.template
    bg = tpl.palette.background
    entries: list[Entry] = []
    needs_cw = requires_content_warning(sb.topics)
    cw_positions = [i for i, s in enumerate(sb.scenes) if isinstance(s, Slate) and s.slate == "content-warning"]
    if needs_cw and 0 not in cw_positions:
        if cw_positions:
            issues.append(LocIssue(("scenes", cw_positions[0], "slate"),
                                   "the content-warning slate must be the first scene (duty-of-care rule "
                                   "content-warning-first): move it to the top"))
        else:
            text = content_warning_text(sb.topics)
            entries.append(Entry("slate", "content warning (generated)", ("topics",),
                                 ColorSource(tpl.slates.content_warning.background or bg),
                                 slate_kind="content-warning", slate_text=text))
            issues.append(LocIssue(("topics",), "a content-warning slate was added at the start because the "
                                   "topics include " + ", ".join(sb.topics), severity="info"))
    if inp.intro is not None:
        info = inp.media[inp.intro]
        entries.append(Entry("intro", "intro", ("template",), VideoSource(
            inp.intro, Fraction(0), "cover", info.video.width if info.video else 0,
            info.video.height if info.video else 0, info.has_audio)))
    for i, scene in enumerate(sb.scenes):
        loc: tuple[str | int, ...] = ("scenes", i)
        tr = scene.transition
        transition = Transition("cut", 0) if tr is None or tr.type == "cut" else \
            Transition(tr.type, max(1, tr.duration.to_frames(inp.canvas.fps)))
        if isinstance(scene, Slate):
            look = tpl.slates.for_kind(scene.slate)
            text = scene.text or _slate_default_text(scene.slate, inp)
            entries.append(Entry("slate", scene.slate, loc, ColorSource(scene.background or look.background or bg),
                                 transition_out=transition, slate_kind=scene.slate, slate_text=text))
            continue
        entries.append(Entry("scene", scene.name or f"scene {i + 1}", loc, _source(scene, inp, bg, loc),
                             transition_out=transition, scene=scene))
    if inp.outro is not None:
        info = inp.media[inp.outro]
        entries.append(Entry("outro", "outro", ("template",), VideoSource(
            inp.outro, Fraction(0), "cover", info.video.width if info.video else 0,
            info.video.height if info.video else 0, info.has_audio)))
    entries.append(Entry("end_card", "helpline end card", ("end_card",),
                         ColorSource(sb.end_card.background or tpl.end_card.background or bg)))
    return entries


def _slate_default_text(kind: str, inp: PlanInputs) -> str:
    sb = inp.storyboard
    if kind == "content-warning":
        if requires_content_warning(sb.topics):
            return content_warning_text(sb.topics)
        return "This video talks about mental health. Support details are at the end."
    if kind == "signpost":
        return "If any of this feels familiar, support details are at the end of this video."
    return sb.title


def _source(scene: Scene, inp: PlanInputs, default_bg: str, loc: tuple[str | int, ...] = ()) -> Source:
    bgm = scene.background
    if bgm is None:
        return ColorSource(default_bg)
    if isinstance(bgm, VideoBackground):
        path = inp.asset(bgm.video)
        info = inp.media[path]
        v = info.video
        fps = inp.canvas.fps
        # without `to`, a hold needs the footage's end (the container's length, which validation
        # has checked `from` against; a shorter picture stream holds its last frame)
        # (an anonymised trim is copied with its faces covered before the render: it needs its end too)
        hidden = anonymise.planned(bgm.anonymise, (*loc, "background"), fps)
        end = bgm.to.to_seconds(fps) if bgm.to is not None else (
            Fraction(str(info.duration)) if bgm.hold != "none" or bgm.reverse or hidden else None)
        # a J cut's lead is the start of the trim, heard under the previous scene: the picture skips it
        shift = audio_plan.picture_shift(scene, bgm, fps)
        return VideoSource(path, bgm.from_.to_seconds(fps) + shift, bgm.fit, v.width if v else 0,
                           v.height if v else 0, info.has_audio, end=end, hold=bgm.hold,
                           speed=bgm.speed, reverse=bgm.reverse, focus=bgm.focus, anonymise=hidden)
    if isinstance(bgm, ImageBackground):
        path = inp.asset(bgm.image)
        v = inp.media[path].video
        return ImageSource(path, bgm.fit, bgm.move, v.width if v else 0, v.height if v else 0,
                           anonymise=anonymise.planned(bgm.anonymise, (*loc, "background"), inp.canvas.fps))
    if isinstance(bgm, ColorBackground):
        return ColorSource(bgm.color[:7])
    assert isinstance(bgm, GradientBackground)
    return GradientSource((bgm.gradient[0][:7], bgm.gradient[1][:7]), bgm.direction)


def _lengths(inp: PlanInputs, entries: list[Entry], issues: list[LocIssue]) -> None:
    fps = inp.canvas.fps
    for e in entries:
        if _beyond_platform(inp, e, issues):
            e.length = 1  # reported; nothing further is computed from a length no film can have
            continue
        if e.kind == "slate":
            assert e.slate_text is not None
            minimum = Fraction(str(min_slate_seconds(e.slate_text)))
            given = _slate_duration(inp, e)
            if given is not None and given < minimum:
                issues.append(LocIssue((*e.loc, "duration"), f"a {e.slate_kind} slate with "
                                       f"{count_words(e.slate_text)} words needs at least {float(minimum):g}s "
                                       f"on screen ({float(SECONDS_PER_WORD)} s per word + 1 s, at least 3 s); "
                                       f"it has {shape.say(given)}"))
            e.length = round(max(given or minimum, minimum) * fps)
        elif e.kind in ("intro", "outro"):
            info = inp.media[e.source.path]  # type: ignore[union-attr]
            e.length = max(1, int(Fraction(str(info.duration)) * fps))
        elif e.kind == "scene":
            e.length = _scene_length(inp, e, issues)
        elif e.kind == "end_card":
            e.length = _end_card_length(inp, e, issues)


def _beyond_platform(inp: PlanInputs, e: Entry, issues: list[LocIssue]) -> bool:
    """A written duration (scene, slate or end card) longer than a whole film may be: a located error."""
    fps = inp.canvas.fps
    if e.kind == "end_card":
        given = inp.storyboard.end_card.duration
        return given is not None and shape.too_long(inp, ("end_card", "duration"), given.to_seconds(fps),
                                                    "the end card's duration", issues)
    if e.loc and e.loc[0] == "scenes":
        scene = inp.storyboard.scenes[e.loc[1]]  # type: ignore[index]
        if scene.duration is not None:
            return shape.too_long(inp, (*e.loc, "duration"), scene.duration.to_seconds(fps),
                                  "this duration", issues)
    return False


def _slate_duration(inp: PlanInputs, e: Entry) -> Fraction | None:
    if e.loc and e.loc[0] == "scenes":
        scene = inp.storyboard.scenes[e.loc[1]]  # type: ignore[index]
        if scene.duration is not None:
            return scene.duration.to_seconds(inp.canvas.fps)
    return None


def _scene_length(inp: PlanInputs, e: Entry, issues: list[LocIssue]) -> int:
    scene = e.scene
    assert scene is not None
    fps = inp.canvas.fps
    bg = scene.background
    if scene.duration is not None:
        frames = scene.duration.to_frames(fps)
    elif isinstance(bg, VideoBackground):
        # the trim played at its speed: whole frames that start inside it
        frames = int((footage.trim_end(inp, bg) - bg.from_.to_seconds(fps)) * fps / bg.speed)
        # J and L cuts: the lead and tail of the trim are heard under the neighbours, not seen here
        frames -= audio_plan.lead_frames(scene, fps) + audio_plan.tail_frames(scene, fps)
    elif scene.voiceover is not None:
        frames = audio_plan.voiceover_frames(inp, scene.voiceover)
    elif scene.captions is not None:
        frames = round(overlays.reading_seconds(scene, inp) * fps)
    else:
        issues.append(LocIssue((*e.loc, "duration"), "this scene needs a `duration:` (pictures, colours and "
                               "gradients have no length of their own), e.g. `duration: 4s`"))
        return 1
    if frames < 1:
        issues.append(LocIssue((*e.loc, "duration"), "shorter than one frame (1/30 s)"))
        return 1
    if isinstance(bg, VideoBackground):
        footage.check(inp, e, bg, issues)
        _check_trim(inp, e, bg, frames, issues)
    return frames


def _check_trim(inp: PlanInputs, e: Entry, bg: VideoBackground, frames: int, issues: list[LocIssue]) -> None:
    """A scene longer than its trimmed footage must say what fills the rest (`hold:`)."""
    fps = inp.canvas.fps
    start = bg.from_.to_seconds(fps)
    end = footage.trim_end(inp, bg)
    # Frames k with start + k·speed/fps < end show trimmed footage; without `to` the container's
    # length may run a frame past the picture, hence one frame of slack (the picture's end is held).
    available = footage.trim_frames(inp, bg) - audio_plan.lead_frames(e.scene, fps)  # a lead is not seen
    if bg.hold == "loop" and available and loop_plan(available, 0, frames) is None:
        issues.append(LocIssue((*e.loc, "background", "hold"),
                               f"`hold: loop` would play the {shape.say(Fraction(available) / fps)} trim "
                               f"{-(-frames // available)} times; a loop may hold at most "
                               f"{shape.say(Fraction(_loop_frames_max()) / fps)} of footage in memory, or "
                               f"play a longer trim at most {LOOP_MAX_DECODES} times. Shorten the trim to "
                               f"{shape.say(Fraction(_loop_frames_max()) / fps)} or less, lengthen it to "
                               f"{shape.say(Fraction(-(-frames // LOOP_MAX_DECODES)) / fps)} or more, or "
                               "shorten the scene", code="loop-too-long"))
        return
    if bg.hold != "none" or frames <= available + (0 if bg.to is not None else 1):
        return
    where = (*e.loc, "duration") if e.scene is not None and e.scene.duration is not None \
        else (*e.loc, "background", "to")
    span = f"`from` {shape.say(start)} to `to` {shape.say(end)}" if bg.to is not None \
        else f"from `from` {shape.say(start)} to the end of `{bg.video}`"
    issues.append(LocIssue(where, f"the scene is {shape.say(Fraction(frames) / fps)} but its trimmed footage "
                                  f"({span}) is only {shape.say(max(end - start, Fraction(0)))} long"
                                  + (f", {shape.say(Fraction(available) / fps)} at {speed_text(bg.speed)}"
                                     if bg.speed != 1 else "") + "; "
                                  "footage outside the trim is never shown. Shorten the scene to "
                                  f"{shape.say(Fraction(available) / fps)}, or say what fills the rest under "
                                  "`background:`: `hold: last-frame` (freeze the last frame) or `hold: loop` "
                                  "(play the trim again)", code="trim-too-short"))


def _loop_frames_max() -> int:
    """The longest trim (in frames) the `loop` filter may hold at the reference size."""
    return LOOP_MEMORY_BYTES // (REFERENCE_WIDTH * REFERENCE_HEIGHT * 3 // 2)


def _end_card_length(inp: PlanInputs, e: Entry, issues: list[LocIssue]) -> int:
    fps = inp.canvas.fps
    minimum = Fraction(str(inp.end_card.min_seconds)) + Fraction(str(inp.template.end_card.extra_seconds))
    given = inp.storyboard.end_card.duration
    if given is not None and given.to_seconds(fps) < minimum:
        issues.append(LocIssue(("end_card", "duration"), f"the helpline end card needs at least "
                               f"{float(minimum):.1f}s to be read; it cannot be shortened (duty-of-care rule "
                               "end-card-mandatory)"))
    seconds = max(minimum, given.to_seconds(fps) if given is not None else Fraction(0))
    return round(seconds * fps)


def _transitions(inp: PlanInputs, entries: list[Entry], issues: list[LocIssue]) -> None:
    for i, e in enumerate(entries[:-1]):
        nxt = entries[i + 1]
        t = e.transition_out
        if t.kind == "cut":
            continue
        limit = min(e.length, nxt.length) // 2
        if t.frames > limit:
            issues.append(LocIssue((*e.loc, "transition", "duration"),
                                   f"a {t.kind} of {shape.say(Fraction(t.frames) / inp.canvas.fps)} is too long: "
                                   "it may take at most half of the shorter neighbouring scene "
                                   f"({float(limit / inp.canvas.fps):.2f}s)"))
        if nxt.kind == "end_card":
            nxt.length += t.frames  # the overlap must not eat the end card's reading time
