"""Every kind of bad storyboard gets a clear message at FILE:LINE:COL, never a traceback."""

from __future__ import annotations

from fractions import Fraction
from pathlib import Path

import pytest

from toolkit.doc.errors import _places
from toolkit.errors import SpecError
from toolkit.film.spec.models import Storyboard
from toolkit.film.spec.validate import load_storyboard
from toolkit.media import synth


@pytest.fixture(scope="session")
def media(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("sbmedia")
    synth.footage(folder / "clip.mp4", seconds=2, width=64, height=36)
    synth.still(folder / "photo.jpg", width=64, height=96)
    synth.speech_tone(folder / "vo.m4a", seconds=1)
    (folder / "notes.mp4").write_text("this is not a video\n")
    return folder


def write(folder: Path, text: str, name: str = "film.yaml") -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def errors(path: Path, **kw) -> list[str]:
    with pytest.raises(SpecError) as exc:
        load_storyboard(path, **kw)
    return [i.format() for i in exc.value.issues if i.severity == "error"]


HEAD = "title: Test\nregion: UK\n"


def test_empty_file(tmp_path):
    [msg] = errors(write(tmp_path, ""))
    assert msg == (f"{tmp_path / 'film.yaml'}:1:1: the storyboard is empty; start from `reel new` or an example "
                   "in storyboards/")


def test_not_a_mapping(tmp_path):
    [msg] = errors(write(tmp_path, "- one\n- two\n"))
    assert msg.endswith("film.yaml:1:1: the top level of a storyboard must be a mapping of keys like `title:`, "
                        "found a list")


def test_tab_indentation(tmp_path):
    [msg] = errors(write(tmp_path, "title: x\nscenes:\n\t- slate: title\n"))
    assert ":3:1: YAML syntax: a tab character; indent YAML with spaces only" in msg


def test_duplicate_key(tmp_path):
    [msg] = errors(write(tmp_path, "title: a\nregion: UK\ntitle: b\nscenes: []\n"))
    assert msg.endswith(":3:1: duplicate key `title` (first written at line 1); YAML keeps only the last one, "
                        "so remove or rename one of them")


def test_unknown_key_suggests_the_right_one(tmp_path, media):
    # `title` is then also missing: both are reported, the unknown key with a suggestion
    lines = errors(write(media, "titel: Test\nregion: UK\nscenes:\n  - slate: title\n    text: hi\n",
                         "typo.yaml"))
    assert any(line.endswith("typo.yaml:1:1: titel: unknown key `titel`; did you mean `title`?") for line in lines)
    assert any(line.endswith("typo.yaml:1:1: title: required: add `title:`") for line in lines)
    assert len(lines) == 2


def test_wrong_types_and_durations(tmp_path):
    text = HEAD + "scenes:\n  - background: '#000000'\n    duration: -2s\n  - background: navy\n    duration: 0s\n" \
                  "  - background: navy\n    duration: [1]\n"
    msgs = errors(write(tmp_path, text))
    assert any(m.endswith(":5:15: scenes[0].duration: must be a positive duration like `3s`, got '-2s'") for m in msgs)
    assert any(m.endswith(":7:15: scenes[1].duration: must be longer than zero, got '0s'") for m in msgs)
    assert any(":9:15: scenes[2].duration: expected a duration like 3s" in m for m in msgs)


def test_unknown_region_lists_the_supported_ones(tmp_path):
    msgs = errors(write(tmp_path, "title: t\nregion: FR\nscenes:\n  - slate: title\n"))
    assert any(m.endswith(":2:9: region: 'FR' is not one of 'UK', 'IE', 'US', 'CA', 'AU' or 'NZ'") for m in msgs)


def test_to_before_from_and_trim_past_end(media):
    text = HEAD + ("scenes:\n  - background:\n      video: clip.mp4\n      from: 1.5s\n      to: 1s\n"
                   "  - background:\n      video: clip.mp4\n      to: 9s\n"
                   "  - background:\n      video: clip.mp4\n      from: 5s\n")
    msgs = errors(write(media, text, "trim.yaml"))
    assert any(m.endswith(":7:11: scenes[0].background.to: `to` (1s) must be after `from` (1.5s)") for m in msgs)
    assert any(m.endswith(":10:11: scenes[1].background.to: `to` (9s) is past the end of the footage "
                          "(2.00s long)") for m in msgs)
    assert any(m.endswith(":13:13: scenes[2].background.from: `from` (5s) is past the end of the footage "
                          "(2.00s long)") for m in msgs)


def test_missing_file_text_file_as_video_and_image_as_video(media):
    text = HEAD + ("scenes:\n  - background: nope.mp4\n    duration: 1s\n  - background: notes.mp4\n"
                   "  - background:\n      video: photo.jpg\n  - background:\n      image: clip.mp4\n"
                   "    duration: 1s\n")
    msgs = errors(write(media, text, "files.yaml"))
    assert any(":4:17: scenes[0].background: file not found: nope.mp4" in m for m in msgs)
    assert any(m.endswith(":6:17: scenes[1].background: notes.mp4: not a readable media file (Invalid data "
                          "found when processing input)") for m in msgs)
    assert any(m.endswith(":8:14: scenes[2].background.video: `photo.jpg` is a still image; use `image:` for "
                          "pictures") for m in msgs)
    assert any(m.endswith(":10:14: scenes[3].background.image: `clip.mp4` is a video; use `video:` for "
                          "footage") for m in msgs)


def test_paths_may_not_escape_the_folder(media, tmp_path):
    sub = media / "sub"
    sub.mkdir(exist_ok=True)
    text = HEAD + "scenes:\n  - background: ../../../../../../etc/passwd.mp4\n    duration: 1s\n" \
                  "  - background: ../clip.mp4\n"
    msgs = errors(write(sub, text, "escape.yaml"))
    assert any("scenes[0].background: `../../../../../../etc/passwd.mp4` points outside the storyboard's folder"
               in m and "--allow-outside" in m for m in msgs)
    assert any("scenes[1].background: `../clip.mp4` points outside" in m for m in msgs)
    # with --allow-outside the real file is fine, the missing one is just missing
    msgs = errors(sub / "escape.yaml", allow_outside=True)
    assert len(msgs) == 1 and "file not found" in msgs[0]


def test_non_utf8(tmp_path):
    path = tmp_path / "latin1.yaml"
    path.write_bytes("title: caf\xe9\nregion: UK\n".encode("latin-1"))
    [msg] = errors(path)
    assert msg.endswith("latin1.yaml:1:11: the file is not UTF-8 text (byte 0xe9); save it as UTF-8")


def test_alias_bomb(tmp_path):
    lines = ['a: &a ["x","x","x","x","x","x","x","x","x","x"]']
    for prev, name in zip("abcdefg", "bcdefgh", strict=False):
        lines.append(f"{name}: &{name} [" + ",".join([f"*{prev}"] * 10) + "]")
    [msg] = errors(write(tmp_path, "\n".join(lines) + "\n"))
    assert "alias bomb" in msg


def test_end_card_cannot_be_switched_off(tmp_path):
    for value in ("false", "none", "null", "off"):
        msgs = errors(write(tmp_path, HEAD + f"end_card: {value}\nscenes:\n  - slate: title\n"))
        assert any(":3:11: end_card: the helpline end card can't be switched off" in m for m in msgs), value


def test_three_seeded_mistakes_give_three_located_messages(media):
    text = ("title: Seeded\nregion: UK\n"
            "scenes:\n"
            "  - background: missing.mp4\n"       # 1: missing file (line 4)
            "  - backgound: navy\n"               # 2: misspelt key (line 5)
            "    duration: 2s\n"
            "  - background: navy\n"
            "    duration: soon\n")               # 3: bad duration (line 8)
    with pytest.raises(SpecError) as exc:
        load_storyboard(write(media, text, "seeded.yaml"))
    located = [(i.line, i.path) for i in exc.value.issues]
    assert (4, "scenes[0].background") in located
    assert (5, "scenes[1].backgound") in located
    assert (8, "scenes[2].duration") in located
    assert len(exc.value.issues) == 3


def test_ten_thousand_scenes_validate(tmp_path):
    # Speed is measured in bench/validate_speed.py (timed tests are noise on shared machines).
    body = "".join(f"  - background: '#10{i % 100:02d}20'\n    duration: 1s\n    captions: Line {i}\n"
                   for i in range(10_000))
    path = write(tmp_path, HEAD + "scenes:\n" + body)
    loaded = load_storyboard(path)
    assert len(loaded.storyboard.scenes) == 10_000


# --- caption files (.srt / .vtt) --------------------------------------------------------------

SRT = ("1\n00:00:00,000 --> 00:00:01,500\nI stopped <i>sleeping</i>.\n\n"
       "2\n00:00:01,500 --> 00:00:03,000\nThen I asked\nfor help.\n\n")
VTT = "WEBVTT\n\n00:00.000 --> 00:01.500\nI stopped sleeping.\n\n00:01.500 --> 00:03.000\nThen I asked for help.\n"


def captions_film(folder: Path, name: str) -> Path:
    return write(folder, HEAD + f"scenes:\n  - background: navy\n    duration: 3s\n    captions: {{file: {name}}}\n",
                 f"{name}.yaml")


@pytest.mark.parametrize(("name", "body"), [("subs.srt", SRT), ("subs.vtt", VTT)])
def test_caption_files_load_as_plain_timed_cues(tmp_path, name, body):
    (tmp_path / name).write_text(body, encoding="utf-8")
    loaded = load_storyboard(captions_film(tmp_path, name))
    (cues,) = loaded.caption_files.values()
    assert [(c.start, c.end) for c in cues] == [(0, Fraction(3, 2)), (Fraction(3, 2), 3)]
    assert cues[0].text == "I stopped sleeping."  # markup gone
    assert cues[1].text.replace("\n", " ") == "Then I asked for help."


def test_caption_file_errors_are_located_at_the_storyboard_field(tmp_path):
    (tmp_path / "empty.srt").write_text("", encoding="utf-8")
    [msg] = errors(captions_film(tmp_path, "empty.srt"))
    assert msg.endswith(":6:22: scenes[0].captions.file: `empty.srt` has no captions in it")
    (tmp_path / "notes.srt").write_text("just some notes\n", encoding="utf-8")
    [msg] = errors(captions_film(tmp_path, "notes.srt"))
    assert msg.endswith(":6:22: scenes[0].captions.file: cannot read subtitles `notes.srt`: not an SRT or WebVTT file")
    [msg] = errors(captions_film(tmp_path, "gone.srt"))
    assert ":6:22: scenes[0].captions.file: file not found: gone.srt" in msg


def test_merge_fields_in_caption_files_fail_closed(tmp_path):
    # Subtitle readers take {...} for styling: "Hi {{ trainee }}" would show as "Hi }".
    body = SRT + "3\n00:00:03,000 --> 00:00:04,000\nA film by {{ trainee }}\n\n"
    (tmp_path / "fields.srt").write_text(body, encoding="utf-8")
    [msg] = errors(captions_film(tmp_path, "fields.srt"))
    assert msg.endswith(":6:22: scenes[0].captions.file: `fields.srt` caption 3 (at 0:00:03.000) contains `{{` or "
                        "`}}`: merge fields do not work in .srt/.vtt files; write the text itself, or give the "
                        "captions as `lines:` in the storyboard")


def located(path: Path) -> list[str]:
    """The error lines for `path`, without its folder."""
    return [m.replace(f"{path.parent}/", "") for m in errors(path)]


# --- messages that quote what was written, hints that never repeat the key, capped lists ------------


@pytest.mark.parametrize(("value", "message"), [
    ("-5", "must be a positive duration like `3s`, got -5"),
    ("-2.5s", "must be a positive duration like `3s`, got '-2.5s'"),
    ("0", "must be longer than zero, got 0"),
    (".inf", "a duration must be a finite number of seconds like `3s`, got .inf"),
    (".nan", "a duration must be a finite number of seconds like `3s`, got .nan"),
    ("inf", "a duration must be a finite number of seconds like `3s`, got 'inf'"),
    ("[]", "expected a duration like 3s, 1.5s, 250ms, 00:01.200 or 45f, got a list"),
])
def test_duration_messages_say_what_was_given(tmp_path, value, message):
    [msg] = located(write(tmp_path, HEAD + f"scenes:\n  - background: navy\n    duration: {value}\n"))
    assert msg == f"film.yaml:5:15: scenes[0].duration: {message}"


def test_negative_time_points_say_what_was_given(tmp_path):
    text = HEAD + "scenes:\n  - background: navy\n    duration: 2s\n    captions:\n      lines:\n" \
                  "        - {text: Hi, at: -1}\n"
    [msg] = located(write(tmp_path, text))
    assert msg == "film.yaml:8:26: scenes[0].captions.lines[0].at: a duration cannot be negative, got -1"


def test_a_key_valid_elsewhere_is_told_where_it_belongs(tmp_path):
    text = HEAD + "scenes:\n  - background: navy\n    duration: 2s\n    text: Hello\n  - slate: title\n" \
                  "    captions: Hi\n"
    msgs = located(write(tmp_path, text))
    assert ("film.yaml:6:5: scenes[0].text: unknown key `text`; `text` belongs in `scenes[]` with `slate:`, "
            "`scenes[].captions.lines[]`, `reviewed_exceptions[]` or `layers[]` with `video:`, not here") in msgs
    assert any(m.startswith("film.yaml:8:5: scenes[1].captions: unknown key `captions`; `captions` belongs in "
                            "`scenes[]` without `slate:`") for m in msgs)


def test_no_hint_ever_suggests_the_key_itself(tmp_path):
    """Every key the language knows, written where it is not allowed, never gets "did you mean" itself."""
    keys = sorted(k for k in _places(Storyboard) if k.isidentifier())

    def others(*given: str) -> list[str]:
        return [k for k in keys if k not in given]

    for where, given in (("  - background: navy\n    duration: 2s\n", ("background", "duration")),
                         ("  - slate: title\n", ("slate",))):
        path = write(tmp_path, HEAD + "end_card:\n  custom_services:\n    - name: Local\n      call: '1'\n"
                     + "".join(f"      {k}: 1\n" for k in others("name", "call")) + "scenes:\n" + where
                     + "".join(f"    {k}: 1\n" for k in others(*given)))
        with pytest.raises(SpecError) as exc:
            load_storyboard(path)
        unknown = [i for i in exc.value.issues if i.code == "extra_forbidden"]
        assert len(unknown) > 20
        for issue in unknown:
            key = issue.message.split("`")[1]
            assert f"did you mean `{key}`" not in issue.message, issue.format()


def test_a_plain_words_for_pattern_checked_keys(tmp_path):
    [msg] = located(write(tmp_path, HEAD + "language: english\nscenes:\n  - slate: title\n"))
    assert msg == "film.yaml:3:11: language: does not look right (expected a language code like `en` or `en-GB`)"


def test_tens_of_thousands_of_issues_are_capped_with_a_count(tmp_path):
    path = write(tmp_path, HEAD + "".join(f"k{i}: 1\n" for i in range(5000)) + "scenes:\n  - slate: title\n")
    with pytest.raises(SpecError) as exc:
        load_storyboard(path)
    shown = exc.value.issues
    assert len(shown) == 201 and str(exc.value).startswith("5000 errors found\n")
    assert shown[-1].format() == (f"{path}:203:1: and 4,800 more errors not listed (only the first 200 are "
                                  "shown); fix these and run again")


def test_keys_that_are_not_names_are_located_at_the_key(tmp_path):
    text = HEAD + "~: 1\n1.5: x\ntrue: x\n2020-01-01: x\nfields:\n  3: three\nscenes:\n  - slate: title\n    7: x\n"
    msgs = located(write(tmp_path, text))
    why = ("this key is not a name (YAML reads it as a number, date, yes/no or empty value); keys are names like "
           "`title:`, so rename it or put it in quotes")
    assert sorted(msgs) == sorted(f"film.yaml:{where}: {why}" for where in (
        "3:1: ~", "4:1: 1.5", "5:1: true", "6:1: 2020-01-01", "8:3: fields.3", "11:5: scenes[0].7"))


@pytest.mark.parametrize(("text", "message"), [
    ("defaults: &d 1\nscenes:\n  <<: *d\n", "5:3: `<<:` (a YAML merge key) takes an anchored mapping, like "
                                           "`<<: *defaults`"),
    ("? [a, b]\n: 1\n", "3:3: a list or a mapping cannot be a key; write a plain name before the `:`"),
])
def test_merge_keys_and_list_keys(tmp_path, text, message):
    [msg] = located(write(tmp_path, HEAD + text))
    assert msg == f"film.yaml:{message}"


# ---------------------------------------------------------------- messages that used to mislead (issue 12)


def test_a_key_indented_one_level_too_far_is_told_to_move_up_at_its_own_line(tmp_path):
    text = HEAD + ("scenes:\n  - background: navy\n    duration: 2s\n  - background: navy\n    duration: 2s\n"
                   "  - background:\n      image: photo.jpg\n      duration: 3s\n")
    [msg] = errors(write(tmp_path, text))
    assert msg == (f"{tmp_path / 'film.yaml'}:10:7: scenes[2].background.duration: unknown key `duration`; it "
                   "belongs one level up, in the scene (`scenes[2]`), not inside `background`: start `duration:` "
                   "in the same column as `background:`")


def test_a_key_indented_two_levels_too_far_is_told_to_move_further_out(tmp_path):
    text = HEAD + "scenes:\n  - background: navy\n    captions:\n      - text: Hello\n        duration: 3s\n"
    [msg] = errors(write(tmp_path, text))
    assert msg.endswith(":7:9: scenes[0].captions[0].duration: unknown key `duration`; it belongs further out, "
                        "in the scene (`scenes[0]`), not inside `captions`: start `duration:` in the same column "
                        "as `captions:`")


@pytest.mark.parametrize(("text", "where", "hint"), [
    (HEAD + "scenes:\n  - background: navy\n    duration: 2s\n   - background: navy\n", ":6:4: ",
     "did not find expected '-' indicator (while parsing a block collection); check the indentation of line 6: "
     "items of one list or mapping must start in the same column (line 6 starts in column 4, line 5 in column 5)"),
    ("title: T\n region: UK\nscenes: []\n", ":2:8: ", "mapping values are not allowed in this context; check the "
     "indentation of line 2: items of one list or mapping must start in the same column (line 2 starts in column "
     "2, line 1 in column 1)"),
    ("title: Anxiety: what helps\nregion: UK\n", ":1:15: ", "mapping values are not allowed in this context; a "
     "value that contains `: ` must be put in quotes, like `title: \"Anxiety: what helps\"`"),
])
def test_yaml_syntax_errors_keep_the_parsers_place_and_add_a_plain_hint(tmp_path, text, where, hint):
    [msg] = errors(write(tmp_path, text))
    assert msg == f"{tmp_path / 'film.yaml'}{where}YAML syntax: {hint}"


def test_a_misspelt_topic_or_platform_gets_did_you_mean(tmp_path):
    msgs = errors(write(tmp_path, HEAD + "platform: TikTok\ntopics: [depresion, Self Harm, cooking]\n"
                                         "scenes:\n  - background: navy\n    duration: 2s\n"))
    topics = ("'suicide', 'self-harm', 'eating-disorders', 'psychosis', 'depression', 'anxiety', 'medication', "
              "'bipolar', 'trauma', 'substance-use', 'grief', 'loneliness' or 'general'")
    assert [m.split("film.yaml")[1] for m in msgs] == [
        ":3:11: platform: 'TikTok' is not one of 'tiktok', 'reels' or 'shorts'; did you mean `tiktok`?",
        f":4:10: topics[0]: 'depresion' is not one of {topics}; did you mean `depression`?",
        f":4:21: topics[1]: 'Self Harm' is not one of {topics}; did you mean `self-harm`?",
        f":4:32: topics[2]: 'cooking' is not one of {topics}",
    ]


def test_another_name_for_a_topic_is_told_the_storyboard_name(tmp_path):
    msgs = errors(write(tmp_path, HEAD + "topics: [self-injury, eating disorder]\n"
                                         "scenes:\n  - background: navy\n    duration: 2s\n"))
    assert [(m.split("film.yaml")[1].split(" is not one of ")[0], m.rsplit("; ", 1)[1]) for m in msgs] == [
        (":3:10: topics[0]: 'self-injury'", "did you mean `self-harm`?"),
        (":3:23: topics[1]: 'eating disorder'", "did you mean `eating-disorders`?"),
    ]
