"""Everything drawn is linted where it was written; content warnings and topics can't be neutered (issue 11 §2-3)."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest

from toolkit.care.lint import find_topics, load_rules
from toolkit.care.warnings import content_warning_text, warning_text_problems
from toolkit.cli import cli
from toolkit.errors import PolicyError
from toolkit.film.pipeline import prepare

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = sorted((ROOT / "storyboards").glob("*.yaml"))
RULES = load_rules()
SCENE = "  - background: navy\n    duration: 4s\n    captions: We talked it through together.\n"


def _write(tmp_path: Path, text: str, name: str = "film.yaml") -> Path:
    path = tmp_path / name
    path.write_text(text, encoding="utf-8")
    return path


def _errors(path: Path, **kw) -> list:
    with pytest.raises(PolicyError) as err:
        prepare(path, **kw)
    return [i for i in err.value.issues if i.severity == "error"]


# ---------------------------------------------------------------- template and style text


@pytest.fixture()
def templates(tmp_path: Path) -> Path:
    root = tmp_path / "templates"
    shutil.copytree(ROOT / "templates" / "default", root / "default")
    (root / "brand").mkdir()
    (root / "brand" / "template.yaml").write_text(
        "extends: default\n"                                    # 1
        "slates:\n"                                             # 2
        "  title:\n"                                            # 3
        "    heading: \"{{ programme }}\"\n"                    # 4
        "  signpost:\n"                                         # 5
        "    heading: Why people commit suicide\n"              # 6
        "end_card:\n"                                           # 7
        "  heading: \"You are not alone, {{ audience }}\"\n"    # 8
        "fields:\n"                                             # 9
        "  programme: Peer Voices on why people commited suicide\n"  # 10
        "  audience: null\n", encoding="utf-8")
    return root


def test_template_heading_and_field_default_are_located_in_the_template(tmp_path: Path, templates: Path) -> None:
    path = _write(tmp_path, "title: T\nregion: UK\ntemplate: brand\nfields:\n  audience: friends\nscenes:\n"
                  "  - slate: title\n  - slate: signpost\n" + SCENE)
    errors = _errors(path, templates_root=templates)
    tpl = templates / "brand" / "template.yaml"
    found = {(i.file, i.line, i.col, i.path) for i in errors}
    assert (tpl, 6, 25, "slates.signpost.heading") in found
    assert (tpl, 10, 40, "fields.programme") in found
    [field] = [i for i in errors if i.path == "fields.programme"]
    assert "merge field `programme` (default in template `brand`)" in field.message
    assert "“commited suicide” (disguised: misspelling “commited” of “committed”)" in field.message


def test_a_template_heading_that_is_not_drawn_is_not_linted(tmp_path: Path, templates: Path) -> None:
    # no signpost or title slate: neither heading reaches the screen
    path = _write(tmp_path, "title: T\nregion: UK\ntemplate: brand\nfields:\n  audience: friends\nscenes:\n" + SCENE)
    assert not [i for i in prepare(path, templates_root=templates).warnings if i.code == "committed-suicide"]


def test_a_storyboard_field_inside_a_template_heading_is_located_at_the_field(tmp_path: Path, templates: Path) -> None:
    path = _write(tmp_path, "title: T\nregion: UK\ntemplate: brand\nfields:\n  audience: psycho friends\n"
                  "scenes:\n" + SCENE)
    [issue] = _errors(path, templates_root=templates)
    assert (issue.file, issue.line, issue.col, issue.path, issue.code) == (path, 5, 13, "fields.audience", "slur")
    assert "merge field `audience`" in issue.message


def test_a_field_given_on_the_command_line_is_named(tmp_path: Path, templates: Path) -> None:
    path = _write(tmp_path, "title: T\nregion: UK\ntemplate: brand\nscenes:\n" + SCENE)
    [issue] = _errors(path, templates_root=templates, fields={"audience": "you lunatics"})
    assert issue.path == "--field audience"
    assert "merge field `audience` (given with --field)" in issue.message


def test_style_slate_and_end_card_headings_are_linted(tmp_path: Path) -> None:
    path = _write(tmp_path, "title: T\nregion: UK\ntopics: [suicide]\nstyle:\n  slates:\n    signpost:\n"
                  "      heading: Never go crazy\n  end_card:\n    heading: \"Don't c0mmit suicide\"\nscenes:\n"
                  "  - slate: signpost\n" + SCENE)
    found = {(i.line, i.col, i.path, i.code) for i in _errors(path)}
    assert found == {(7, 25, "style.slates.signpost.heading", "slur"),
                     (9, 21, "style.end_card.heading", "committed-suicide")}


def test_end_card_heading_custom_service_name_and_hours_are_linted(tmp_path: Path) -> None:
    path = _write(tmp_path, "title: T\nregion: UK\nend_card:\n  heading: You are not a lunatic\n  custom_services:\n"
                  "    - name: Crazy Days Line\n      call: \"0800 123 4567\"\n      hours: Open when you go nuts\n"
                  "scenes:\n" + SCENE)
    found = {(i.line, i.col, i.path) for i in _errors(path)}
    assert found == {(4, 26, "end_card.heading"), (6, 13, "end_card.custom_services[0].name"),
                     (8, 28, "end_card.custom_services[0].hours")}


# ---------------------------------------------------------------- the content-warning slate


def test_a_neutered_content_warning_is_refused_with_suggested_wording(tmp_path: Path) -> None:
    path = _write(tmp_path, "title: T\nregion: UK\ntopics: [suicide, self-harm]\nscenes:\n"
                  "  - slate: content-warning\n    text: Enjoy the show everyone.\n" + SCENE)
    [issue] = _errors(path)
    assert (issue.line, issue.col, issue.path, issue.code) == (6, 11, "scenes[0].text", "content-warning-text")
    assert issue.message == (
        "a content-warning slate must say what the film covers and that support details follow: it does not say the "
        "film covers suicide and self-harm; it does not say that support details follow (e.g. “Support details are "
        "at the end.”). Suggested wording: “" + content_warning_text(["suicide", "self-harm"]) + "”")


@pytest.mark.parametrize(("text", "problem"), [
    ("This film talks about suicide. Enjoy!", "does not say that support details follow"),
    ("Enjoy the show. Support details are at the end.", "does not say the film covers suicide"),
    ("Support details are at the end.", "does not say the film covers suicide"),
    ("This video mentions self-harm. Help is listed at the end.", "does not say the film covers suicide"),
])
def test_a_warning_must_name_each_topic_and_say_support_follows(text: str, problem: str) -> None:
    assert problem in warning_text_problems(text, ["suicide"], RULES)


@pytest.mark.parametrize(("text", "topics"), [
    ("This video talks about suicide. Support details are at the end.", ["suicide"]),
    ("Content note: suicidal feelings and self harm. Helplines follow at the end.", ["suicide", "self-harm"]),
    ("This video discusses eating disorders; help is listed at the end.", ["eating-disorders"]),
    ("A film about depression. Support details follow.", ["depression"]),
    ("This video talks about mental health. Support details are at the end.", []),
    ("This sample talks about feeling low. Support details are at the end.", []),
])
def test_honest_warnings_pass(text: str, topics: list[str]) -> None:
    assert warning_text_problems(text, topics, RULES) == ""


def test_a_film_without_flagged_topics_must_still_say_what_it_covers() -> None:
    problem = warning_text_problems("Enjoy the show everyone.", ["depression"], RULES)
    assert "it does not say the film covers its subject (e.g. “This video talks about mental health.”)" in problem
    assert "Suggested wording: “This video talks about mental health. Support details are at the end." in problem


def test_the_generated_warnings_pass_their_own_check() -> None:
    for topics in (["suicide"], ["self-harm"], ["eating-disorders"], ["suicide", "self-harm", "eating-disorders"]):
        assert warning_text_problems(content_warning_text(topics), topics, RULES) == ""


# ---------------------------------------------------------------- topic inference


def test_a_flagged_topic_missing_from_topics_is_an_error_at_the_line_that_shows_it(tmp_path: Path) -> None:
    path = _write(tmp_path, "title: T\nregion: UK\ntopics: [depression]\nscenes:\n  - background: navy\n"
                  "    duration: 4s\n    captions:\n      - It was a hard year.\n      - I had suicidal thoughts.\n")
    [issue] = _errors(path)
    assert (issue.line, issue.col, issue.path, issue.code) == (9, 15, "scenes[0].captions[1]", "topic-missing")
    assert issue.message == ("this text talks about suicide (“suicidal”) but `topics` does not list `suicide`: add "
                             "`suicide` to `topics:`, which adds the content-warning slate and the suicide helplines")


def test_topics_are_inferred_from_caption_files_too(tmp_path: Path) -> None:
    (tmp_path / "captions.srt").write_text("1\n00:00:00,000 --> 00:00:02,000\nHello.\n\n2\n00:00:02,000 --> "
                                           "00:00:04,000\nShe lived with anorexia for years.\n", encoding="utf-8")
    path = _write(tmp_path, "title: T\nregion: UK\nscenes:\n  - background: navy\n    duration: 4s\n"
                  "    captions:\n      file: captions.srt\n")
    [issue] = _errors(path)
    assert (issue.line, issue.path, issue.code) == (7, "scenes[0].captions.file", "topic-missing")
    assert issue.message.startswith("caption 2 in captions.srt: this text talks about eating disorders (“anorexia”)")


def test_a_disguised_topic_word_is_still_inferred(tmp_path: Path) -> None:
    path = _write(tmp_path, "title: T\nregion: UK\nscenes:\n  - background: navy\n    duration: 4s\n"
                  "    captions: Talking about self-h4rm helps.\n")
    [issue] = _errors(path)
    assert (issue.line, issue.col, issue.code) == (6, 29, "topic-missing")


@pytest.mark.parametrize("text", [
    "That speech was political suicide.", "It felt like a suicide mission.", "I nearly killed myself laughing.",
    "I cut myself a slice of cake.", "We were eating dinner together.", "I harmed my chances at the interview.",
    "The life of the party.", "I binge-watched the series.", "Self-care matters.",
])
def test_figurative_and_unrelated_words_do_not_show_a_topic(text: str) -> None:
    assert find_topics(text, RULES) == []


def test_the_helpline_names_on_the_card_do_not_count(tmp_path: Path) -> None:
    # a US film's card names the 988 Suicide & Crisis Lifeline; that is Reel's text, not the film's
    path = _write(tmp_path, "title: T\nregion: US\nscenes:\n" + SCENE)
    assert not [i for i in prepare(path).warnings if i.code == "topic-missing"]


# ---------------------------------------------------------------- the shipped examples


def test_the_example_storyboards_still_validate(runner) -> None:
    result = runner.invoke(cli, ["validate", *map(str, EXAMPLES)])
    assert result.exit_code == 0, result.output
    assert result.output.count("valid —") == len(EXAMPLES)
    for code in ("topic-missing", "content-warning-text", "invisible-character", "look-alike"):
        assert code not in result.output
