"""Check logic without media: helpline matching, the OCR sampling grid, MP4 box layout, registry."""

from __future__ import annotations

from pathlib import Path

import pytest

from toolkit.care.helplines import load_directory
from toolkit.grade.checks import CHECKS
from toolkit.grade.checks.text import services_in
from toolkit.grade.ocr import sample_times
from toolkit.media.mp4boxes import mp4_layout


@pytest.fixture(scope="module")
def uk():
    return [e for e in load_directory().for_region("UK") if e.kind in ("crisis", "support")]


def names(entries) -> list[str]:
    return [e.name for e in entries]


def test_numbers_match_digit_for_digit_whatever_the_spacing(uk) -> None:
    assert names(services_in("Call 116123\nText SHOUT to 85 258", uk)) == ["Samaritans", "Shout"]


def test_a_short_number_does_not_match_inside_a_longer_one(uk) -> None:
    found = names(services_in("Childline 0800 1111", uk))
    assert "Childline" in found and not any("111" in n and "NHS" in n for n in found)


def test_numbers_on_neighbouring_lines_are_kept_apart(uk) -> None:
    assert names(services_in("116 123\nText SHOUT to 85258", uk)) == ["Samaritans", "Shout"]
    assert services_in("116\n123", uk) == ()


def test_a_keyword_service_needs_its_keyword_and_its_number_on_one_line(uk) -> None:
    assert services_in("Text SHOUT", uk) == ()
    assert services_in("Text to 85258", uk) == ()
    assert services_in("Text SHOUT\nto 85258", uk) == ()
    assert services_in("don't shout about it", uk) == ()
    assert names(services_in("Text SH0UT to 85258", uk)) == ["Shout"]  # the recogniser's O/0 slip


def test_sampling_grid_is_dense_at_both_ends_and_capped_in_between() -> None:
    grid = sample_times(60.0, opening=8.0, ending=12.0, body_step=3.0, max_body=60)
    phases = [p for _, p in grid]
    assert [t for t, p in grid if p == "opening"] == [float(t) for t in range(8)]
    assert [t for t, p in grid if p == "ending"] == [float(t) for t in range(48, 60)]
    assert phases.count("body") == 14
    long = sample_times(600.0, opening=8.0, ending=12.0, body_step=3.0, max_body=60)
    assert sum(p == "body" for _, p in long) <= 61
    assert sample_times(2.0, opening=8.0, ending=12.0, body_step=3.0, max_body=60) == [(0.0, "ending"),
                                                                                      (1.0, "ending")]


def test_mp4_layout_reads_box_order(tmp_path: Path) -> None:
    def box(kind: bytes, payload: bytes = b"") -> bytes:
        return (8 + len(payload)).to_bytes(4, "big") + kind + payload
    fast = tmp_path / "fast.mp4"
    fast.write_bytes(box(b"ftyp", b"isom\0\0\0\0") + box(b"moov", b"x" * 20) + box(b"mdat", b"y" * 50))
    late = tmp_path / "late.mov"
    late.write_bytes(box(b"ftyp", b"qt  \0\0\0\0") + box(b"mdat", b"y" * 50) + box(b"moov"))
    assert mp4_layout(fast) == ("isom", ("ftyp", "moov", "mdat"))
    assert mp4_layout(late) == ("qt  ", ("ftyp", "mdat", "moov"))
    text = tmp_path / "notes.mp4"
    text.write_bytes(b"hello, this is not a video at all")
    assert mp4_layout(text) == (None, ())


def test_every_check_declares_its_main_value_and_units() -> None:
    assert len(CHECKS) == 21
    for spec in CHECKS.values():
        assert spec.main in spec.values and spec.about and spec.title


