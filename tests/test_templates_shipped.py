"""The shipped templates: every example storyboard plans cleanly under each, and each previews as a sheet."""

from __future__ import annotations

import importlib.util
import shutil
from pathlib import Path

import pytest
from PIL import Image, ImageChops

from toolkit.cli import cli
from toolkit.errors import TemplateError
from toolkit.film.pipeline import prepare
from toolkit.film.plan.timeline import GradientSource, ImageBlock, TextBlock
from toolkit.film.template.loader import available_templates, load_template
from toolkit.film.template.preview import contrast_rows, preview_sheet

ROOT = Path(__file__).resolve().parent.parent
EXAMPLES = sorted((ROOT / "storyboards").glob("*.yaml"))
SHIPPED = ("default", "high-contrast", "harbour")


def test_at_least_three_templates_ship_and_one_is_a_brand_with_a_logo():
    assert set(SHIPPED) <= set(available_templates())
    harbour = load_template("harbour")
    assert harbour.template.logo is not None and harbour.template.fonts.heading.startswith("lato:")
    assert {"logo", "end_card"} <= set(harbour.lock_origins)


@pytest.mark.parametrize("template", SHIPPED)
@pytest.mark.parametrize("path", EXAMPLES, ids=lambda p: p.stem)
def test_every_example_plans_cleanly_under_every_shipped_template(path, template):
    prepared = prepare(path, template=template)
    tl = prepared.timeline
    assert not [str(w) for w in prepared.warnings if w.severity != "info"]
    assert tl.segments[-1].kind == "end_card"
    for overlay in tl.overlays:
        for block in overlay.blocks:
            assert tl.canvas.safe.contains(block.bounds if isinstance(block, TextBlock) else block.box), overlay.id
    logos = [o for o in tl.overlays if o.kind == "logo"]
    texts = [o for o in tl.overlays if o.kind in ("caption", "end_card")]
    for logo in logos:
        box = logo.blocks[0].box
        assert isinstance(logo.blocks[0], ImageBlock)
        for text in texts:
            if text.start < logo.end and text.end > logo.start:
                assert not any(b.bounds.intersects(box) for b in text.blocks), (logo.id, text.id)
    text = " ".join(r.text for o in tl.overlays for b in o.blocks if isinstance(b, TextBlock)
                    for ln in b.lines for r in ln.runs)
    assert "{{" not in text and "}}" not in text


def test_high_contrast_is_yellow_on_solid_black_larger_and_flat():
    tpl = load_template("high-contrast").template
    assert (tpl.captions.color, tpl.captions.box, tpl.captions.box_opacity) == ("#ffe14d", "#000000", 1.0)
    default = load_template("default").template
    assert tpl.captions.size > default.captions.size and tpl.slates.title.size > default.slates.title.size
    assert tpl.end_card.size > default.end_card.size
    for path in EXAMPLES:
        tl = prepare(path, template="high-contrast").timeline
        assert not any(isinstance(s.source, GradientSource) for s in tl.segments)


@pytest.mark.parametrize("template", SHIPPED)
def test_every_text_colour_of_a_shipped_template_meets_4_5_to_1(template):
    rows = contrast_rows(load_template(template).template)
    assert rows and all(ratio is not None and ratio >= 4.5 for _, ratio in rows), rows


@pytest.mark.parametrize("template", SHIPPED)
def test_preview_sheet_is_9_16_and_shows_the_template(tmp_path, template):
    result = preview_sheet(template, tmp_path / "sheet.png")
    assert result.warnings == ()
    with Image.open(result.path) as sheet:
        assert sheet.size == (1080, 1920)
        colours = {c for _, c in sheet.convert("RGB").getcolors(2_000_000)}
    palette = load_template(template).template.palette
    bg = tuple(int(palette.background[i:i + 2], 16) for i in (1, 3, 5))
    assert bg in colours  # the slate panels are painted in the template's background colour


def test_preview_cli_writes_the_sheet(runner, tmp_path):
    out = tmp_path / "nested" / "harbour.png"
    result = runner.invoke(cli, ["templates", "preview", "harbour", "-o", str(out), "--width", "540"])
    assert result.exit_code == 0, result.output
    assert f"wrote {out}" in result.output
    with Image.open(out) as sheet:
        assert sheet.size == (540, 960)


def test_preview_refuses_a_template_that_fails_its_checks(tmp_path, monkeypatch, runner):
    root = tmp_path / "templates"
    shutil.copytree(ROOT / "templates" / "default", root / "default")
    (root / "murky").mkdir()
    (root / "murky" / "template.yaml").write_text("extends: default\nslates:\n  title:\n    color: '#203050'\n")
    with pytest.raises(TemplateError) as exc:
        preview_sheet("murky", tmp_path / "sheet.png", root=root)
    assert str(exc.value).startswith("template `murky` fails its checks on the preview's sample film")
    [issue] = exc.value.issues
    assert issue.file is None and issue.path == "sample film scenes[1].text" and "contrast ratio" in issue.message
    assert not (tmp_path / "sheet.png").exists()
    monkeypatch.setenv("REEL_HOME", str(tmp_path))
    result = runner.invoke(cli, ["templates", "preview", "murky", "-o", str(tmp_path / "sheet.png")])
    assert result.exit_code == 1 and "no sheet written" in result.output


def test_the_committed_logo_is_what_the_script_draws():
    spec = importlib.util.spec_from_file_location("make_brand_assets", ROOT / "scripts" / "make_brand_assets.py")
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    with Image.open(ROOT / "templates" / "harbour" / "logo.png") as committed:
        drawn = module.draw_logo()
        assert committed.size == drawn.size and committed.mode == "RGBA"
        diff = ImageChops.difference(committed.convert("RGBA"), drawn)
        assert max(hi for _, hi in diff.getextrema()) <= 2
