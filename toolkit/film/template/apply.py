"""Apply a brand template to a storyboard, before planning (architecture rule 8: desugar early).

In order: refuse overrides of locked properties; deep-merge the film's `style:` into the
template; fill `{{ merge fields }}` in template and storyboard text; flatten gradients if the
template asks; resolve fonts. All problems of a stage are reported together, each located at
the storyboard key or template line that causes it. Scene-level caption overrides are applied
by the planner, through `style.scene_captions`, where it lays out that scene.
"""

from __future__ import annotations

import dataclasses
import difflib
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from toolkit.doc.errors import MAX_HINTS, translate_validation_error
from toolkit.doc.paths import Folder
from toolkit.errors import Issue, TemplateError
from toolkit.film.plan.inputs import Fonts
from toolkit.film.spec.models import ColorBackground, GradientBackground, Scene, Slate, Storyboard
from toolkit.film.spec.validate import LoadedStoryboard
from toolkit.film.template.fields import bad_value, describe_missing, field_names, fill, listing
from toolkit.film.template.loader import ResolvedTemplate, resolve_font, template_folders
from toolkit.film.template.models import Template
from toolkit.film.template.style import written

STORYBOARD = "storyboard"  # the origin recorded for values a film's `style:` set
# Template properties that hold on-screen text, and so may contain merge fields.
TEMPLATE_TEXTS = ("slates.content-warning.heading", "slates.signpost.heading", "slates.title.heading",
                  "end_card.heading")
# Storyboard keys outside `style:` that restyle a template property, so locks apply to them too.
_FILM_ALIASES: tuple[tuple[str, tuple[str, ...], Callable[[Storyboard], Any]], ...] = (
    ("captions.style", ("caption_style",), lambda sb: sb.caption_style),
    ("end_card.heading", ("end_card", "heading"), lambda sb: sb.end_card.heading),
    ("end_card.background", ("end_card", "background"), lambda sb: sb.end_card.background),
    ("music", ("music",), lambda sb: sb.music),
)


@dataclass(frozen=True)
class Branded:
    """A storyboard with its template applied: what the planner consumes."""

    loaded: LoadedStoryboard  # merge fields filled, gradients flattened if the template says so
    template: ResolvedTemplate  # with the film's `style:` merged in (origins say "storyboard")
    fonts: Fonts
    warnings: tuple[Issue, ...]


def apply_brand(loaded: LoadedStoryboard, resolved: ResolvedTemplate,
                fields: Mapping[str, str] | None = None) -> Branded:
    """Apply `resolved` to `loaded`; `fields` (from --field) win over the storyboard's `fields:`.

    Raises `TemplateError` for locked-property overrides, merge fields without a value or with
    broken braces, and fonts that cannot be found.
    """
    errors = check_locks(loaded, resolved)
    resolved = _with_film_style(loaded, resolved, errors)
    warnings: list[Issue] = []
    loaded, resolved, missing = _fill_fields(loaded, resolved, dict(fields or {}), errors, warnings)
    if errors:
        summary = f"{len(errors)} error{'s' if len(errors) != 1 else ''} found"
        raise TemplateError(errors + warnings,
                            summary=f"{summary}; {describe_missing(missing)}" if missing else summary)
    if resolved.template.gradients == "flatten":
        loaded = _flatten_gradients(loaded, resolved, warnings)
    return Branded(loaded=loaded, template=resolved, fonts=_fonts(loaded, resolved), warnings=tuple(warnings))


# ------------------------------------------------------------------ locks


def check_locks(loaded: LoadedStoryboard, resolved: ResolvedTemplate) -> list[Issue]:
    """One error per storyboard override of a property the template locks, at the override's key."""
    locks = resolved.lock_origins
    if not locks:
        return []
    issues: list[Issue] = []
    reported: set[tuple[str | int, ...]] = set()  # a set: 10,000 locked scene overrides stay linear
    for prop, loc, whole in _overrides(loaded.storyboard):
        if any(loc[:n] in reported for n in range(1, len(loc) + 1)):
            continue  # inside an override already reported
        lock = next((lk for lk in locks if prop == lk or prop.startswith(lk + ".")
                     or (whole and lk.startswith(prop + "."))), None)
        if lock is not None:
            who = f"`{resolved.chain[0]}`" + (f" (through `{locks[lock]}`)" if locks[lock] != resolved.chain[0]
                                              else "")
            issues.append(loaded.document.issue(loc, f"template {who} locks `{lock}`; remove this override",
                                                key=True, code="locked"))
            reported.add(loc)
    return issues


def _overrides(sb: Storyboard) -> Iterator[tuple[str, tuple[str | int, ...], bool]]:
    """(template property, storyboard location, replaces-whole-value) for everything a film overrides."""
    for prop, loc, get in _FILM_ALIASES:
        if get(sb) is not None:
            yield prop, loc, True
    yield from _walk(written(sb.style), "", ("style",))
    for i, scene in enumerate(sb.scenes):
        if isinstance(scene, Slate):
            if scene.background is not None:
                yield f"slates.{scene.slate}.background", ("scenes", i, "background"), True
            continue
        track = scene.captions
        for key in ("style", "position"):
            if track is not None and getattr(track, key) is not None:
                yield f"captions.{key}", ("scenes", i, "captions", key), True
        yield from _walk(written(scene.style), "", ("scenes", i, "style"))


def _walk(tree: dict[str, Any], prefix: str, loc: tuple[str | int, ...]
          ) -> Iterator[tuple[str, tuple[str | int, ...], bool]]:
    for key, value in tree.items():
        prop = f"{prefix}{key}"
        if isinstance(value, dict):
            yield prop, (*loc, key), False
            yield from _walk(value, prop + ".", (*loc, key))
        else:
            yield prop, (*loc, key), True


# ------------------------------------------------------------------ film style


def _with_film_style(loaded: LoadedStoryboard, resolved: ResolvedTemplate, errors: list[Issue]) -> ResolvedTemplate:
    overrides = written(loaded.storyboard.style)
    if not overrides:
        return resolved
    data = resolved.template.model_dump(mode="json", by_alias=True)
    if "logo" in overrides and data.get("logo") is None:
        errors.append(loaded.document.issue(("style", "logo"), f"template `{resolved.chain[0]}` has no logo to "
                                            "restyle", key=True))
        overrides = {k: v for k, v in overrides.items() if k != "logo"}
    origins = dict(resolved.origins)
    _deep_merge(data, overrides, origins, "")
    try:
        template = Template.model_validate(data)
    except ValidationError as exc:
        errors.extend(translate_validation_error(exc, loaded.document, root=Template,
                                                 prefix=("style",)))
        return resolved
    return dataclasses.replace(resolved, template=template, origins=origins)


def _deep_merge(into: dict[str, Any], src: dict[str, Any], origins: dict[str, str], prefix: str) -> None:
    for key, value in src.items():
        if isinstance(value, dict) and isinstance(into.get(key), dict):
            _deep_merge(into[key], value, origins, f"{prefix}{key}.")
        else:
            into[key] = value
            origins[f"{prefix}{key}"] = STORYBOARD


# ------------------------------------------------------------------ merge fields


class _Filler:
    """Fills texts from one set of values, remembering every name used and every problem, located."""

    def __init__(self, values: Mapping[str, str], errors: list[Issue]) -> None:
        self.values, self.errors = values, errors
        self.used: set[str] = set()
        self._missing: dict[str, None] = {}  # ordered and unique in linear time

    @property
    def missing(self) -> list[str]:
        """Field names without a value, in order of first use."""
        return list(self._missing)

    def __call__(self, text: str, where: Callable[[str], Issue]) -> str:
        self.used.update(field_names(text))
        result = fill(text, self.values)
        if result.missing:
            self._missing.update(dict.fromkeys(result.missing))
            names = listing(result.missing)
            many = len(result.missing) > 1
            self.errors.append(where(f"merge field{'s' if many else ''} {names} {'have' if many else 'has'} no "
                                     f"value; give {'them' if many else 'it'} under the storyboard's `fields:` or "
                                     f"with --field {result.missing[0]}=..."))
        for piece in result.malformed:
            self.errors.append(where(f"`{piece}` is not a merge field: write `{{{{ name }}}}` with a name of "
                                     "letters, digits, `_` or `-`"))
        return result.text


def _fill_fields(loaded: LoadedStoryboard, resolved: ResolvedTemplate, cli: dict[str, str], errors: list[Issue],
                 warnings: list[Issue]) -> tuple[LoadedStoryboard, ResolvedTemplate, list[str]]:
    doc, sb, tpl = loaded.document, loaded.storyboard, resolved.template
    values = {k: v for k, v in tpl.fields.items() if v is not None} | sb.fields | cli
    for name, value in values.items():
        if bad_value(value):
            msg = f"the value of merge field `{name}` contains `{{{{` or `}}}}`"
            if name in cli:
                errors.append(Issue(f"--field {name}: {msg}"))
            else:
                errors.append(doc.issue(("fields", name), msg) if name in sb.fields
                              else resolved.issue(f"fields.{name}", msg))
    filler = _Filler(values, errors)

    def at_template(prop: str) -> Callable[[str], Issue]:
        if resolved.origins.get(prop) == STORYBOARD:
            return lambda msg: doc.issue(("style", *prop.split(".")), msg)
        return lambda msg: resolved.issue(prop, msg)

    data = tpl.model_dump(mode="json", by_alias=True)
    for prop in TEMPLATE_TEXTS:
        *parents, last = prop.split(".")
        node = data
        for key in parents:
            node = node[key]
        if isinstance(node.get(last), str):
            node[last] = filler(node[last], at_template(prop))
    new_sb = _fill_storyboard(loaded, filler)
    declared = set(tpl.fields)
    known = sorted(filler.used | declared)
    # Each "did you mean" is a pass over `known`: a budget keeps thousands of fields linear.
    budget = MAX_HINTS * 100
    for name in (*sb.fields, *(n for n in cli if n not in sb.fields)):
        if name in filler.used or name in declared:
            continue
        budget -= len(known)
        close = difflib.get_close_matches(name, known, n=1, cutoff=0.6) if budget >= 0 and len(name) <= 64 else []
        msg = (f"merge field `{name}` is not used by template `{resolved.chain[0]}` or this storyboard"
               + (f"; did you mean `{close[0]}`?" if close else ""))
        warnings.append(Issue(f"--field {name}: {msg}", severity="warning", code="unknown-field") if name in cli
                        and name not in sb.fields else
                        doc.issue(("fields", name), msg, severity="warning", key=True, code="unknown-field"))
    if filler.missing or any(i.severity == "error" for i in errors):
        return loaded, resolved, filler.missing
    template = Template.model_validate(data)
    return dataclasses.replace(loaded, storyboard=new_sb), dataclasses.replace(resolved, template=template), []


def _fill_storyboard(loaded: LoadedStoryboard, filler: _Filler) -> Storyboard:
    # Not .srt/.vtt cues: the subtitle reader drops `{...}` as styling codes before we see them.
    doc, sb = loaded.document, loaded.storyboard

    def at(*loc: str | int) -> Callable[[str], Issue]:
        return lambda msg: doc.issue(loc, msg)

    card = sb.end_card
    new_card = card.model_copy(update={
        "heading": filler(card.heading, at("end_card", "heading")) if card.heading else card.heading,
        "message": filler(card.message, at("end_card", "message")) if card.message else card.message,
        "custom_services": [c.model_copy(update={"name": filler(c.name, at("end_card", "custom_services", k, "name"))})
                            for k, c in enumerate(card.custom_services)],
    })
    scenes: list[Scene | Slate] = []
    for i, scene in enumerate(sb.scenes):
        if isinstance(scene, Slate):
            text = filler(scene.text, at("scenes", i, "text")) if scene.text else scene.text
            scenes.append(scene.model_copy(update={"text": text}))
            continue
        track = scene.captions
        if track is not None and track.lines is not None:
            lines = [c.model_copy(update={"text": filler(c.text, at("scenes", i, "captions", "lines", k, "text"))})
                     for k, c in enumerate(track.lines)]
            scene = scene.model_copy(update={"captions": track.model_copy(update={"lines": lines})})
        scenes.append(scene.model_copy(update=_filled_texts(scene, ("scenes", i), filler, at)))
    film = sb.captions  # the film's own caption track
    if film is not None and film.lines is not None:
        film = film.model_copy(update={"lines": [
            c.model_copy(update={"text": filler(c.text, at("captions", "lines", k, "text"))})
            for k, c in enumerate(film.lines)]})
    return sb.model_copy(update={"title": filler(sb.title, at("title")), "end_card": new_card, "scenes": scenes,
                                 "captions": film, **_filled_texts(sb, (), filler, at)})


def _filled_texts(owner: Scene | Storyboard, where: tuple[str | int, ...], filler: _Filler,
                  at: Callable[..., Callable[[str], Issue]]) -> dict[str, Any]:
    """The hook, lower third and texts of a scene (or the film) with their merge fields filled."""
    update: dict[str, Any] = {}
    if owner.hook is not None:
        update["hook"] = owner.hook.model_copy(update={"text": filler(owner.hook.text, at(*where, "hook", "text"))})
    third = getattr(owner, "lower_third", None)
    if third is not None:
        about = filler(third.about, at(*where, "lower_third", "about")) if third.about else third.about
        update["lower_third"] = third.model_copy(update={
            "name": filler(third.name, at(*where, "lower_third", "name")), "about": about})
    if owner.texts:
        update["texts"] = [t.model_copy(update={"text": filler(t.text, at(*where, "texts", k, "text"))})
                           for k, t in enumerate(owner.texts)]
    return update


# ------------------------------------------------------------------ gradients and fonts


def _flatten_gradients(loaded: LoadedStoryboard, resolved: ResolvedTemplate, warnings: list[Issue]) -> LoadedStoryboard:
    colour = resolved.template.palette.background
    scenes = list(loaded.storyboard.scenes)
    for i, scene in enumerate(scenes):
        if isinstance(scene, Scene) and isinstance(scene.background, GradientBackground):
            scenes[i] = scene.model_copy(update={"background": ColorBackground(color=colour)})
            warnings.append(loaded.document.issue(("scenes", i, "background"), f"template `{resolved.chain[0]}` "
                                                  f"shows gradients as a solid colour ({colour})", severity="info"))
    sb = loaded.storyboard.model_copy(update={"scenes": scenes})
    return dataclasses.replace(loaded, storyboard=sb)


def _fonts(loaded: LoadedStoryboard, resolved: ResolvedTemplate) -> Fonts:
    tpl = resolved.template
    folders = template_folders(resolved.folder.parent, resolved.chain)
    # A film's own font is confined to the storyboard's folder like its media (`--allow-outside` too).
    film = Folder(loaded.base_dir, escape_hint="keep font files next to the storyboard, or pass --allow-outside "
                  "if you really mean it", allow_outside=loaded.allow_outside)
    found: dict[str, Path] = {}
    errors: list[Issue] = []
    for role in ("heading", "body", "captions"):
        ref = getattr(tpl.fonts, role)
        from_film = resolved.origins.get(f"fonts.{role}") == STORYBOARD
        try:
            found[role] = resolve_font(ref, *([film] if from_film else folders))
        except FileNotFoundError as exc:
            message = str(exc)
            errors.append(loaded.document.issue(("style", "fonts", role), message) if from_film
                          else resolved.issue(f"fonts.{role}", message))
    if errors:
        raise TemplateError(errors)
    return Fonts(**found)
