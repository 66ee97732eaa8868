"""Property tests: whatever YAML-ish data a trainee writes, validation fails only with our typed error."""

from __future__ import annotations

from pathlib import Path

import yaml
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from toolkit.build.spec.loader import parse_document
from toolkit.build.spec.validate import load_storyboard
from toolkit.errors import SpecError

KEYS = ["title", "region", "scenes", "background", "duration", "captions", "text", "at", "for", "until",
        "slate", "transition", "video", "image", "color", "gradient", "from", "to", "fit", "move", "topics",
        "end_card", "music", "voiceover", "style", "lines", "file", "audio", "keep", "volume", "x", "titel"]
scalars = st.one_of(st.none(), st.booleans(), st.integers(-10**6, 10**6), st.floats(allow_nan=False),
                    st.text(max_size=20), st.sampled_from(["3s", "-1s", "45f", "navy", "#fff", "UK", "a.mp4",
                                                           "cover", "fade", "title", "00:01.5", "../x.png"]))
data = st.recursive(scalars, lambda children: st.one_of(
    st.lists(children, max_size=4), st.dictionaries(st.sampled_from(KEYS), children, max_size=5)), max_leaves=25)


@settings(max_examples=200, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
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


@settings(max_examples=200, deadline=None)
@given(st.text(max_size=200))
def test_random_text_parses_or_raises_spec_error(text):
    try:
        parse_document(text, Path("x.yaml"))
    except SpecError as exc:
        assert all(i.file == Path("x.yaml") for i in exc.issues)
