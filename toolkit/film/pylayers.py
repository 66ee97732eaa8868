"""Python layers in a render, a still or a sheet: refused unless allowed, else rendered and swapped in.

A `python:` layer reaches the Timeline as a `PythonSource` (the planner runs nothing). Before
anything is compiled, each one becomes a job (`run.pylayers.PythonLayerJob`) at its box's size in
output pixels and its length in frames at the canvas rate, is rendered into the cache (once per
change of its file, name, size, length or rate), and its source is replaced by the rendered file:
`VideoSource(alpha=True)`, exactly the layer's frames, composited with its transparency
(`compile.layer_alpha`). Renders, stills and sheets all go through `python_jobs` and
`with_python_layers` (renders as a step of `toolkit.film.steps`; stills and sheets through
`resolve_python_layers`), so they show the same pixels.

A storyboard may come from anyone, and its Python runs with the user's rights: nothing here runs
it unless the caller passes `allow=True` (`--allow-python`); otherwise `require_allowed` raises a
`PolicyError` located at each python layer.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from fractions import Fraction
from pathlib import Path

from toolkit.errors import PolicyError, RenderError
from toolkit.film.pipeline import Prepared
from toolkit.film.plan.timeline import Layer, PythonSource, Timeline, VideoSource
from toolkit.film.run.pylayers import STAGE, PythonLayerJob, intermediate_path, render_python_layer
from toolkit.settings import Settings

ALLOW_OPTION = "--allow-python"


def cache_dir() -> Path:
    """Where rendered python layers are kept between renders (content-addressed, safe to delete)."""
    return Settings.cache_root() / "python"


def python_layers(timeline: Timeline) -> list[tuple[int, Layer]]:
    """The layers of `timeline` drawn by Python, with their index in `timeline.layers`."""
    return [(i, layer) for i, layer in enumerate(timeline.layers) if isinstance(layer.source, PythonSource)]


def require_allowed(prepared: Prepared, allow: bool) -> None:
    """Raise a `PolicyError` at each python layer unless `allow` (the user passed --allow-python)."""
    found = python_layers(prepared.timeline)
    if allow or not found:
        return
    doc = prepared.loaded.document
    issues = []
    for _, layer in found:
        src = layer.source
        assert isinstance(src, PythonSource)
        issues.append(doc.issue((*layer.loc, "python"), f"`{src.path.name}:{src.func}` is Python code, and running "
                                f"it runs whatever it says with your rights: pass {ALLOW_OPTION} to run it, and only "
                                "for a storyboard you trust (`reel validate` and `reel plan` never run it)",
                                code="python-not-allowed"))
    raise PolicyError(issues, summary=f"the film has python layers, which run only with {ALLOW_OPTION}")


def python_jobs(timeline: Timeline) -> dict[int, PythonLayerJob]:
    """What each python layer renders, by its index in `timeline.layers` (reads each file for its key)."""
    fps: Fraction = timeline.canvas.fps
    jobs: dict[int, PythonLayerJob] = {}
    for i, layer in python_layers(timeline):
        src = layer.source
        assert isinstance(src, PythonSource)
        jobs[i] = PythonLayerJob(src.path, src.func, layer.box.w, layer.box.h, layer.length, fps)
    return jobs


def with_python_layers(timeline: Timeline, rendered: Mapping[int, Path]) -> Timeline:
    """`timeline` with the python layer at each index of `rendered` reading that file (pure)."""
    if not rendered:
        return timeline
    layers = list(timeline.layers)
    for i, path in rendered.items():
        layer = layers[i]
        layers[i] = dataclasses.replace(layer, fit="cover", source=VideoSource(
            path=path, start=Fraction(0), fit="cover", width=layer.box.w, height=layer.box.h, has_audio=False,
            end=Fraction(layer.length) / timeline.canvas.fps, alpha=True))
    return dataclasses.replace(timeline, layers=tuple(layers))


def planned(timeline: Timeline, folder: Path | None = None) -> tuple[Timeline, dict[int, PythonLayerJob]]:
    """`timeline` reading each python layer's file in `folder` (default the cache), and the jobs that make them."""
    folder = folder or cache_dir()
    jobs = python_jobs(timeline)
    files: dict[int, Path] = {}
    for i, job in jobs.items():
        try:
            files[i] = intermediate_path(job, folder)
        except OSError as exc:  # moved or deleted since the storyboard was read
            raise RenderError(STAGE, f"{job.name}: cannot read {job.source}: {exc.strerror or exc}") from None
    return with_python_layers(timeline, files), jobs


def resolve_python_layers(prepared: Prepared, timeline: Timeline, *, allow: bool,
                          settings: Settings | None = None) -> Timeline:
    """`timeline` with every python layer rendered (unless cached) and read from its file.

    Raises `PolicyError` without running anything unless `allow`; `RenderError` when a layer
    cannot be rendered (MoviePy missing, the function fails).
    """
    require_allowed(prepared, allow)
    settings = settings or Settings()
    folder = cache_dir()
    ready, jobs = planned(timeline, folder)
    for job in jobs.values():
        render_python_layer(job, folder, ffmpeg=settings.ffmpeg)
    check_words(prepared, ready)
    return ready


def check_words(prepared: Prepared, timeline: Timeline) -> None:
    """Read the words each python layer drew (its rendered file, once a second) and raise a
    `PolicyError` at the layer's `python:` field when the safe-messaging lint refuses them.

    The storyboard's other pictures were read when it was validated; a python layer's pixels
    exist only once it has run, so its words are checked here, before anything shows them.
    """
    from toolkit.film.lint import picture_lint
    from toolkit.film.picture_words import Picture, read_words, sample_times

    pictures = []
    for i, layer in python_layers(prepared.timeline):
        drawn = timeline.layers[i]
        src = drawn.source
        if not isinstance(src, VideoSource):
            continue  # not drawn yet: nothing shows it
        times = sample_times(src, Fraction(drawn.length) / timeline.canvas.fps)
        pictures.append(Picture((*layer.loc, "python"), src.path, times, drawn, (drawn.box.w, drawn.box.h), alpha=True))
    if not pictures:
        return
    issues = picture_lint(prepared.loaded, read_words(pictures), timeline)
    if any(i.severity == "error" for i in issues):
        raise PolicyError(issues, summary="a python layer draws wording the safe-messaging check refuses; the film "
                                          "was not made (its words are read from the pixels it drew)")
