"""The asset library (assets/): every listed asset is a real, usable file; the committed files are
what scripts/make_assets.py makes; a broken index is a clear AssetError; `reel assets`."""

from __future__ import annotations

import hashlib
import importlib.util
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
        assert asset.licence.startswith("CC0-1.0") and asset.description.endswith(".")
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
