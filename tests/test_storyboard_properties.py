"""Property tests: whatever a trainee (or an attacker) writes, Reel answers only with its own typed,
located errors, never another exception, and never hangs.

Seeded (`derandomize=True`, no example database) so CI runs the same cases every time; bounded
(4,400 cases in all) so the whole file takes well under a minute on two cores. Each example runs under an alarm: a
hang fails the test with the example that caused it instead of stalling CI.
"""

from __future__ import annotations

import copy
import os
import re
import shutil
import signal
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import pytest
import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from toolkit.doc.loader import load_document, parse_document
from toolkit.errors import IssuesError, ReelError, SpecError
from toolkit.film.pipeline import prepare
from toolkit.film.spec.validate import load_storyboard
from toolkit.film.template.loader import load_template, resolve_font
from toolkit.grade.rubric import load_rubric
from toolkit.media import synth

SEEDED = settings(derandomize=True, database=None, deadline=None, print_blob=True,
                  suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow,
                                         HealthCheck.data_too_large, HealthCheck.filter_too_much])
EXAMPLE_SECONDS = 20  # far above any honest example (the slowest take ~1 s); a hang fails here


@contextmanager
def no_hang(seconds: int = EXAMPLE_SECONDS) -> Iterator[None]:
    """Fail (rather than stall CI) when one example runs longer than `seconds`."""

    def expired(signum: int, frame: Any) -> None:
        raise TimeoutError(f"no answer after {seconds} s: Reel hung on this input")

    previous = signal.signal(signal.SIGALRM, expired)
    signal.alarm(seconds)
    try:
        yield
    finally:
        signal.alarm(0)
        signal.signal(signal.SIGALRM, previous)


def assert_located(exc: ReelError, path: Path) -> None:
    """Only typed issue lists, and every error in them says file and line."""
    assert isinstance(exc, IssuesError), f"{type(exc).__name__} without located issues: {exc}"
    errors = [i for i in exc.issues if i.severity == "error"]
    assert errors, exc
    for issue in errors:
        assert issue.message
        assert issue.file is not None and issue.line is not None, f"not located: {issue.format()}"
        assert issue.file.name == path.name or issue.file.name == "template.yaml", issue.format()


# ------------------------------------------------------------------ random documents (load only)

KEYS = ["title", "region", "scenes", "background", "duration", "captions", "text", "at", "for", "until",
        "slate", "transition", "video", "image", "color", "gradient", "from", "to", "fit", "move", "topics",
        "end_card", "music", "voiceover", "style", "lines", "file", "audio", "keep", "volume", "x", "titel"]
scalars = st.one_of(st.none(), st.booleans(), st.integers(-10**6, 10**6), st.floats(allow_nan=False),
                    st.text(max_size=20), st.sampled_from(["3s", "-1s", "45f", "navy", "#fff", "UK", "a.mp4",
                                                           "cover", "fade", "title", "00:01.5", "../x.png"]))
data = st.recursive(scalars, lambda children: st.one_of(
    st.lists(children, max_size=4), st.dictionaries(st.sampled_from(KEYS), children, max_size=5)), max_leaves=25)


@settings(SEEDED, max_examples=500)
@given(st.dictionaries(st.sampled_from(KEYS), data, max_size=6))
def test_random_documents_raise_only_spec_errors(tmp_path_factory, doc):
    folder = tmp_path_factory.mktemp("prop")
    path = folder / "sb.yaml"
    path.write_text(yaml.safe_dump(doc), encoding="utf-8")
    try:
        load_storyboard(path)
    except SpecError as exc:
        assert exc.issues
        for issue in exc.issues:
            assert issue.file == path and issue.message


@settings(SEEDED, max_examples=1000)
@given(st.text(max_size=200))
def test_random_text_parses_or_raises_spec_error(text):
    try:
        parse_document(text, Path("x.yaml"))
    except SpecError as exc:
        assert all(i.file == Path("x.yaml") for i in exc.issues)


@settings(SEEDED, max_examples=600)
@given(st.binary(max_size=300) | st.text(max_size=100).map(lambda t: t.encode("utf-16")))
def test_random_bytes_never_crash_the_reader(tmp_path_factory, raw):
    path = tmp_path_factory.mktemp("bytes") / "sb.yaml"
    path.write_bytes(raw)
    try:
        load_document(path)
    except SpecError as exc:
        assert exc.issues and all(i.file == path and i.line is not None for i in exc.issues), exc


# ------------------------------------------------------------------ hostile storyboards through prepare()

# A storyboard that passes: every kind of file a storyboard can name, fields, fonts and slates, so
# a mutation anywhere reaches the stage that reads it.
BASE: dict[str, Any] = {
    "title": "Fuzz for {{ who }}", "region": "UK", "topics": ["anxiety"], "fields": {"who": "Sam"},
    "voiceover": {"file": "vo.m4a", "volume": 0.8},
    "style": {"fonts": {"heading": "font.ttf"}, "captions": {"size": 60}},
    "end_card": {"message": "You are not alone.", "custom_services": [{"name": "Local line", "call": "0800 123 4567"}]},
    "scenes": [
        {"background": {"video": "clip.mp4", "from": "0s", "to": "1.5s", "fit": "blur-fill"},
         "captions": {"lines": [{"text": "Hello", "at": "0s", "for": "1s"}]}},
        {"background": "photo.png", "duration": "2s", "captions": "subs.srt", "transition": "fade"},
        {"background": {"gradient": ["navy", "#223344"]}, "duration": "2s", "voiceover": "vo.m4a",
         "captions": ["One line", "Two"]},
        {"slate": "title", "text": "The end"},
    ],
}

# Raw YAML put in place of a `TAG_n` marker after dumping: tags cannot be written with safe_dump.
TAGS = ["!!float 2.2s", "!!int abc", "!!timestamp 2020-99-99", "!!timestamp 2020-01-31", "!!binary '%%%'",
        "!!str 3", "!!float .inf", "!!int 0x1F", "!!bool maybe", "!!set {a: null}", "!!omap [{a: 1}]",
        "!!python/object:os.system x", "!custom value", "!!null x", "!!float", "!!map []", "!!seq {}"]
HOSTILE_TEXT = ["a\0b.mp4", "x" * 300 + ".mp4", "d/" * 2100 + "f.mp4", "../outside.mp4", "/dev/zero", "/proc/kmsg",
                "sub", "pipe.mp4", "link.mp4", "loop.mp4", "clip.mp4", "photo.png", "vo.m4a", "subs.srt",
                "font.ttf", "pipe.srt", "sub.ttf", "../font.ttf", "lato:bold", "../../x:bold", "", " ", "\u202e",
                "\ud800", "{{ who }}", "{{", "{{ nobody }}", "9" * 400, "-5", "-5s", ".inf", ".nan", "100:00:00",
                "1e999", "99:99", "0s", "1/3s", "45f", "-0", "navy", "#zzz", "UK", "text", "TAG_0"]
hostile_scalars = st.one_of(
    st.sampled_from(HOSTILE_TEXT), st.none(), st.booleans(),
    st.integers(min_value=-(10**400), max_value=10**400), st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=30), st.sampled_from([f"TAG_{i}" for i in range(len(TAGS))]))


def _nested(depth: int, leaf: Any) -> Any:
    for k in range(depth):
        leaf = [leaf] if k % 2 else {"k": leaf}
    return leaf


hostile_values = st.one_of(
    hostile_scalars,
    st.builds(_nested, st.integers(1, 60), hostile_scalars),  # deep nesting (the loader stops at 40)
    st.builds(lambda n, v: [v] * n, st.integers(0, 300), hostile_scalars),  # long lists
    st.recursive(hostile_scalars, lambda c: st.lists(c, max_size=3) | st.dictionaries(
        st.sampled_from([*KEYS, "<<", "x" * 300, "", "k\0"]), c, max_size=3), max_leaves=8),
)


def _paths(node: Any, at: tuple = ()) -> list[tuple]:
    out = [at]
    if isinstance(node, dict):
        for k, v in node.items():
            out.extend(_paths(v, (*at, k)))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            out.extend(_paths(v, (*at, i)))
    return out


def _mutate(doc: dict[str, Any], where: int, how: str, key: str, value: Any) -> None:
    paths = _paths(doc)
    at = paths[where % len(paths)]
    parent: Any = doc
    for step in at[:-1]:
        parent = parent[step]
    target = parent[at[-1]] if at else doc
    if how == "add" and isinstance(target, dict):
        target[key] = value
    elif how == "add" and isinstance(target, list):
        target.append(value)
    elif how == "delete" and at:
        del parent[at[-1]]
    elif at:
        parent[at[-1]] = value


mutations = st.lists(st.tuples(st.integers(0, 10**6), st.sampled_from(["set", "set", "add", "delete"]),
                               st.sampled_from([*KEYS, "fonts", "heading", "body", "custom_services", "name",
                                                "call", "who", "x" * 300, "k\0"]), hostile_values),
                     min_size=1, max_size=3)


@pytest.fixture(scope="module")
def film_folder(tmp_path_factory) -> Path:
    """Real media of every kind, and the traps: a folder, pipes, a link out, a link loop, a file outside."""
    top = tmp_path_factory.mktemp("hostile")
    folder = top / "film"
    folder.mkdir()
    synth.footage(folder / "clip.mp4", seconds=2, width=64, height=36)
    synth.still(folder / "photo.png", width=64, height=96)
    synth.speech_tone(folder / "vo.m4a", seconds=1)
    (folder / "subs.srt").write_text("1\n00:00:00,000 --> 00:00:01,000\nHello there.\n\n", encoding="utf-8")
    shutil.copy(resolve_font("atkinson-hyperlegible:regular"), folder / "font.ttf")
    shutil.copy(folder / "clip.mp4", top / "outside.mp4")
    shutil.copy(folder / "font.ttf", top / "font.ttf")
    (folder / "sub").mkdir()
    (folder / "sub.ttf").mkdir()
    os.mkfifo(folder / "pipe.mp4")
    os.mkfifo(folder / "pipe.srt")
    os.symlink(top / "outside.mp4", folder / "link.mp4")
    os.symlink(folder / "loop.mp4", folder / "loop.mp4")
    return folder


def _dump(doc: dict[str, Any]) -> str:
    text = yaml.safe_dump(doc, allow_unicode=True, width=10**9)
    return re.sub(r"\bTAG_(\d+)\b", lambda m: TAGS[int(m.group(1))], text)


def test_the_fuzz_seed_storyboard_is_valid(film_folder):
    # Mutations of a valid film reach every stage; if this fails, the fuzz below only tests validation.
    path = film_folder / "seed.yaml"
    path.write_text(_dump(BASE), encoding="utf-8")
    prepared = prepare(path, width=180)
    assert len(prepared.timeline.segments) >= len(BASE["scenes"])


@settings(SEEDED, max_examples=1500)
@given(mutations, st.booleans())
def test_hostile_storyboards_get_located_errors_from_prepare(film_folder, changes, allow_outside):
    doc = copy.deepcopy(BASE)
    for where, how, key, value in changes:
        _mutate(doc, where, how, key, value)
    path = film_folder / "film.yaml"
    try:
        text = _dump(doc)
    except (yaml.YAMLError, UnicodeEncodeError):
        text = "title: [unclosed\n"  # a value YAML itself cannot write (a lone surrogate)
    path.write_text(text, encoding="utf-8", errors="surrogatepass")
    try:
        with no_hang():
            prepare(path, width=180, allow_outside=allow_outside)
    except ReelError as exc:
        assert_located(exc, path)


# ------------------------------------------------------------------ templates and rubrics

TEMPLATE_KEYS = ["palette", "fonts", "heading", "body", "captions", "logo", "file", "intro", "outro", "music",
                 "extends", "locked", "fields", "slates", "end_card", "size", "color", "background", "x"]


@settings(SEEDED, max_examples=400)
@given(st.dictionaries(st.sampled_from(TEMPLATE_KEYS), hostile_values, max_size=4))
def test_hostile_templates_get_located_errors(film_folder, tmp_path_factory, doc):
    root = tmp_path_factory.mktemp("templates")
    (root / "brand").mkdir()
    path = root / "brand" / "template.yaml"
    try:
        text = _dump({"name": "brand", **doc})
    except (yaml.YAMLError, UnicodeEncodeError):
        return
    path.write_text(text, encoding="utf-8", errors="surrogatepass")
    try:
        with no_hang():
            load_template("brand", root=root)
    except ReelError as exc:
        assert_located(exc, path)


RUBRIC_KEYS = ["version", "name", "title", "criteria", "id", "check", "value", "expect", "min", "max", "between",
               "equals", "one_of", "severity", "weight", "explain", "x"]


@settings(SEEDED, max_examples=400)
@given(st.dictionaries(st.sampled_from(RUBRIC_KEYS), hostile_values, max_size=5))
def test_hostile_rubrics_get_located_errors(tmp_path_factory, doc):
    path = tmp_path_factory.mktemp("rubric") / "rubric.yaml"
    base = {"version": 1, "name": "fuzz", "title": "Fuzz", "criteria": [
        {"id": "loudness", "expect": {"between": [-15, -13]}, "severity": "must", "explain": "Make it louder."}]}
    try:
        text = _dump({**base, **doc})
    except (yaml.YAMLError, UnicodeEncodeError):
        return
    path.write_text(text, encoding="utf-8", errors="surrogatepass")
    try:
        with no_hang():
            load_rubric(path)
    except ReelError as exc:
        assert_located(exc, path)
