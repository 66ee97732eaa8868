"""The asset library (assets/): every listed asset is a real, usable file; the committed files are
what scripts/make_assets.py makes; a broken index is a clear AssetError; `reel assets`."""

from __future__ import annotations

import hashlib
import importlib.util
import json
import re
import sys
from pathlib import Path

import av
import numpy as np
import pytest
from PIL import Image

from toolkit.errors import AssetError
from toolkit.film.assets import KINDS, assets, find_asset, library_dir

ROOT = Path(__file__).resolve().parent.parent


def _script():
    spec = importlib.util.spec_from_file_location("make_assets", ROOT / "scripts" / "make_assets.py")
    module = importlib.util.module_from_spec(spec)
    sys.modules["make_assets"] = module  # dataclasses look their module up by name
    spec.loader.exec_module(module)
    return module


def test_the_library_is_the_checkouts_folder_and_lists_every_kind(monkeypatch) -> None:
    monkeypatch.delenv("REEL_HOME", raising=False)
    assert library_dir() == ROOT / "assets"
    library = assets()
    assert {a.kind for a in library} == set(KINDS)
    assert len({a.name for a in library}) == len(library) >= 15
    for asset in library:
        assert asset.path.is_file(), asset.name
        assert asset.path.is_relative_to(ROOT / "assets")
        assert asset.licence == "CC0-1.0" and asset.description.endswith(".")
    files = {p for p in (ROOT / "assets").rglob("*") if p.is_file()}
    assert files == {a.path for a in library} | {ROOT / "assets" / "index.yaml", ROOT / "assets" / "LICENSE.md"}
    assert sum(p.stat().st_size for p in files) < 1_000_000  # the whole library stays small


@pytest.mark.parametrize("asset", [a for a in assets() if a.kind != "sound"], ids=lambda a: a.name)
def test_every_picture_is_a_png_whose_alpha_is_used(asset) -> None:
    with Image.open(asset.path) as im:
        assert im.format == "PNG" and im.mode == "RGBA"
        assert getattr(im, "n_frames", 1) == 1  # a still: nothing in the library can flash
        alpha = np.asarray(im.getchannel("A"))
        rgb = np.asarray(im.convert("RGB"), dtype=np.float64)
    assert alpha.min() == 0 and alpha.max() >= 235, "transparent around the shape, (nearly) opaque inside"
    assert min(im.size) >= 64 and max(im.size) <= 1120
    assert (alpha > 128).mean() > 0.05
    # stickers and frames are shapes on nothing; a panel's corners are rounded off
    assert (alpha == 0).mean() > (0.05 if asset.kind != "lower-third" else 0.002)
    assert (alpha >= 235).mean() > 0.03
    assert rgb[alpha > 128].std() > 1  # drawn, not one flat colour


@pytest.mark.parametrize("asset", [a for a in assets() if a.kind == "sound"], ids=lambda a: a.name)
def test_every_sound_decodes_at_48khz_with_the_stated_peak_and_silent_edges(asset) -> None:
    peak_dbfs = _script().PEAK_DBFS
    with av.open(str(asset.path)) as container:
        stream = container.streams.audio[0]
        assert stream.rate == 48_000
        samples = np.concatenate([f.to_ndarray().reshape(-1) for f in container.decode(stream)])
    level = samples.astype(np.float64) / 32768 if samples.dtype == np.int16 else samples.astype(np.float64)
    peak = 20 * np.log10(np.abs(level).max())
    assert peak == pytest.approx(peak_dbfs, abs=0.01)
    assert level[0] == 0 and level[-1] == 0  # no click at either end
    assert np.abs(level[:24]).max() < 0.1 and np.abs(level[-24:]).max() < 0.1  # faded in and out
    assert 0.1 <= level.size / 48_000 <= 2.0


def test_the_script_reproduces_the_committed_library(tmp_path) -> None:
    _script().build(tmp_path)
    committed = ROOT / "assets"
    made = {p.relative_to(tmp_path) for p in tmp_path.rglob("*") if p.is_file()}
    assert made == {p.relative_to(committed) for p in committed.rglob("*") if p.is_file() and p.name != "LICENSE.md"}
    for rel in sorted(made):
        if rel.suffix == ".png":  # compare pixels: a newer zlib may pack the same picture differently
            with Image.open(tmp_path / rel) as a, Image.open(committed / rel) as b:
                assert a.size == b.size and a.tobytes() == b.tobytes(), rel
        else:
            assert _sha(tmp_path / rel) == _sha(committed / rel), rel


def _sha(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def test_find_asset_by_name_and_kind_with_did_you_mean() -> None:
    assert find_asset("heart").kind == "sticker"
    assert find_asset("ping", kinds=("sound",)).path.suffix == ".wav"
    with pytest.raises(AssetError, match=r"no asset called `hart` in the library; did you mean `heart`\?"):
        find_asset("hart")
    with pytest.raises(AssetError, match=r"asset `ping` is a sound; here it must be a sticker or lower-third or "
                                         r"graphic"):
        find_asset("ping", kinds=("sticker", "lower-third", "graphic"))
    with pytest.raises(AssetError, match=r"no asset called `zzz` in the library \(`reel assets list`"):
        find_asset("zzz")


# --- a broken library: each problem a clear AssetError naming the index, line, column and field ---

GOOD = "  - name: dot\n    kind: sticker\n    file: dot.png\n    description: A dot.\n    licence: CC0-1.0\n"


def _library(folder: Path, entries: str, *, files: tuple[str, ...] = ("dot.png",)) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "index.yaml").write_text(f"assets:\n{entries}", encoding="utf-8")
    for name in files:
        Image.new("RGBA", (8, 8)).save(folder / name)
    return folder


@pytest.mark.parametrize(("entries", "expected"), [
    ("  - [unclosed\n", r"index.yaml:3:1: YAML syntax: did not find expected ',' or ']'"),
    (GOOD.replace("    licence: CC0-1.0\n", ""),
     r"index.yaml:2:5: assets\[0\]: `licence` is missing or empty; it must be text"),
    (GOOD.replace("kind: sticker", "kind: emoji"),
     r"index.yaml:3:11: assets\[0\].kind: `emoji` is not a kind; use one of sticker, lower-third, graphic, sound"),
    (GOOD.replace("dot.png", "../../outside.png"),
     r"index.yaml:4:11: assets\[0\].file: `../../outside.png` is outside the library folder"),
    (GOOD.replace("dot.png", "/etc/passwd.png"), r"index.yaml:4:11: assets\[0\].file: `/etc/passwd.png` is outside"),
    (GOOD + GOOD, r"index.yaml:7:11: assets\[1\].name: the name `dot` is already used by assets\[0\]; asset names "
                  r"must be unique"),
    (GOOD.replace("kind: sticker", "kind: sound"), r"index.yaml:4:11: assets\[0\].file: a sound is a .wav or .flac"),
    (GOOD.replace("name: dot", "name: Big Dot"), r"index.yaml:2:11: assets\[0\].name: `Big Dot` is not an asset name"),
    (GOOD + "    licence_url: x\n", r"index.yaml:7:5: assets\[0\].licence_url: unknown field `licence_url`"),
    ("  - just a string\n", r"index.yaml:2:5: assets\[0\]: each asset is a mapping"),
], ids=["yaml", "missing-field", "kind", "escape", "absolute", "duplicate", "sound-file", "name", "unknown", "scalar"])
def test_a_broken_index_is_a_located_asset_error(tmp_path, entries: str, expected: str) -> None:
    folder = _library(tmp_path / "lib", entries)
    with pytest.raises(AssetError) as caught:
        assets(folder)
    message = str(caught.value)
    assert message.startswith(f"the asset library's index {folder / 'index.yaml'} is broken")
    assert any(re.search(expected, line) for line in message.splitlines()[1:]), message


def test_every_problem_of_an_index_is_listed_at_once(tmp_path) -> None:
    folder = _library(tmp_path / "lib", GOOD.replace("kind: sticker", "kind: emoji") + GOOD.replace("dot", "o k"))
    with pytest.raises(AssetError) as caught:
        assets(folder)
    message = str(caught.value)
    assert "(2 problems)" in message and "assets[0].kind" in message and "assets[1].name" in message


def test_an_index_without_a_list_or_a_file_says_so(tmp_path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "a" / "index.yaml").write_text("assets: 3\n", encoding="utf-8")
    with pytest.raises(AssetError, match=r"index.yaml:1:9: assets: needs an `assets:` list"):
        assets(tmp_path / "a")
    (tmp_path / "b").mkdir()
    with pytest.raises(AssetError, match=r"index .*b/index.yaml is missing; reinstall Reel or run "
                                         r"scripts/make_assets.py"):
        assets(tmp_path / "b")


def test_a_missing_file_is_an_error_naming_the_asset_and_file(tmp_path) -> None:
    folder = _library(tmp_path / "lib", GOOD, files=())
    assert [a.name for a in assets(folder)] == ["dot"]  # listing the index does not need the files
    with pytest.raises(AssetError, match=r"asset `dot`: its file .*lib/dot.png is missing from the library"):
        find_asset("dot", folder=folder)


def test_reel_home_chooses_the_library(tmp_path, monkeypatch) -> None:
    _library(tmp_path / "assets", GOOD)
    monkeypatch.setenv("REEL_HOME", str(tmp_path))
    assert library_dir() == tmp_path / "assets"
    assert [a.name for a in assets()] == ["dot"] and find_asset("dot").path == (tmp_path / "assets" / "dot.png")


# --- `reel assets` ------------------------------------------------------------------------

def test_reel_assets_list_shows_every_asset_with_its_measure(runner) -> None:
    from toolkit.cli import cli

    result = runner.invoke(cli, ["assets", "list"], terminal_width=200)
    assert result.exit_code == 0, result.output
    for asset in assets():
        assert asset.name in result.stdout
    assert "256×256 px" in result.stdout and "0.70 s" in result.stdout and "CC0-1.0" in result.stdout


def test_reel_assets_list_json_and_kind(runner, tmp_path) -> None:
    import jsonschema

    from toolkit.cli import cli

    result = runner.invoke(cli, ["assets", "list", "--kind", "sound", "--json"])
    assert result.exit_code == 0, result.output
    data = json.loads(result.stdout)
    schema = json.loads((ROOT / "schema" / "assets.schema.json").read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    jsonschema.Draft202012Validator(schema).validate(data)
    assert data["schema"] == "reel-assets/1" and data["library"] == str(library_dir())
    by_name = {a["name"]: a for a in data["assets"]}
    assert set(by_name) == {a.name for a in assets() if a.kind == "sound"}
    assert by_name["ping"]["seconds"] == 0.7 and by_name["ping"]["width"] is None
    assert by_name["ping"]["problem"] is None and by_name["ping"]["licence"] == "CC0-1.0"
    stickers = json.loads(runner.invoke(cli, ["assets", "list", "--kind", "sticker", "--json"]).stdout)["assets"]
    assert {(a["name"], a["width"], a["height"]) for a in stickers} >= {("heart", 256, 256), ("arrow-up", 160, 320)}
    assert runner.invoke(cli, ["assets", "list", "--kind", "emoji"]).exit_code == 2
    written = runner.invoke(cli, ["assets", "list", "--json", str(tmp_path / "lib.json")])
    assert written.exit_code == 0 and json.loads((tmp_path / "lib.json").read_text(encoding="utf-8"))["assets"]


def test_reel_assets_list_names_a_missing_file_and_fails(runner, tmp_path, monkeypatch) -> None:
    from toolkit.cli import cli

    _library(tmp_path / "assets", GOOD, files=())
    monkeypatch.setenv("REEL_HOME", str(tmp_path))
    result = runner.invoke(cli, ["assets", "list"], terminal_width=200)
    assert result.exit_code == 1
    assert "missing or unreadable" in result.stdout
    as_json = runner.invoke(cli, ["assets", "list", "--json"])
    assert as_json.exit_code == 1
    (dot,) = json.loads(as_json.stdout)["assets"]
    assert dot["width"] is None and "dot.png is missing" in dot["problem"]
    assert "asset `dot`: its file" in result.stderr and "dot.png is missing" in result.stderr
    broken = runner.invoke(cli, ["assets", "preview", str(tmp_path / "sheet.png")])
    assert broken.exit_code == 1 and "no sheet written" in broken.stderr
    assert not (tmp_path / "sheet.png").exists()


def test_reel_assets_preview_writes_a_sheet_and_refuses_to_replace_it(runner, tmp_path) -> None:
    from toolkit.cli import cli

    out = tmp_path / "sheet.png"
    result = runner.invoke(cli, ["assets", "preview", str(out)])
    assert result.exit_code == 0, result.output
    pictures = sum(a.kind != "sound" for a in assets())
    sounds = len(assets()) - pictures
    with Image.open(out) as sheet:
        assert sheet.format == "PNG" and sheet.width == 16 + 5 * 216
        # header, rows of picture tiles, a heading, rows of waveforms (see toolkit/film/asset_sheet.py)
        assert sheet.height == 56 + -(-pictures // 5) * 260 + 40 + -(-sounds // 5) * 140
        first_tile = np.asarray(sheet.convert("RGB").crop((16, 56, 216, 256)))
    assert len({tuple(p) for p in first_tile.reshape(-1, 3)}) > 20  # the heart on its checkerboard
    before = out.read_bytes()
    again = runner.invoke(cli, ["assets", "preview", str(out)])
    assert again.exit_code != 0 and "already exists: use --force" in again.stderr
    assert out.read_bytes() == before
    assert runner.invoke(cli, ["assets", "preview", str(out), "--kind", "sound", "--force"]).exit_code == 0
    with Image.open(out) as sounds_only:
        assert sounds_only.height == 56 + 40 + -(-sounds // 5) * 140
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]  # no temporary file left


def test_wheels_carry_the_library() -> None:
    import ast

    tree = ast.parse((ROOT / "setup.py").read_text(encoding="utf-8"))
    shipped = next(ast.literal_eval(n.value) for n in tree.body
                   if isinstance(n, ast.Assign) and getattr(n.targets[0], "id", "") == "SHIPPED")
    assert "assets" in shipped  # the wheel build itself is tested in tests/test_packaging.py
    assert "graft assets" in (ROOT / "MANIFEST.in").read_text(encoding="utf-8").splitlines()


def test_an_unreadable_file_is_named(tmp_path) -> None:
    from toolkit.film.asset_sheet import measure

    folder = _library(tmp_path / "lib", GOOD + GOOD.replace("dot", "beep").replace("sticker", "sound")
                      .replace("beep.png", "beep.wav"), files=("dot.png",))
    (folder / "beep.wav").write_bytes(b"not a sound at all")
    (folder / "dot.png").write_bytes(b"not a picture")
    dot, beep = assets(folder)
    with pytest.raises(AssetError, match=r"asset `dot`: .*lib/dot.png cannot be read as a picture"):
        measure(dot)
    with pytest.raises(AssetError, match=r"asset `beep`: .*lib/beep.wav cannot be read as a sound"):
        measure(beep)


@pytest.mark.parametrize("asset", [a for a in assets() if a.kind == "sticker"], ids=lambda a: a.name)
def test_every_sticker_has_a_navy_outline_that_contrasts_with_its_fill(asset) -> None:
    """The duty-of-care rule at the top of scripts/make_assets.py: on light footage the outline
    reads, on dark footage the fill does, because the two differ by at least 4.5:1."""
    from toolkit.care.contrast import contrast_ratio

    navy = _script().NAVY[:3]
    with Image.open(asset.path) as im:
        pixels = np.asarray(im.convert("RGBA")).reshape(-1, 4)
    opaque = pixels[pixels[:, 3] == 255][:, :3]
    colours, counts = np.unique(opaque, axis=0, return_counts=True)
    share = dict(zip(map(tuple, colours.tolist()), counts / counts.sum(), strict=True))
    assert share.get(navy, 0) > 0.02, "a navy outline"
    fill = max((c for c in share if c != navy), key=share.get)
    assert share[fill] > 0.3
    assert contrast_ratio(fill, navy) >= 4.5


def test_a_symlink_out_of_the_library_is_refused(tmp_path) -> None:
    outside = tmp_path / "secret.png"
    Image.new("RGBA", (8, 8)).save(outside)
    folder = _library(tmp_path / "lib", GOOD.replace("dot.png", "link.png"), files=())
    (folder / "link.png").symlink_to(outside)
    with pytest.raises(AssetError, match=r"index.yaml:4:11: assets\[0\].file: `link.png` is outside the library"):
        assets(folder)


def test_reel_assets_with_a_broken_index_prints_every_problem_and_exits_1(runner, tmp_path, monkeypatch) -> None:
    from toolkit.cli import cli

    _library(tmp_path / "assets", GOOD + GOOD)
    monkeypatch.setenv("REEL_HOME", str(tmp_path))
    for args in (["assets", "list"], ["assets", "list", "--json"], ["assets", "preview", str(tmp_path / "s.png")]):
        result = runner.invoke(cli, args)
        assert result.exit_code == 1, args
        assert result.stdout == "" and not (tmp_path / "s.png").exists()
        assert f"Error: the asset library's index {tmp_path / 'assets' / 'index.yaml'} is broken (1 problem):" \
            in result.stderr
        assert "index.yaml:7:11: assets[1].name: the name `dot` is already used by assets[0]" in result.stderr
