"""Brand templates: the format, `extends` inheritance with provenance, and every bad template an editor can write."""

from __future__ import annotations

import shutil
from pathlib import Path

import pytest
import yaml
from PIL import Image

from toolkit.cli import cli
from toolkit.errors import TemplateError
from toolkit.film.pipeline import prepare
from toolkit.film.template.loader import load_template, template_file
from toolkit.film.template.show import resolved_yaml

ROOT = Path(__file__).resolve().parent.parent
FILM = "title: T\nregion: UK\ntemplate: {template}\nscenes:\n  - background: navy\n    duration: 3s\n" \
       "    captions: Hello there.\n"


@pytest.fixture()
def root(tmp_path: Path) -> Path:
    """A templates/ folder holding a copy of the shipped default."""
    r = tmp_path / "templates"
    shutil.copytree(ROOT / "templates" / "default", r / "default")
    return r


def add(root: Path, name: str, text: str) -> Path:
    (root / name).mkdir(parents=True, exist_ok=True)
    path = root / name / "template.yaml"
    path.write_text(text, encoding="utf-8")
    return path


def logo(path: Path) -> Path:
    Image.new("RGBA", (200, 100), (200, 40, 40, 255)).save(path)
    return path


def errors_of(exc: pytest.ExceptionInfo) -> list:
    return [i for i in exc.value.issues if i.severity == "error"]


# ------------------------------------------------------------------ inheritance


def test_child_states_only_what_differs_and_origins_say_where(root):
    add(root, "brand", "extends: default\npalette:\n  accent: '#ff0000'\n")
    resolved = load_template("brand", root=root)
    tpl = resolved.template
    assert tpl.palette.accent == "#ff0000"
    assert tpl.palette.text == "#ffffff" and tpl.captions.size == 64  # from default
    assert resolved.chain == ("brand", "default")
    assert resolved.origins["palette.accent"] == "brand"
    assert resolved.origins["palette.text"] == "default"
    assert "captions.line_spacing" not in resolved.origins  # nobody wrote it: the built-in default


def test_grandchild_resolves_through_the_whole_chain(root):
    add(root, "brand", "extends: default\ncaptions:\n  size: 70\n")
    add(root, "brand-youth", "extends: brand\ncaptions:\n  color: '#ffff00'\n")
    resolved = load_template("brand-youth", root=root)
    assert resolved.chain == ("brand-youth", "brand", "default")
    assert (resolved.template.captions.size, resolved.template.captions.color) == (70, "#ffff00")
    assert resolved.origins["captions.size"] == "brand" and resolved.origins["captions.box"] == "default"


def test_child_restyles_parent_logo_without_repeating_the_file(root):
    add(root, "brand", "extends: default\nlogo:\n  file: mark.png\n  corner: top-right\n")
    logo(root / "brand" / "mark.png")
    add(root, "brand-left", "extends: brand\nlogo:\n  corner: top-left\n  on: [scene]\n")
    resolved = load_template("brand-left", root=root)
    assert resolved.template.logo.corner == "top-left"
    assert resolved.template.logo.on == ["scene"]  # YAML 1.1 reads `on:` as true; the loader keeps it `on`
    assert template_file(resolved, resolved.template.logo.file) == root / "brand" / "mark.png"


def test_locks_add_up_along_extends(root):
    add(root, "brand", "extends: default\nlocked: [end_card]\n")
    add(root, "brand-youth", "extends: brand\nlocked: [fonts.captions]\n")
    resolved = load_template("brand-youth", root=root)
    assert dict(resolved.lock_origins) == {"end_card": "brand", "fonts.captions": "brand-youth"}
    assert resolved.template.locked == ["end_card", "fonts.captions"]


def test_show_prints_resolved_yaml_with_provenance(root):
    add(root, "brand", "extends: default\ndescription: A brand\ncaptions:\n  size: 70\nlocked: [captions]\n")
    text = resolved_yaml(load_template("brand", root=root))
    lines = text.splitlines()
    assert lines[0] == "# template `brand`, resolved through: brand -> default"
    assert any(ln.startswith("  size: 70") and ln.endswith("# from brand") for ln in lines)
    assert any(ln.startswith("  box: '#000000'") and ln.endswith("# from default") for ln in lines)
    assert any(ln.startswith("  line_spacing: 1.25") and ln.endswith("# built-in default") for ln in lines)
    assert any(ln.startswith("  heading: atkinson-hyperlegible:bold") and "AtkinsonHyperlegible-Bold.ttf" in ln
               for ln in lines)
    data = yaml.safe_load(text)  # still plain YAML
    assert data["captions"]["size"] == 70 and data["locked"] == ["captions"]


# ------------------------------------------------------------------ bad templates


def test_unknown_template_lists_the_available_ones(root, tmp_path):
    add(root, "brand", "extends: default\n")
    with pytest.raises(TemplateError) as exc:
        load_template("nope", root=root)
    assert "template `nope` not found" in str(exc.value) and "available: brand, default" in str(exc.value)
    film = tmp_path / "film.yaml"
    film.write_text(FILM.format(template="nope"))
    with pytest.raises(TemplateError) as exc:
        prepare(film, templates_root=root)
    [issue] = [i for i in exc.value.issues if i.severity == "error"]
    assert (issue.file, issue.line, issue.col, issue.path) == (film, 3, 11, "template")
    assert issue.message == "template `nope` not found; available: brand, default"
    with pytest.raises(TemplateError) as exc:
        prepare(film, template="nada", templates_root=root)
    assert exc.value.issues[0].message.startswith("--template nada: template `nada` not found; available:")


def test_template_names_cannot_leave_the_templates_folder(root):
    with pytest.raises(TemplateError, match=r"`\.\./default` is not a template name"):
        load_template("../default", root=root)
    add(root, "sneaky", "extends: ../default\n")
    with pytest.raises(TemplateError, match=r"template `\.\./default` not found"):
        load_template("sneaky", root=root)


def test_extends_cycle_is_named_and_located(root):
    add(root, "a", "description: A\nextends: b\n")
    b = add(root, "b", "extends: a\n")
    with pytest.raises(TemplateError) as exc:
        load_template("a", root=root)
    [issue] = [i for i in exc.value.issues if i.severity == "error"]
    assert issue.message == "`extends` goes round in a circle: a -> b -> a"
    assert (issue.file, issue.line, issue.col) == (b, 1, 10)
    add(root, "self", "extends: self\n")
    with pytest.raises(TemplateError, match="self -> self"):
        load_template("self", root=root)


def test_extends_a_missing_template_is_located(root):
    path = add(root, "brand", "description: x\nextends: defualt\n")
    with pytest.raises(TemplateError) as exc:
        load_template("brand", root=root)
    [issue] = [i for i in exc.value.issues if i.severity == "error"]
    assert (issue.file, issue.line, issue.col) == (path, 2, 10)
    assert issue.message == "template `defualt` not found; available: brand, default"


def test_missing_font_file_package_and_style_are_each_located(root):
    path = add(root, "brand", "extends: default\nfonts:\n  heading: fonts/Missing.ttf\n"
                              "  body: no-such-family:regular\n  captions: atkinson-hyperlegible:black\n")
    with pytest.raises(TemplateError) as exc:
        load_template("brand", root=root)
    by_path = {i.path: i for i in errors_of(exc)}
    assert by_path["fonts.heading"].message == "font file fonts/Missing.ttf not found in the template folder"
    assert (by_path["fonts.heading"].file, by_path["fonts.heading"].line) == (path, 3)
    assert by_path["fonts.body"].message == ("font package for `no-such-family` is not installed "
                                             "(pip install fontpkg-no-such-family)")
    assert by_path["fonts.captions"].message.startswith("font `atkinson-hyperlegible:black`: no style `black`; "
                                                        "available: bold, bolditalic, italic, regular")


def test_a_font_file_in_the_template_folder_is_used(root):
    import fontpkg_atkinson_hyperlegible as pkg

    add(root, "brand", "extends: default\nfonts:\n  captions: fonts/Brand.ttf\n")
    (root / "brand" / "fonts").mkdir()
    shutil.copy(Path(pkg.ROOT) / "files" / "AtkinsonHyperlegible-Italic.ttf", root / "brand" / "fonts" / "Brand.ttf")
    assert load_template("brand", root=root).template.fonts.captions == "fonts/Brand.ttf"


def test_missing_logo_and_a_logo_that_is_not_an_image(root):
    path = add(root, "brand", "extends: default\nlogo:\n  file: logo.png\n")
    with pytest.raises(TemplateError) as exc:
        load_template("brand", root=root)
    [issue] = [i for i in exc.value.issues if i.severity == "error"]
    assert (issue.file, issue.line, issue.col, issue.path) == (path, 3, 9, "logo.file")
    assert issue.message.startswith("logo file logo.png not found in the template folder")
    (root / "brand" / "logo.png").write_text("<svg>not a png</svg>")
    with pytest.raises(TemplateError) as exc:
        load_template("brand", root=root)
    assert exc.value.issues[0].message == ("logo logo.png is not an image Pillow can read (use a PNG with "
                                           "transparency)")


def test_template_files_must_stay_in_the_template_folder(root):
    logo(root / "outside.png")
    add(root, "brand", "extends: default\nlogo:\n  file: ../outside.png\nintro: /etc/hosts\n")
    with pytest.raises(TemplateError) as exc:
        load_template("brand", root=root)
    messages = sorted(i.message for i in exc.value.issues)
    assert messages == ["intro file /etc/hosts must be inside the template folder",
                        "logo file ../outside.png must be inside the template folder"]


def test_missing_intro_outro_and_music_files_are_located(root):
    path = add(root, "brand", "extends: default\nintro: sting.mp4\noutro: outro.mp4\nmusic:\n  file: bed.m4a\n")
    with pytest.raises(TemplateError) as exc:
        load_template("brand", root=root)
    found = {(i.path, i.line) for i in exc.value.issues}
    assert found == {("intro", 2), ("outro", 3), ("music.file", 5)}
    assert all(i.file == path for i in exc.value.issues)


@pytest.mark.parametrize("card", ["off", "null", "false", "{enabled: false}", "{show: no}", "{duration: 2s}"])
def test_a_template_cannot_remove_the_end_card(root, card):
    path = add(root, "brand", f"extends: default\nend_card: {card}\n")
    with pytest.raises(TemplateError) as exc:
        load_template("brand", root=root)
    [issue] = errors_of(exc)
    assert (issue.file, issue.line, issue.path) == (path, 2, "end_card")
    assert "cannot be removed or shortened (duty-of-care rule end-card-mandatory)" in issue.message


def test_a_template_cannot_shorten_the_end_card(root):
    add(root, "brand", "extends: default\nend_card:\n  extra_seconds: -2\n")
    with pytest.raises(TemplateError) as exc:
        load_template("brand", root=root)
    [issue] = errors_of(exc)
    assert issue.path == "end_card.extra_seconds" and issue.line == 3
    assert issue.message == ("the end card cannot be shortened (duty-of-care rule end-card-mandatory); "
                             "`extra_seconds` can only add time")


def test_misspelt_keys_and_locks_get_did_you_mean(root):
    path = add(root, "brand", "extends: default\npallete:\n  text: '#ffffff'\nlocked: [logo, fonts.caption]\n")
    with pytest.raises(TemplateError) as exc:
        load_template("brand", root=root)
    by_path = {i.path: i for i in exc.value.issues}
    assert by_path["pallete"].message == "unknown key `pallete`; did you mean `palette`?"
    assert (by_path["pallete"].file, by_path["pallete"].line, by_path["pallete"].col) == (path, 2, 1)
    lock = by_path["locked[1]"]
    assert lock.message == "`fonts.caption` is not a property a storyboard can override; did you mean " \
                           "`fonts.captions`?"
    assert (lock.line, lock.col) == (4, 16)


def test_bad_merge_field_names_in_the_template_are_errors(root):
    add(root, "brand", "extends: default\nfields:\n  two words: x\n")
    with pytest.raises(TemplateError, match=r"fields\.two words"):
        load_template("brand", root=root)


# ------------------------------------------------------------------ CLI


def test_templates_list_shows_every_shipped_template(runner):
    result = runner.invoke(cli, ["templates", "list"], env={"COLUMNS": "200"})
    assert result.exit_code == 0, result.output
    for name in ("default", "high-contrast", "harbour"):
        assert name in result.output
    assert "logo, end_card, palette, fonts" in result.output


def test_templates_show_resolves_a_shipped_template(runner):
    result = runner.invoke(cli, ["templates", "show", "harbour"])
    assert result.exit_code == 0, result.output
    assert "  size: 64" in result.output and "# from default" in result.output
    assert "# from harbour -> Lato-Black.ttf" in result.output
    data = yaml.safe_load(result.output)
    assert data["logo"]["on"] == ["scene", "slate"] and data["extends"] == "default"


def test_templates_show_unknown_name_exits_1(runner):
    result = runner.invoke(cli, ["templates", "show", "nope"])
    assert result.exit_code == 1
    assert "template `nope` not found" in result.output and "available: default, harbour, high-contrast" in \
        result.output
