"""Consent, the rest of §1: identifying places on screen (`places:` and show.location), names and places in
template headings and merge fields, impossible dates, and `reel contributors list|uses|withdraw --json`."""

from __future__ import annotations

import json
import shutil
from datetime import date
from pathlib import Path

import jsonschema
import pytest

from toolkit.cli import cli
from toolkit.errors import IssuesError, SpecError
from toolkit.film.pipeline import prepare
from toolkit.media import synth

ROOT = Path(__file__).resolve().parent.parent
TODAY = date(2026, 6, 1)

RECORD = """\
contributors:
  - id: sam
    name: Samuel Reid
    shown_as: Alex
    consent: CF-2026-014
    given: 2026-01-10
    expires: 2027-01-10
    platforms: [tiktok, reels]
    places: [Hackney, Mare Street, "St Mary's School"]
    show: {{face: yes, voice: yes, name: {name}, location: {location}}}
"""
# the record is lines 3-12; `scenes:` is line 13, the first scene starts on line 14


@pytest.fixture(scope="module")
def media(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("places")
    synth.footage(folder / "clip.mp4", seconds=2, width=64, height=36)
    return folder


def film(folder: Path, scenes: str, *, location: str = "no", name: str = "no", top: str = "",
         record: str | None = None) -> Path:
    block = RECORD.format(name=name, location=location) if record is None else record
    path = folder / "film.yaml"
    path.write_text(f"title: A story\nregion: UK\n{top}{block}scenes:\n{scenes}", encoding="utf-8")
    return path


def refused(path: Path, **kwargs) -> list[str]:
    with pytest.raises(IssuesError) as exc:
        prepare(path, today=TODAY, width=216, **kwargs)
    return [i.format() for i in exc.value.issues if i.severity == "error"]


FOOTAGE = "  - background: {video: clip.mp4, contributor: sam}\n    duration: 2s\n"
WHY = "leave the place out, or name a wider area that does not identify them"


# ---------------------------------------------------------------- places on screen


@pytest.mark.parametrize("written", ["Mare Street", "MARE   street", "M\u0430re Street", "Mare\u200b Street",
                                     "Mare-Street"])
def test_a_place_in_a_caption_is_refused(media, written):
    path = film(media, FOOTAGE + f"    captions:\n      - \"I grew up on {written}.\"\n")
    assert refused(path) == [f"{path}:17:9: scenes[0].captions[0]: contributor `sam`: the caption shows a place "
                             f"that identifies them (Mare Street), and they agreed to show.location: no; {WHY}"]


def test_lower_third_about_texts_hook_and_slate(media):
    scenes = ("  - slate: title\n    text: \"St. Mary’s School, 2019\"\n" + FOOTAGE +
              "    lower_third: {name: Alex, about: Lives in Hackney}\n"
              "    hook: {text: \"Hackney nights\"}\n"
              "  - background: navy\n    duration: 2s\n    texts: [\"Mare Street\"]\n")
    path = film(media, scenes, location="anonymised")
    agreed = "and they agreed to show.location: anonymised; " + WHY
    assert refused(path) == [
        f"{path}:15:11: scenes[0].text: contributor `sam`: the title slate shows a place that identifies them "
        f"(St Mary's School), {agreed}",
        f"{path}:18:38: scenes[1].lower_third.about: contributor `sam`: the lower third shows a place that "
        f"identifies them (Hackney), {agreed}",
        f"{path}:19:18: scenes[1].hook.text: contributor `sam`: the hook shows a place that identifies them "
        f"(Hackney), {agreed}",
        f"{path}:22:13: scenes[2].texts[0]: contributor `sam`: the text shows a place that identifies them "
        f"(Mare Street), {agreed}"]


def test_location_yes_and_words_that_only_contain_a_place_pass(media):
    shown = FOOTAGE + "    captions:\n      - I grew up on Mare Street in Hackney.\n"
    prepare(film(media, shown, location="yes"), today=TODAY, width=216)
    prepare(film(media, FOOTAGE + "    captions:\n      - A hackneyed phrase, a mare, a street.\n"),
            today=TODAY, width=216)


def test_a_place_inside_a_picture_is_read_from_its_pixels(media, tmp_path, monkeypatch):
    import hostile_fonts
    from PIL import Image, ImageDraw, ImageFont

    monkeypatch.setenv("REEL_CACHE", str(tmp_path / "cache"))
    shutil.copy(media / "clip.mp4", tmp_path / "clip.mp4")
    sign = Image.new("RGB", (600, 200), "white")
    font = ImageFont.truetype(str(hostile_fonts.atkinson("Bold")), 44)
    ImageDraw.Draw(sign).text((24, 60), "MARE STREET E8", font=font, fill="black")
    sign.save(tmp_path / "sign.png")
    scene = ("  - background: clip.mp4\n    duration: 2s\n    layers:\n"
             "      - {image: sign.png, position: center, size: 60%, text: yes}\n")
    [message] = [m for m in refused(film(tmp_path, scene)) if "read from its pixels" in m]
    assert message.startswith(f"{tmp_path / 'film.yaml'}:17:17: scenes[0].layers[0].image: contributor `sam`: the "
                              "picture shows a place that identifies them (Mare Street) (read from its pixels: ")
    assert message.endswith("and they agreed to show.location: no; use a picture where it is covered or cropped out")
    prepare(film(tmp_path, scene, location="yes"), today=TODAY, width=216)


@pytest.mark.parametrize(("places", "col", "message"), [
    ('[Hackney, ""]', 23, "the place is blank; write it as it would appear on screen (`Mare Street`), or remove the "
     "entry"),
    ('[Hackney, "  "]', 23, "the place is blank; write it as it would appear on screen (`Mare Street`), or remove "
     "the entry"),
    ("[Hackney, '--']", 23, "write the place as it is written on screen, got '--'"),
])
def test_a_place_that_is_not_written_is_a_located_error(media, places, col, message):
    record = RECORD.format(name="no", location="no").replace('[Hackney, Mare Street, "St Mary\'s School"]', places)
    path = film(media, FOOTAGE, record=record)
    with pytest.raises(SpecError) as exc:
        prepare(path, today=TODAY, width=216)
    assert [i.format() for i in exc.value.issues if i.severity == "error"] == [
        f"{path}:11:{col}: contributors[0].places[1]: {message}"]


# ---------------------------------------------------------------- template headings and merge fields

BRAND = """\
extends: default
slates:
  title:
    heading: "{{ who }}'s story"
end_card:
  heading: "Thank you, Samuel Reid"
fields:
  who: Alex
"""


@pytest.fixture()
def templates(tmp_path: Path) -> Path:
    root = tmp_path / "templates"
    shutil.copytree(ROOT / "templates" / "default", root / "default")
    (root / "brand").mkdir()
    (root / "brand" / "template.yaml").write_text(BRAND, encoding="utf-8")
    return root


SLATE = "  - slate: title\n    text: A story\n" + FOOTAGE
NAME = "shows their real name, and they agreed to show.name: no; write `Alex` instead"


def test_a_template_heading_with_the_real_name_is_refused_in_the_template(media, templates):
    path = film(media, SLATE, top="template: brand\n")
    tpl = templates / "brand" / "template.yaml"
    assert refused(path, templates_root=templates) == [
        f"{tpl}:6:24: end_card.heading: template `brand`: contributor `sam`: the end card heading {NAME}"]


def test_a_merge_field_that_fills_in_the_real_name_is_refused_at_its_value(media, templates):
    tpl = templates / "brand" / "template.yaml"
    tpl.write_text(BRAND.replace("Thank you, Samuel Reid", "Thank you"), encoding="utf-8")
    top = "template: brand\nfields:\n  who: Samuel  Reid\n"
    path = film(media, SLATE, top=top)
    # the heading as drawn is "Samuel  Reid's story": the name came from the storyboard's value of `who`
    assert refused(path, templates_root=templates) == [
        f"{path}:5:8: fields.who: template `brand`, merge field `who`: contributor `sam`: the title slate heading "
        f"{NAME}"]
    # the same value given on the command line
    path = film(media, SLATE, top="template: brand\n")
    assert refused(path, templates_root=templates, fields={"who": "Samuel Reid"}) == [
        "--field who: template `brand`, merge field `who` (given with --field): contributor `sam`: the title slate "
        f"heading {NAME}"]
    # the template's own default value
    tpl.write_text(BRAND.replace("Thank you, Samuel Reid", "Thank you").replace("who: Alex", "who: Samuel Reid"),
                   encoding="utf-8")
    assert refused(path, templates_root=templates) == [
        f"{tpl}:8:8: fields.who: template `brand`, merge field `who` (default in template `brand`): contributor "
        f"`sam`: the title slate heading {NAME}"]


def test_a_heading_set_in_the_storyboard_style_and_a_place_in_a_heading(media, templates):
    tpl = templates / "brand" / "template.yaml"
    tpl.write_text(BRAND.replace("Thank you, Samuel Reid", "Thank you from Hackney"), encoding="utf-8")
    top = "template: brand\nstyle:\n  slates:\n    title:\n      heading: Samuel Reid\n"
    path = film(media, SLATE, top=top)
    assert refused(path, templates_root=templates) == [
        f"{path}:7:16: style.slates.title.heading: contributor `sam`: the title slate heading {NAME}",
        f"{tpl}:6:28: end_card.heading: template `brand`: contributor `sam`: the end card heading shows a place "
        f"that identifies them (Hackney), and they agreed to show.location: no; {WHY}"]


def test_a_heading_the_film_does_not_draw_is_not_held_against_it(media, templates):
    # the signpost heading names them, but this film has no signpost slate: nothing of it is on screen
    tpl = templates / "brand" / "template.yaml"
    tpl.write_text(BRAND.replace("Thank you, Samuel Reid", "Thank you").replace(
        "slates:\n", "slates:\n  signpost:\n    heading: Samuel Reid\n"), encoding="utf-8")
    prepare(film(media, SLATE, top="template: brand\n"), today=TODAY, width=216, templates_root=templates)


# ---------------------------------------------------------------- dates that do not exist


@pytest.mark.parametrize(("given", "col", "message"), [
    ("2026-13-01", 12, "`2026-13-01` is not a real date (month 13); write YYYY-MM-DD, e.g. 2026-01-31"),
    ("2026-02-30", 12, "`2026-02-30` is not a real date (February 2026 has 28 days); write YYYY-MM-DD, e.g. "
     "2026-01-31"),
    ("2026-04-00", 12, "`2026-04-00` is not a real date (there is no day 0); write YYYY-MM-DD, e.g. 2026-01-31"),
    ('"2026-02-30"', 12, "`2026-02-30` is not a real date (February 2026 has 28 days); write YYYY-MM-DD, e.g. "
     "2026-01-31"),
])
def test_an_impossible_date_says_why_where_it_is_written(media, given, col, message):
    record = RECORD.format(name="no", location="no").replace("given: 2026-01-10", f"given: {given}")
    path = film(media, FOOTAGE, record=record)
    with pytest.raises(SpecError) as exc:
        prepare(path, today=TODAY, width=216)
    assert [i.format() for i in exc.value.issues if i.severity == "error"] == [
        f"{path}:8:{col}: contributors[0].given: {message}"]


def test_an_impossible_date_in_a_shared_file(tmp_path):
    from toolkit.film.contributor_files import records

    shared = tmp_path / "contributors.yaml"
    shared.write_text(RECORD.format(name="no", location="no").replace("2027-01-10", "2027-02-29"), encoding="utf-8")
    with pytest.raises(SpecError) as exc:
        records(shared)
    assert [i.format() for i in exc.value.issues] == [
        f"{shared}:7:14: contributors[0].expires: `2027-02-29` is not a real date (February 2027 has 28 days); "
        "write YYYY-MM-DD, e.g. 2026-01-31"]


# ---------------------------------------------------------------- reel contributors … --json


def _valid(name: str, stdout: str) -> dict:
    schema = json.loads((ROOT / "schema" / f"{name}.schema.json").read_text(encoding="utf-8"))
    jsonschema.Draft202012Validator.check_schema(schema)
    data = json.loads(stdout)  # standard output holds the JSON and nothing else
    jsonschema.Draft202012Validator(schema).validate(data)
    return data


SHARED = RECORD.format(name="no", location="no") + (
    "  - {id: jo, name: Joanna Bell, consent: CF-2026-020, given: 2026-02-01, expires: 2026-03-01, "
    "platforms: [tiktok], withdrawn: 2026-02-15}\n")


def test_list_keeps_names_consent_references_and_places_out_unless_private(tmp_path, runner):
    shared = tmp_path / "contributors.yaml"
    shared.write_text(SHARED, encoding="utf-8")
    plain = runner.invoke(cli, ["contributors", "list", str(shared), "--on", "2026-06-01"])
    assert plain.exit_code == 0, plain.output
    assert plain.stdout.splitlines() == [
        "sam          current    2026-01-10..2027-01-10  as Alex  tiktok,reels  face:yes voice:yes name:no "
        "location:no  places:3",
        "jo           withdrawn  2026-02-01..2026-03-01  as (no pseudonym)  tiktok  face:no voice:no name:no "
        "location:no  places:0"]
    for secret in ("Samuel", "Joanna", "CF-2026", "Hackney", "Mare"):
        assert secret not in plain.output
    data = _valid("contributors-list", runner.invoke(cli, ["contributors", "list", str(shared), "--json",
                                                            "--on", "2026-06-01"]).stdout)
    assert data["private"] is False and [r["status"] for r in data["contributors"]] == ["current", "withdrawn"]
    assert data["contributors"][0] == {
        "id": "sam", "shown_as": "Alex", "given": "2026-01-10", "expires": "2027-01-10", "withdrawn": None,
        "status": "current", "platforms": ["tiktok", "reels"],
        "show": {"face": "yes", "voice": "yes", "name": "no", "location": "no"}, "places_count": 3}
    private = _valid("contributors-list", runner.invoke(cli, ["contributors", "list", str(shared), "--json",
                                                               "--private"]).stdout)
    assert private["contributors"][0]["name"] == "Samuel Reid"
    assert private["contributors"][0]["places"] == ["Hackney", "Mare Street", "St Mary's School"]
    shown = runner.invoke(cli, ["contributors", "list", str(shared), "--private"])
    assert "name: Samuel Reid  consent: CF-2026-014  places: Hackney, Mare Street, St Mary's School" in shown.stdout


def test_list_reads_inline_records_and_locates_bad_ones(media, runner):
    path = film(media, FOOTAGE)
    data = _valid("contributors-list", runner.invoke(cli, ["contributors", "list", str(path), "--json"]).stdout)
    assert [r["id"] for r in data["contributors"]] == ["sam"]
    path.write_text(path.read_text(encoding="utf-8").replace("2026-01-10", "2026-01-32"), encoding="utf-8")
    bad = runner.invoke(cli, ["contributors", "list", str(path)])
    assert bad.exit_code == 1
    assert (f"{path}:8:12: contributors[0].given: `2026-01-32` is not a real date (January 2026 has 31 days)"
            in bad.output)
    shared = film(media, FOOTAGE, record="contributors: people.yaml\n")
    named = runner.invoke(cli, ["contributors", "list", str(shared)])
    assert named.exit_code == 1
    assert f"{shared}:3:15: contributors: this is a storyboard; its contributors are kept in `people.yaml`: list " \
           "that file" in named.output


def _tagged(src: Path, dst: Path, ids: str) -> Path:
    """A copy of `src` carrying `reel_contributors=ids` in its metadata, as a rendered film does."""
    import av

    with av.open(str(src)) as inp, av.open(str(dst), "w", options={"movflags": "use_metadata_tags"}) as out:
        out.metadata["reel_contributors"] = ids
        video = out.add_stream_from_template(inp.streams.video[0])
        for packet in inp.demux(inp.streams.video[0]):
            if packet.dts is not None:
                packet.stream = video
                out.mux(packet)
    return dst


def test_uses_and_withdraw_json(tmp_path, runner):
    shared = tmp_path / "contributors.yaml"
    shared.write_text(SHARED, encoding="utf-8")
    synth.footage(tmp_path / "clip.mp4", seconds=2, width=64, height=36)
    sb = tmp_path / "film.yaml"
    sb.write_text("title: Alex's story\nregion: UK\ncontributors: contributors.yaml\nscenes:\n" + FOOTAGE,
                  encoding="utf-8")
    film_out = _tagged(tmp_path / "clip.mp4", tmp_path / "taken-down.mp4", "jo,sam")
    found = _valid("contributors-uses", runner.invoke(cli, ["contributors", "uses", "sam", str(tmp_path),
                                                             "--json"]).stdout)
    assert found == {"schema": "reel-contributors-uses/1", "contributor": "sam", "folder": str(tmp_path),
                     "storyboards": [{"path": str(sb), "uses": [
                         {"line": 5, "column": 48, "field": "scenes[0].background.contributor"}]}],
                     "films": [{"path": str(film_out), "contributors": ["jo", "sam"]}]}
    out = tmp_path / "uses.json"
    assert runner.invoke(cli, ["contributors", "uses", "jo", str(tmp_path), "--json", str(out)]).exit_code == 0
    assert _valid("contributors-uses", out.read_text(encoding="utf-8"))["storyboards"] == []

    done = runner.invoke(cli, ["contributors", "withdraw", "sam", "--file", str(shared), "--on", "2026-06-01",
                               "--json"])
    assert done.exit_code == 0, done.output
    assert _valid("contributors-withdraw", done.stdout) == {
        "schema": "reel-contributors-withdraw/1", "file": str(shared), "contributor": "sam",
        "withdrawn": "2026-06-01", "changed": True}
    again = runner.invoke(cli, ["contributors", "withdraw", "jo", "--file", str(shared), "--json"])
    assert _valid("contributors-withdraw", again.stdout)["changed"] is False
    assert _valid("contributors-withdraw", again.stdout)["withdrawn"] == "2026-02-15"


def test_a_used_contributor_with_no_places_gets_a_note_never_a_silent_pass(media):
    record = RECORD.format(name="no", location="anonymised").replace(
        '    places: [Hackney, Mare Street, "St Mary\'s School"]\n', "")
    extra = ("  - {id: jo, name: Joanna Bell, consent: CF-2, given: 2026-02-01, expires: 2027-02-01, "
             "platforms: [tiktok]}\n")
    path = film(media, FOOTAGE, record=record + extra)
    notes = [i.format() for i in prepare(path, today=TODAY, width=216).warnings if i.code == "consent-no-places"]
    # only `sam` is used by this film; `jo` is on file but not in it
    assert notes == [f"{path}:11:55: info: contributors[0].show.location: contributor `sam`: show.location is "
                     "anonymised, but no `places:` are on file, so no place on screen can be checked against it; list "
                     "the places that would identify them (home town, street, school, workplace) under `places:`"]
    for agreed in (record.replace("location: anonymised", "location: yes"), RECORD.format(name="no", location="no")):
        prepared = prepare(film(media, FOOTAGE, record=agreed), today=TODAY, width=216)
        assert not [i for i in prepared.warnings if i.code == "consent-no-places"]
