"""Layers of the storyboard language: pictures drawn over a scene (or over the whole film).

A layer is footage (`video:`), a picture (`image:`, an animated GIF loops), a library asset
(`asset: NAME`), a colour or gradient box, or a progress bar (`progress: bar`). It shows from
`at` until `until` (or for `for`), relative to its scene (film-level layers: to the film's start),
inside a box given by `position` and `size` in reference pixels of the 1080×1920 frame
(`toolkit.geometry`), and comes and goes with `enter`/`exit`. Layers are always drawn under the
captions, slates, logo and end card. What is checked here is the shape of what was written; the
planner (`toolkit.film.plan.layers`) checks boxes and times against the frame and the scene.
"""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import (
    BaseModel,
    ConfigDict,
    Discriminator,
    Field,
    PrivateAttr,
    Tag,
    ValidationInfo,
    field_validator,
    model_validator,
)

from toolkit.color import Color
from toolkit.errors import AssetError
from toolkit.film.assets import Asset, AssetKind, find_asset
from toolkit.film.spec.anonymise import FaceAnonymise, FootageAnonymise
from toolkit.film.spec.base import (
    IMAGE_SUFFIXES,
    VIDEO_SUFFIXES,
    Focus,
    Hold,
    SpecModel,
    Speed,
    Volume,
    shorthands,
)
from toolkit.film.spec.contributors import ContributorId
from toolkit.film.spec.layer_parts import (
    MOTION_STR,
    SHARE_STR,
    Border,
    LayerFit,
    MotionSpec,
    Point,
    Position,
    Preset,
    Size,
    _motion,
    _preset,
    _size,
)
from toolkit.film.spec.units import Duration, PositiveTime, Time


def _sound(value: Any) -> Any:
    if value is True or value == "on":
        return "keep"
    if value is False or value == "off":
        return "mute"
    return value


class LayerBase(SpecModel):
    """What every layer has: when it shows, where, and how it comes and goes."""

    # editors (and the JSON schema) take the short forms the validators expand: `fade 0.3s`, `40%`
    model_config = ConfigDict(json_schema_extra=shorthands(enter=MOTION_STR, exit=MOTION_STR, size=SHARE_STR))

    at: Time | None = Field(default=None, description="When it appears, from the start of its scene (film-level "
                            "layers: of the film). Default 0s.")
    until: Time | None = Field(default=None, description="When it disappears. Default: when the scene hands over "
                               "to the next (film-level: when the end card starts); footage: when its trim ends.")
    for_: PositiveTime | None = Field(default=None, alias="for", description="How long it shows.")
    position: Position | None = Field(default=None, description="A preset inside the safe box (`top-right`, "
                                      "`center`…), `full` for the whole frame, or `{x, y}` in pixels of the "
                                      "1080×1920 frame. Default: `full` (assets: `center`; with a `size`: "
                                      "`center`).")
    size: Size | None = Field(default=None, description="`{w, h}` pixels of the 1080×1920 frame, or a share of "
                              "its width like `40%`. Default: the picture's own size, within the safe box.")
    fit: LayerFit = Field(default="cover", description="cover fills the box (cropping), contain shows the whole "
                          "picture inside it.")
    opacity: float = Field(default=1.0, ge=0.0, le=1.0)
    radius: int = Field(default=0, ge=0, description="Rounded corners, pixels of the 1080×1920 frame.")
    border: Border | None = None
    enter: MotionSpec = Field(default_factory=MotionSpec, description="cut, fade, slide-left/right/up/down or "
                              "pop, optionally with a length: `fade 0.3s`.")
    exit: MotionSpec = Field(default_factory=MotionSpec)
    text: bool = Field(default=False, description="The picture carries words (a screenshot, a message): it must "
                       "then lie inside the platform-safe box.")

    _pos = field_validator("position", mode="before")(lambda cls, v: _preset(v))
    _sz = field_validator("size", mode="before")(lambda cls, v: _size(v))
    _mo = field_validator("enter", "exit", mode="before")(lambda cls, v: _motion(v))

    @field_validator("for_")
    @classmethod
    def _one_end(cls, value: Duration | None, info: ValidationInfo) -> Duration | None:
        # a field check (not the model's), so the error points at `for`; `until` is validated before it
        if value is not None and info.data.get("until") is not None:
            raise ValueError("give either `until` or `for`, not both")
        return value

    def placed(self) -> Preset | Point:
        """Where the layer goes: its `position`, else `full` (`center` when a `size` is given)."""
        if self.position is not None:
            return self.position
        return "center" if self.size is not None else "full"


class VideoLayer(LayerBase):
    """Footage over the picture: B-roll, a picture-in-picture speaker. Muted unless `audio` says."""

    video: Path
    from_: Time = Field(default="0s", alias="from", description="Start point inside the footage.")
    to: Time | None = Field(default=None, description="End point inside the footage.")
    hold: Hold = Field(default="none", description="What fills a layer longer than its trim: last-frame or loop.")
    audio: Literal["mute", "keep", "tempo"] | Volume = Field(
        default="mute", description="The footage's own sound: mute (default), keep, a volume such as 0.5, or tempo "
        "(footage at another `speed`: its sound at that speed, pitch kept).")
    speed: Speed = Field(default=Fraction(1), description="Playback speed 0.25–4 (50% is slow motion); without "
                         "`until`/`for` the layer lasts the trim ÷ speed.")
    reverse: bool = Field(default=False, description="Play the trim backwards, from `to` to `from` (needs `to`; at "
                          "most 60 s of footage, made once into a cached file before the render; silent).")
    focus: Focus = Field(default=Fraction(1, 2), description="With `fit: cover`: which part of the picture the crop "
                         "keeps (left, center, right, top, bottom, or 0–1).")

    contributor: ContributorId | None = Field(default=None, description="Who the footage shows (an id in "
                                              "`contributors:`).")
    anonymise: FootageAnonymise | None = Field(default=None, description="Hide who it shows: `face: blur` "
                                               "(pixelate, box), hand-placed `boxes`, `voice: disguise`.")

    _snd = field_validator("audio", mode="before")(lambda cls, v: _sound(v))

    @property
    def volume(self) -> float:
        """The level its sound plays at (0 when muted)."""
        return 0.0 if self.audio == "mute" else 1.0 if self.audio in ("keep", "tempo") else float(self.audio)


class ImageLayer(LayerBase):
    """A picture: PNG or WebP (transparency kept), JPEG, or an animated GIF (it loops)."""

    image: Path
    contributor: ContributorId | None = Field(default=None, description="Who the picture shows (an id in "
                                              "`contributors:`).")
    anonymise: FaceAnonymise | None = Field(default=None, description="Hide who it shows: `face: blur` "
                                            "(pixelate, box) and hand-placed `boxes`.")


class AssetLayer(LayerBase):
    """A sticker, lower-third or graphic from Reel's library, by name (`reel assets list`).

    The name is looked up while the storyboard is read (an unknown one is an error at `asset`,
    with the closest names), so the planner gets the library file without reading anything.
    """

    asset: Annotated[str, Field(min_length=1)]
    _asset: Asset | None = PrivateAttr(default=None)

    @field_validator("asset")
    @classmethod
    def _known(cls, value: str) -> str:
        library_picture(value)  # an unknown name is an error at `asset`, with the closest names
        return value

    @model_validator(mode="after")
    def _found(self) -> AssetLayer:
        self._asset = library_picture(self.asset)
        return self

    def placed(self) -> Preset | Point:
        """Unless placed: a lower third at the bottom of the safe box, a sticker or graphic in its middle."""
        if self.position is not None:
            return self.position
        return "bottom" if self._asset is not None and self._asset.kind == "lower-third" else "center"

    @property
    def library(self) -> Asset:
        """The library item this layer shows."""
        assert self._asset is not None
        return self._asset


PICTURE_KINDS: tuple[AssetKind, ...] = ("sticker", "lower-third", "graphic")


def library_picture(name: str) -> Asset:
    """The picture asset called `name`; a `ValueError` with the closest names when there is none."""
    try:
        return find_asset(name, kinds=PICTURE_KINDS)
    except AssetError as exc:
        raise ValueError(str(exc)) from None


class ColorLayer(LayerBase):
    """A box of one colour (its alpha, `#rrggbbaa`, multiplies `opacity`)."""

    color: Color


class GradientLayer(LayerBase):
    """A box with a two-colour gradient."""

    gradient: Annotated[list[Color], Field(min_length=2, max_length=2)]
    direction: Literal["vertical", "horizontal", "diagonal"] = "vertical"


class ProgressLayer(LayerBase):
    """A bar that fills from left to right over its length: along the bottom of the frame unless placed."""

    progress: Literal["bar"]
    color: Color = "#ffffff"

    @field_validator("enter", "exit")
    @classmethod
    def _fills(cls, value: MotionSpec) -> MotionSpec:
        if value.type != "cut":
            raise ValueError("a progress bar fills from left to right over its whole length; leave out "
                             "`enter` and `exit`")
        return value


class PythonLayer(LayerBase):
    """Motion graphics drawn by a Python function beside the storyboard (`python: FILE.py:func`).

    The function is called as `func(width, height, duration, fps)` and returns a MoviePy clip;
    Reel renders it once to a lossless file with transparency and overlays that
    (`toolkit.film.pylayers`). Reading the storyboard never runs it: a render, still or sheet runs
    it only with `--allow-python`. Full frame unless placed; no size of its own.
    """

    python: str = Field(description="`FILE.py:function`: a Python file beside the storyboard and the function in "
                        "it that returns a MoviePy clip (called with width, height, duration, fps). Runs only with "
                        "`--allow-python`.")

    @field_validator("python")
    @classmethod
    def _reference(cls, value: str) -> str:
        return check_python_reference(value)

    @property
    def file(self) -> Path:
        """The Python file, relative to the storyboard's folder."""
        return Path(self.python.rpartition(":")[0])

    @property
    def func(self) -> str:
        """The function's name in `file`."""
        return self.python.rpartition(":")[2]


def check_python_reference(value: str) -> str:
    """`FILE.py:func` as written, or a `ValueError` saying which half is wrong."""
    file, colon, func = value.rpartition(":")
    example = "write it as `FILE.py:function`, e.g. `effects.py:sparkles` (the file beside the storyboard)"
    if not colon or not file.strip():
        raise ValueError(f"{_shown(value)} names no function: {example}")
    if not file.endswith(".py") or file == ".py":
        raise ValueError(f"{_shown(file)} is not a Python file name (it must end in `.py`): {example}")
    if not func.isidentifier() or func.startswith("__"):
        raise ValueError(f"{_shown(func)} is not a Python function name (letters, digits and `_`, not starting "
                         f"with a digit or `__`): {example}")
    return value


def _shown(text: str) -> str:
    """`text` quoted for a message: control characters escaped, long text shortened."""
    out = "".join(c if c.isprintable() else repr(c)[1:-1] for c in text)
    return f"`{out if len(out) <= 60 else out[:30] + '…' + out[-24:]}`"


LAYER_KINDS = ("video", "image", "asset", "color", "gradient", "progress", "python")
_MODELS: dict[type, str] = {VideoLayer: "video", ImageLayer: "image", AssetLayer: "asset", ColorLayer: "color",
                            GradientLayer: "gradient", ProgressLayer: "progress", PythonLayer: "python"}


def _layer_tag(value: Any) -> str | None:
    if isinstance(value, dict):
        # `progress` first: a progress bar also has a `color`
        for key in ("progress", "python", "video", "image", "asset", "gradient", "color"):
            if key in value:
                return key
        return None
    if isinstance(value, BaseModel):
        return _MODELS.get(type(value))
    return None


LayerSpec = Annotated[
    Annotated[VideoLayer, Tag("video")]
    | Annotated[ImageLayer, Tag("image")]
    | Annotated[AssetLayer, Tag("asset")]
    | Annotated[ColorLayer, Tag("color")]
    | Annotated[GradientLayer, Tag("gradient")]
    | Annotated[ProgressLayer, Tag("progress")]
    | Annotated[PythonLayer, Tag("python")],
    Discriminator(
        _layer_tag,
        custom_error_type="layer_kind",
        custom_error_message="a layer needs one of `video:`, `image:`, `asset:`, `color:`, `gradient:`, "
        "`progress:` or `python:` (or just a file name)",
    ),
]


def layer_shorthand(value: Any) -> Any:
    """`media/broll.mp4` → a full-frame video layer, `photo.png` → a picture layer."""
    if not isinstance(value, str):
        return value
    suffix = Path(value).suffix.lower()
    if suffix in VIDEO_SUFFIXES:
        return {"video": value}
    if suffix in IMAGE_SUFFIXES:
        return {"image": value}
    raise ValueError(f"{value!r}: a layer written as one word must be a video or picture file "
                     f"(video: {', '.join(sorted(VIDEO_SUFFIXES))}; pictures: {', '.join(sorted(IMAGE_SUFFIXES))}); "
                     "otherwise write `{asset: NAME}`, `{color: …}` or `{progress: bar}`")


def layers_shorthand(value: Any) -> Any:
    """A list of layers, each possibly a bare file name."""
    return [layer_shorthand(v) for v in value] if isinstance(value, list) else value


LAYERS_DESCRIPTION = ("Pictures over the scene, drawn in order under all text: `video:`, `image:`, `asset:`, "
                      "`color:`, `gradient:`, `progress: bar` or `python: FILE.py:func`, with at/until/for, "
                      "position, size, fit, opacity, radius, border, enter/exit, text.")
# JSON Schema for editors: a list item may also be a bare file name (see `layers_shorthand`)
LAYERS_SCHEMA = {"type": "array", "items": {"anyOf": [{"type": "string"}, *(
    {"x-reel-ref": m.__name__} for m in _MODELS)]}}
