"""`reel new`: a ready-to-render starter film in a new folder, in one of three formats."""

from __future__ import annotations

import json
import shlex
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from toolkit.errors import OutputError
from toolkit.media import synth
from toolkit.settings import Settings

_HEADER = """# yaml-language-server: $schema={schema}
# Your film. Replace the placeholder media in media/ with your own footage and recording,
# then run:  reel validate {file}  and  reel render {file} --draft
"""

_TALKING_HEAD = """title: {title}
region: UK            # where it will be shown: UK, IE, US, CA, AU or NZ (chooses the helplines)
topics: [anxiety]     # suicide, self-harm or eating-disorders add a content warning automatically
voiceover: media/voiceover.m4a
music:
  file: media/music.m4a
  volume: 0.25

scenes:
  - slate: title

  - background:
      video: media/talking-head.mp4
      fit: blur-fill
    duration: 5s
    captions:
      - Here's something I wish I'd known sooner.
      - It's OK to ask for help.
    transition: fade

  - background: media/b-roll.mp4
    duration: 5s
    captions:
      style: word-by-word
      lines:
        - Talking to someone I trusted changed things for me.

  - slate: signpost
"""

_MYTH_VS_FACT = """title: {title}
region: UK
topics: [depression]

scenes:
  - slate: title

  - background:
      gradient: ["#6d597a", "#355070"]
    duration: 4s
    captions: "MYTH: You can just snap out of it."
    transition: fade

  - background:
      video: media/b-roll.mp4
      fit: blur-fill
    duration: 5s
    captions:
      - "FACT: Depression is a health condition."
      - Support and treatment help.
    transition: fade

  - slate: signpost
"""

_TEXT_STORY = """title: {title}
region: UK
topics: [self-harm]   # this topic adds a content-warning slate at the start
caption_style: block
music:                # a quiet bed (a silent film fails the platforms' audio check); replace it with your own
  file: media/music.m4a
  volume: 0.25

scenes:
  - background: "#264653"
    captions:
      - This is my story about getting support.
      - It starts with one conversation.
    transition: fade

  - background:
      image: media/still.jpg
      move: zoom-in
    duration: 5s
    captions:
      - I told a friend how I was feeling.
      - They helped me find someone to talk to.

  - slate: signpost
"""


@dataclass(frozen=True)
class Format:
    """A starter film: its storyboard text and the placeholder media it needs."""

    body: str
    media: tuple[tuple[str, Callable[[Path, Settings], Path]], ...]


FORMATS: dict[str, Format] = {
    "talking-head": Format(_TALKING_HEAD, (
        ("talking-head.mp4", lambda p, s: synth.footage(p, seconds=6, width=640, height=360, settings=s)),
        ("b-roll.mp4", lambda p, s: synth.footage(p, seconds=6, width=360, height=640,
                                                  colors=("0x2a9d8f", "0xe9c46a"), settings=s)),
        ("voiceover.m4a", lambda p, s: synth.speech_tone(p, seconds=10, settings=s)),
        ("music.m4a", lambda p, s: synth.music_bed(p, seconds=8, settings=s)),
    )),
    "myth-vs-fact": Format(_MYTH_VS_FACT, (
        ("b-roll.mp4", lambda p, s: synth.footage(p, seconds=6, width=640, height=360, settings=s)),
    )),
    "text-story": Format(_TEXT_STORY, (
        ("still.jpg", lambda p, s: synth.still(p, width=720, height=960, settings=s)),
        ("music.m4a", lambda p, s: synth.music_bed(p, seconds=8, settings=s)),
    )),
}


def scaffold(folder: Path, fmt: str = "talking-head", *, settings: Settings | None = None) -> Path:
    """Create `folder` with `<name>.yaml` and placeholder media; return the storyboard path.

    Refuses an existing folder (nothing is overwritten). On failure, the partial folder is removed.
    """
    import shutil

    if fmt not in FORMATS:
        raise OutputError(f"unknown format {fmt!r}; choose one of {', '.join(FORMATS)}")
    folder = Path(folder)
    if folder.exists():
        raise OutputError(f"{folder} already exists; choose a new name (nothing was changed)")
    settings = settings or Settings()
    spec = FORMATS[fmt]
    name = folder.name
    title = name.replace("-", " ").replace("_", " ").strip().capitalize() or "My film"
    tmp = folder.with_name(f".{name}.reel-new")
    shutil.rmtree(tmp, ignore_errors=True)
    try:
        (tmp / "media").mkdir(parents=True)
        for filename, make in spec.media:
            # absolute: ffmpeg reads a relative name with a colon ("Film: one/...") as a protocol
            make((tmp / "media" / filename).absolute(), settings)
        schema = (Settings.data_dir("schema") / "storyboard.schema.json").as_uri()
        # the file name quoted as a shell word, the title as a YAML string: any folder name pastes and parses
        file = shlex.quote(f"{name}.yaml") if name.isprintable() else "this file"
        text = _HEADER.format(schema=schema, file=file) + spec.body.format(title=json.dumps(title, ensure_ascii=False))
        (tmp / f"{name}.yaml").write_text(text, encoding="utf-8")
        tmp.rename(folder)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return folder / f"{name}.yaml"
