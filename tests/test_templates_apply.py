"""Applying a template to a storyboard: `style:` overrides, locking, merge fields, glyph coverage, gradients."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
from PIL import Image

from toolkit.cli import cli
from toolkit.errors import SpecError, TemplateError
from toolkit.film.compile.fonts import FontBook, default_fallbacks
from toolkit.film.pipeline import prepare
from toolkit.film.plan.timeline import ColorSource, GradientSource, TextBlock
from toolkit.film.template.fields import fill, parse_field_options
from toolkit.film.template.glyphs import glyph_issues, missing_glyphs
from toolkit.film.template.loader import resolve_font

ROOT = Path(__file__).resolve().parent.parent
BRAND = """\
extends: default
logo:
  file: logo.png
  corner: top-left
  width: 120
slates:
  title:
    heading: "{{ programme }}"
end_card:
  heading: "You are not alone, {{ audience }}"
fields:
  programme: Peer Voices
  audience: null
locked: [logo, fonts.captions, captions.color, end_card]
"""


@pytest.fixture()
def root(tmp_path: Path) -> Path:
    r = tmp_path / "templates"
    shutil.copytree(ROOT / "templates" / "default", r / "default")
    (r / "brand").mkdir()
    (r / "brand" / "template.yaml").write_text(BRAND, encoding="utf-8")
    Image.new("RGBA", (240, 120), (250, 200, 80, 255)).save(r / "brand" / "logo.png")
    return r


def film(tmp_path: Path, body: str, head: str = "title: T\nregion: UK\n") -> Path:
    path = tmp_path / "film.yaml"
    path.write_text(head + body, encoding="utf-8")
    return path


def texts(prepared) -> list[str]:
    return [line.text for o in prepared.timeline.overlays for b in o.blocks if isinstance(b, TextBlock)
            for line in b.lines]


def captions(prepared) -> list[TextBlock]:
    return [b for o in prepared.timeline.overlays if o.kind == "caption" for b in o.blocks]


SCENES = "scenes:\n  - background: navy\n    duration: 3s\n    captions: Hello there.\n"


# ------------------------------------------------------------------ overrides


def test_film_style_overrides_unlocked_properties(tmp_path, root):
    path = film(tmp_path, "style:\n  captions:\n    size: 72\n    box_opacity: 1\n  palette:\n"
                          "    background: '#202020'\n" + SCENES)
    prepared = prepare(path, templates_root=root)
    [block] = captions(prepared)
    assert block.size == 72 and block.backing == "#000000ff"
    assert prepared.timeline.end_card.source == ColorSource("#202020")
    assert prepared.template.origins["captions.size"] == "storyboard"
    assert prepared.template.template.captions.size == 72


def test_scene_style_changes_only_that_scene(tmp_path, root):
    path = film(tmp_path, "scenes:\n  - background: navy\n    duration: 3s\n    captions: First.\n"
                          "    style:\n      captions:\n        color: '#ffd166'\n        size: 80\n"
                          "  - background: navy\n    duration: 3s\n    captions: Second.\n")
    first, second = captions(prepare(path, templates_root=root))
    assert (first.size, first.lines[0].runs[0].color) == (80, "#ffd166")
    assert (second.size, second.lines[0].runs[0].color) == (64, "#ffffff")


def test_scene_style_highlight_colour_is_contrast_checked(tmp_path, root):
    path = film(tmp_path, "scenes:\n  - background: navy\n    duration: 3s\n    captions:\n"
                          "      style: word-by-word\n      lines: [Hello there]\n"
                          "    style:\n      captions:\n        highlight: '#333333'\n")
    with pytest.raises(SpecError) as exc:
        prepare(path, templates_root=root)
    [issue] = [i for i in exc.value.issues if i.severity == "error"]
    assert issue.code == "contrast" and "#333333" in issue.message and issue.line == 7


def test_style_keys_are_checked_with_did_you_mean(tmp_path, root):
    path = film(tmp_path, "style:\n  captions:\n    colour: red\n" + SCENES)
    with pytest.raises(SpecError) as exc:
        prepare(path, templates_root=root)
    [issue] = [i for i in exc.value.issues if i.severity == "error"]
    assert (issue.line, issue.col, issue.path) == (5, 5, "style.captions.colour")
    assert issue.message == "unknown key `colour`; did you mean `color`?"


@pytest.mark.parametrize("card", ["off", "null", "{enabled: false}"])
def test_style_cannot_remove_the_end_card(tmp_path, root, card):
    path = film(tmp_path, f"style:\n  end_card: {card}\n" + SCENES)
    with pytest.raises(SpecError) as exc:
        prepare(path, templates_root=root)
    [issue] = [i for i in exc.value.issues if i.severity == "error"]
    assert issue.path == "style.end_card" and issue.line == 4
    assert "cannot be removed or shortened (duty-of-care rule end-card-mandatory)" in issue.message


def test_style_can_lengthen_but_not_shorten_the_end_card(tmp_path, root):
    base = prepare(film(tmp_path, SCENES), templates_root=root).timeline.end_card.length
    longer = prepare(film(tmp_path, "style:\n  end_card:\n    extra_seconds: 2\n" + SCENES), templates_root=root)
    assert longer.timeline.end_card.length == base + 60
    with pytest.raises(SpecError, match="`extra_seconds` can only add time"):
        prepare(film(tmp_path, "style:\n  end_card:\n    extra_seconds: -2\n" + SCENES), templates_root=root)


def test_style_logo_needs_a_template_logo(tmp_path, root):
    path = film(tmp_path, "style:\n  logo:\n    corner: bottom-left\n" + SCENES)
    with pytest.raises(TemplateError) as exc:
        prepare(path, templates_root=root)
    [issue] = [i for i in exc.value.issues if i.severity == "error"]
    assert (issue.line, issue.col) == (4, 3) and issue.message == "template `default` has no logo to restyle"


def test_a_storyboard_font_is_looked_up_next_to_the_storyboard(tmp_path, root):
    path = film(tmp_path, "style:\n  fonts:\n    heading: fonts/Mine.ttf\n" + SCENES)
    with pytest.raises(TemplateError) as exc:
        prepare(path, templates_root=root)
    [issue] = [i for i in exc.value.issues if i.severity == "error"]
    assert (issue.file, issue.line, issue.path) == (path, 5, "style.fonts.heading")
    assert issue.message == "font file fonts/Mine.ttf not found in the storyboard's folder"
    (tmp_path / "fonts").mkdir()
    shutil.copy(resolve_font("atkinson-hyperlegible:italic"), tmp_path / "fonts" / "Mine.ttf")
    assert prepare(path, templates_root=root).inputs.fonts.heading == tmp_path / "fonts" / "Mine.ttf"


# ------------------------------------------------------------------ locking


BRAND_HEAD = "title: T\nregion: UK\ntemplate: brand\nfields: {audience: friend}\n"


def test_overriding_a_locked_property_is_an_error_at_the_override(tmp_path, root):
    path = film(tmp_path, "style:\n  logo:\n    corner: bottom-right\n" + SCENES, head=BRAND_HEAD)
    with pytest.raises(TemplateError) as exc:
        prepare(path, templates_root=root)
    [issue] = [i for i in exc.value.issues if i.severity == "error"]
    assert (issue.file, issue.line, issue.col, issue.path) == (path, 6, 3, "style.logo")
    assert issue.format() == f"{path}:6:3: style.logo: template `brand` locks `logo`; remove this override"


def test_a_locked_leaf_inside_an_unlocked_section(tmp_path, root):
    path = film(tmp_path, "style:\n  captions:\n    size: 70\n    color: '#ffff00'\n" + SCENES, head=BRAND_HEAD)
    with pytest.raises(TemplateError) as exc:
        prepare(path, templates_root=root)
    [issue] = [i for i in exc.value.issues if i.severity == "error"]  # size is not locked: only color is reported
    assert (issue.line, issue.col, issue.path) == (8, 5, "style.captions.color")
    assert issue.message == "template `brand` locks `captions.color`; remove this override"


def test_every_locked_override_is_reported_at_once_including_scene_level(tmp_path, root):
    path = film(tmp_path, "style:\n  fonts:\n    captions: lato:bold\n  end_card:\n    size: 60\n"
                          "end_card:\n  background: '#101010'\n"
                          "scenes:\n  - background: navy\n    duration: 3s\n    captions: Hi there.\n"
                          "    style:\n      captions:\n        color: '#ffffff'\n", head=BRAND_HEAD)
    with pytest.raises(TemplateError) as exc:
        prepare(path, templates_root=root)
    found = sorted((i.path, i.line, i.message.split(" locks ")[1]) for i in exc.value.issues if i.severity == "error")
    assert found == [("end_card.background", 11, "`end_card`; remove this override"),
                     ("scenes[0].style.captions.color", 18, "`captions.color`; remove this override"),
                     ("style.end_card", 8, "`end_card`; remove this override"),
                     ("style.fonts.captions", 7, "`fonts.captions`; remove this override")]


def test_storyboard_keys_that_restyle_count_as_overrides(tmp_path, root):
    (root / "strict").mkdir()
    (root / "strict" / "template.yaml").write_text("extends: default\nlocked: [captions, slates, music]\n")
    path = film(tmp_path, "caption_style: word-by-word\nscenes:\n  - slate: title\n    background: '#000000'\n"
                          "  - background: navy\n    duration: 3s\n    captions:\n      position: top\n"
                          "      lines: [Hi there.]\n", head="title: T\nregion: UK\ntemplate: strict\n")
    with pytest.raises(TemplateError) as exc:
        prepare(path, templates_root=root)
    found = sorted((i.path, i.message) for i in exc.value.issues if i.severity == "error")
    assert found == [
        ("caption_style", "template `strict` locks `captions`; remove this override"),
        ("scenes[0].background", "template `strict` locks `slates`; remove this override"),
        ("scenes[1].captions.position", "template `strict` locks `captions`; remove this override"),
    ]


def test_a_lock_from_a_parent_names_both_templates(tmp_path, root):
    (root / "brand-youth").mkdir()
    (root / "brand-youth" / "template.yaml").write_text("extends: brand\n")
    path = film(tmp_path, "style:\n  logo:\n    width: 200\n" + SCENES,
                head=BRAND_HEAD.replace("template: brand", "template: brand-youth"))
    with pytest.raises(TemplateError) as exc:
        prepare(path, templates_root=root)
    assert exc.value.issues[0].message == ("template `brand-youth` (through `brand`) locks `logo`; "
                                           "remove this override")


def test_unlocked_overrides_are_fine_under_a_locking_template(tmp_path, root):
    path = film(tmp_path, "style:\n  captions:\n    size: 70\n  palette:\n    accent: '#ffd166'\n" + SCENES,
                head=BRAND_HEAD)
    prepared = prepare(path, templates_root=root)
    assert captions(prepared)[0].size == 70
    assert any(o.kind == "logo" for o in prepared.timeline.overlays)


# ------------------------------------------------------------------ merge fields


def test_fields_fill_template_and_storyboard_text(tmp_path, root):
    path = film(tmp_path, "fields:\n  audience: friend\n  trainee: Sam Lee\nscenes:\n  - slate: title\n"
                          "    text: A film by {{ trainee }}\n  - background: navy\n    duration: 3s\n"
                          "    captions: \"{{trainee}} made this for {{ programme }}.\"\n",
                head="title: T\nregion: UK\ntemplate: brand\n")
    joined = " ".join(texts(prepare(path, templates_root=root)))
    assert "Peer Voices" in joined  # the template's default for `programme`, in the title slate heading
    assert "A film by Sam Lee" in joined and "Sam Lee made this for Peer" in joined
    assert "You are not alone, friend" in joined
    assert "{{" not in joined and "}}" not in joined


def test_cli_fields_win_over_the_storyboard_and_template_defaults(tmp_path, root):
    path = film(tmp_path, "fields:\n  audience: friend\nscenes:\n  - slate: title\n    text: Hello\n",
                head="title: T\nregion: UK\ntemplate: brand\n")
    shown = " ".join(texts(prepare(path, templates_root=root, fields={"audience": "everyone",
                                                                         "programme": "Cohort 7"})))
    assert "You are not alone, everyone" in shown and "Cohort 7" in shown and "Peer Voices" not in shown


def test_missing_fields_are_all_reported_together_and_nothing_is_planned(tmp_path, root):
    path = film(tmp_path, "scenes:\n  - slate: title\n    text: By {{ trainee }} ({{ cohort }})\n"
                          "  - background: navy\n    duration: 3s\n    captions: Made by {{ trainee }}.\n",
                head="title: T\nregion: UK\ntemplate: brand\n")
    with pytest.raises(TemplateError) as exc:
        prepare(path, templates_root=root)
    issues = [i for i in exc.value.issues if i.severity == "error"]
    assert [(i.file.name, i.line, i.path) for i in issues] == [
        ("template.yaml", 10, "end_card.heading"), ("film.yaml", 6, "scenes[0].text"),
        ("film.yaml", 9, "scenes[1].captions")]
    assert issues[0].message.startswith("merge field `audience` has no value; give it under the storyboard's "
                                        "`fields:` or with --field audience=...")
    assert issues[1].message.startswith("merge fields `trainee`, `cohort` have no value")
    assert str(exc.value).splitlines()[0] == (
        "3 errors found; merge fields without a value: `audience`, `trainee`, `cohort`; give them under "
        "`fields:` in the storyboard or with --field audience=...")


def test_unknown_fields_warn_with_did_you_mean(tmp_path, root, runner):
    path = film(tmp_path, "fields:\n  audience: friend\n  programe: X\n" + SCENES,
                head="title: T\nregion: UK\ntemplate: brand\n")
    prepared = prepare(path, templates_root=root, fields={"colour": "red"})
    unknown = [i for i in prepared.warnings if i.code == "unknown-field"]
    assert [(i.line, i.col, i.message) for i in unknown] == [
        (6, 3, "merge field `programe` is not used by template `brand` or this storyboard; did you mean "
               "`programme`?"),
        (None, None, "--field colour: merge field `colour` is not used by template `brand` or this storyboard")]
    with pytest.raises(SpecError, match="warnings are errors under --strict"):
        prepare(path, templates_root=root, strict=True)


def test_broken_placeholders_and_braces_in_values_are_errors(tmp_path, root):
    path = film(tmp_path, "fields:\n  audience: '{{ oops }}'\nscenes:\n  - slate: title\n"
                          "    text: Hello {{ two words }} and {{ trainee\n",
                head="title: T\nregion: UK\ntemplate: brand\n")
    with pytest.raises(TemplateError) as exc:
        prepare(path, templates_root=root)
    messages = [(i.path, i.message) for i in exc.value.issues]
    assert ("fields.audience", "the value of merge field `audience` contains `{{` or `}}`") in messages
    assert ("scenes[0].text", "`{{ two words }}` is not a merge field: write `{{ name }}` with a name of letters, "
                              "digits, `_` or `-`") in messages
    assert ("scenes[0].text", "`{{` is not a merge field: write `{{ name }}` with a name of letters, digits, "
                              "`_` or `-`") in messages


def test_fill_is_single_pass_and_reports_what_it_cannot_fill():
    result = fill("{{a}} and {{ b }} and {{ a }}", {"a": "{{ b }}"})
    assert result.text == "{{ b }} and {{ b }} and {{ b }}" and result.missing == ("b",)
    assert fill("{{ x y }} }}", {}).malformed == ("{{ x y }}", "}}")
    assert fill("plain text", {}).ok


def test_parse_field_options():
    assert parse_field_options(["trainee=Sam Lee", "note=a=b", "trainee=Ana"]) == {"trainee": "Ana", "note": "a=b"}
    with pytest.raises(ValueError, match="expected key=value"):
        parse_field_options(["trainee"])


def test_validate_field_option(tmp_path, root, runner, monkeypatch):
    monkeypatch.setenv("REEL_HOME", str(root.parent))
    path = film(tmp_path, SCENES, head="title: T\nregion: UK\ntemplate: brand\n")
    result = runner.invoke(cli, ["validate", str(path)])
    assert result.exit_code == 1 and "merge field `audience` has no value" in result.output
    result = runner.invoke(cli, ["validate", str(path), "--field", "audience=you"])
    assert result.exit_code == 0, result.output
    result = runner.invoke(cli, ["validate", str(path), "--field", "audience"])
    assert result.exit_code == 2 and "expected key=value" in result.output


# ------------------------------------------------------------------ glyphs and gradients


def test_missing_glyphs_are_named(tmp_path, root):
    font = resolve_font("atkinson-hyperlegible:bold")
    assert missing_glyphs(FontBook(), font, "Café — naïve “quotes” 心 → 💚 é") == ["心", "→", "💚"]
    path = film(tmp_path, "scenes:\n  - background: navy\n    duration: 3s\n    captions: Heart 心 here.\n")
    prepared = prepare(path, templates_root=root)
    [issue] = glyph_issues(prepared.timeline, prepared.loaded.document, fallbacks=())
    assert issue.code == "glyph-missing" and (issue.line, issue.path) == (6, "scenes[0].captions")
    assert issue.message == ("Atkinson Hyperlegible Bold has no `心` (U+5FC3), and no fallback font has it: it would "
                             "show as an empty box; choose a font that covers it or change the text")
    assert any("U+5FC3" in i.message for i in prepared.warnings)  # the same check runs in prepare()
    with pytest.raises(SpecError):
        prepare(path, templates_root=root, strict=True)


def test_a_fallback_font_is_named_when_it_has_the_glyph(tmp_path, root):
    book = FontBook()
    fallback = next((f for f in default_fallbacks() if book.covers(f, "→")), None)
    if fallback is None:
        pytest.skip("no fallback font with U+2192 installed")
    path = film(tmp_path, "scenes:\n  - background: navy\n    duration: 3s\n    captions: Then → now.\n")
    prepared = prepare(path, templates_root=root)
    [issue] = glyph_issues(prepared.timeline, prepared.loaded.document, fallbacks=[fallback])
    assert issue.code == "glyph-fallback"
    assert issue.message.startswith("Atkinson Hyperlegible Bold has no `→` (U+2192); it will be drawn with ")


def test_a_flattening_template_turns_gradients_into_its_background(tmp_path):
    path = film(tmp_path, "scenes:\n  - background: {gradient: ['#6d597a', '#355070']}\n    duration: 3s\n"
                          "    captions: Hello.\n")
    assert isinstance(prepare(path).timeline.segments[0].source, GradientSource)
    prepared = prepare(path, template="high-contrast")
    assert prepared.timeline.segments[0].source == ColorSource("#000000")
    [note] = [i for i in prepared.warnings if "solid colour" in i.message]
    assert note.severity == "info" and note.line == 4
