"""The storyboard's `style:` overrides, as pydantic models mirroring the template's look.

Each model is generated from the template model it overrides, with every field optional, so
the two can never disagree about names, ranges or colour syntax. `model_dump(exclude_unset=True)`
tells an override that was written (`box: null`, "no caption box") from one that was not.
"""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, create_model, field_validator, model_validator

from toolkit.film.template import models as tm


class StyleModel(BaseModel):
    """Base of every override model: unknown keys are errors ("did you mean"), values immutable."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)


def _optional(model: type[BaseModel], name: str, doc: str, *, exclude: tuple[str, ...] = (),
              nested: dict[str, type[BaseModel]] | None = None,
              validators: dict[str, Any] | None = None) -> type[StyleModel]:
    fields: dict[str, Any] = {}
    for fname, info in model.model_fields.items():
        if fname in exclude:
            continue
        inner = (nested or {}).get(fname) or info.annotation
        if info.metadata and fname not in (nested or {}):
            inner = Annotated[(inner, *info.metadata)]  # type: ignore[misc]
        fields[fname] = (inner | None, Field(default=None, alias=info.alias, description=info.description))
    made = create_model(name, __base__=StyleModel, __validators__=validators or {}, **fields)
    made.__doc__ = doc
    return made


PaletteStyle = _optional(tm.Palette, "PaletteStyle", "Override some of the template's palette colours.")
FontsStyle = _optional(tm.Fonts, "FontsStyle", "Override some fonts: an installed fontpkg font (`lato:bold`) "
                       "or a font file next to the storyboard.")
# `style` is the storyboard's `caption_style:`, and per scene `captions: {style, position}`: one way each.
CaptionsStyle = _optional(tm.CaptionLook, "CaptionsStyle", "Override some of the caption look for the film "
                          "(the caption style itself is `caption_style:`).", exclude=("style",))
SceneCaptionsStyle = _optional(tm.CaptionLook, "SceneCaptionsStyle", "Override some of the caption look for "
                               "this scene (style and position are set under the scene's `captions:`).",
                               exclude=("style", "position"))
SlateStyle = _optional(tm.SlateLook, "SlateStyle", "Override some of one slate layout.")
SlatesStyle = _optional(tm.Slates, "SlatesStyle", "Override slate layouts by kind.",
                        nested={"content_warning": SlateStyle, "signpost": SlateStyle, "title": SlateStyle})
EndCardStyle = _optional(
    tm.EndCardLook, "EndCardStyle", "Restyle the helpline end card. It can never be removed or shortened.",
    validators={"_kept": model_validator(mode="before")(lambda cls, v: tm.refuse_end_card_removal(v)),
                "_longer": field_validator("extra_seconds", mode="before")(lambda cls, v: tm.refuse_shortening(v))})
LogoStyle = _optional(tm.Logo, "LogoStyle", "Move, resize or fade the template's logo, or choose where it "
                      "shows (`on: []` hides it). The file itself comes from the template.", exclude=("file",),
                      validators={"_on": model_validator(mode="before")(lambda cls, v: tm.on_key(v))})


class FilmStyle(StyleModel):
    """Film-level overrides of the template's look. A template may lock some of them."""

    palette: PaletteStyle | None = None  # type: ignore[valid-type]
    fonts: FontsStyle | None = None  # type: ignore[valid-type]
    captions: CaptionsStyle | None = None  # type: ignore[valid-type]
    slates: SlatesStyle | None = None  # type: ignore[valid-type]
    end_card: EndCardStyle | None = Field(  # type: ignore[valid-type]
        default=None, description="Restyle the helpline end card; it cannot be removed or shortened.")
    logo: LogoStyle | None = None  # type: ignore[valid-type]

    @field_validator("end_card", mode="before")
    @classmethod
    def _end_card_kept(cls, value: Any) -> Any:
        return tm.refuse_end_card_removal(value)


class SceneStyle(StyleModel):
    """Scene-level overrides: the caption look for this scene only."""

    captions: SceneCaptionsStyle | None = None  # type: ignore[valid-type]


def written(model: BaseModel | None) -> dict[str, Any]:
    """The overrides actually written, as a plain nested dict keyed like the template YAML."""
    if model is None:
        return {}
    return model.model_dump(mode="json", by_alias=True, exclude_unset=True)


def scene_captions(look: tm.CaptionLook, style: SceneStyle | None) -> tm.CaptionLook:
    """The caption look for one scene: the film's look with the scene's `style.captions` over it."""
    if style is None or style.captions is None:
        return look
    # validated again, so a nested override (`outline: {width: 6}`) becomes a model, not a dict
    return tm.CaptionLook.model_validate({**look.model_dump(), **style.captions.model_dump(exclude_unset=True)})
