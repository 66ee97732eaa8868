"""Consent as data: each clause a contributor agreed to is checked on every validate/render, located."""

from __future__ import annotations

import os
from datetime import date
from pathlib import Path

import pytest

from toolkit.errors import IssuesError
from toolkit.film.pipeline import prepare
from toolkit.media import synth

TODAY = date(2026, 6, 1)


@pytest.fixture(scope="module")
def media(tmp_path_factory) -> Path:
    folder = tmp_path_factory.mktemp("consent")
    synth.footage(folder / "clip.mp4", seconds=2, width=64, height=36)
    synth.still(folder / "photo.jpg", width=64, height=96)
    synth.speech_tone(folder / "vo.m4a", seconds=1)
    return folder


SAM = """\
  - id: sam
    name: Samuel Reid
    shown_as: Alex
    consent: CF-2026-014
    given: 2026-01-10
    expires: {expires}
    platforms: [tiktok, reels]
    show: {{face: {face}, voice: {voice}, name: {name}, location: no}}
"""


def film(folder: Path, scenes: str, *, platform: str = "tiktok", face: str = "yes", voice: str = "yes",
         name: str = "no", expires: str = "2027-01-10", extra: str = "", top: str = "",
         contributors: str | None = None) -> Path:
    block = contributors if contributors is not None else \
        "contributors:\n" + SAM.format(expires=expires, face=face, voice=voice, name=name) + extra
    path = folder / "film.yaml"
    path.write_text(f"title: A story\nregion: UK\nplatform: {platform}\n{top}{block}scenes:\n{scenes}",
                    encoding="utf-8")
    return path


# contributors block is lines 4-12 (inline, one record); scenes start at line 14
FOOTAGE = "  - background: {video: clip.mp4, contributor: sam}\n    duration: 2s\n"
PHOTO = "  - background: {image: photo.jpg, contributor: sam}\n    duration: 2s\n"


def refused(path: Path, today: date = TODAY) -> list[str]:
    with pytest.raises(IssuesError) as exc:
        prepare(path, today=today, width=216)
    return [i.format() for i in exc.value.issues if i.severity == "error"]


def test_consent_that_covers_the_film_passes(media):
    prepared = prepare(film(media, FOOTAGE), today=TODAY, width=216)
    assert prepared.timeline is not None


def test_unknown_contributor_at_the_use(media):
    path = film(media, "  - background: {video: clip.mp4, contributor: bob}\n    duration: 2s\n")
    assert refused(path) == [f"{path}:14:48: scenes[0].background.contributor: unknown contributor `bob`: no "
                             "consent on file (on file: `sam`); add them to `contributors:` with their signed "
                             "consent"]


def test_no_contributors_block_at_all(media):
    path = film(media, FOOTAGE, contributors="")
    assert refused(path) == [f"{path}:5:48: scenes[0].background.contributor: unknown contributor `sam`: no "
                             "consent on file (no `contributors:` in this film); add them to `contributors:` "
                             "with their signed consent"]


def test_expired(media):
    path = film(media, FOOTAGE, expires="2026-05-31")
    assert refused(path) == [f"{path}:14:48: scenes[0].background.contributor: contributor `sam`: consent expired "
                             "on 2026-05-31 (expires); renew it with them or remove this footage"]
    prepare(path, today=date(2026, 5, 31), width=216)  # the expiry day itself is still covered


def test_withdrawn_from_that_day(media):
    path = film(media, PHOTO, extra="    withdrawn: 2026-06-01\n")
    assert refused(path) == [f"{path}:15:49: scenes[0].background.contributor: contributor `sam`: consent was "
                             "withdrawn on 2026-06-01 (withdrawn); no film may use them from then on: remove this "
                             "photo"]
    prepare(path, today=date(2026, 5, 31), width=216)


def test_platform_not_agreed(media):
    path = film(media, FOOTAGE, platform="shorts")
    assert refused(path) == [f"{path}:14:48: scenes[0].background.contributor: contributor `sam`: consent does not "
                             "cover `shorts` (platforms: tiktok, reels); post the film only where they agreed, or "
                             "remove this footage"]


def test_face_no_and_anonymised(media):
    path = film(media, PHOTO, face="no")
    assert refused(path) == [f"{path}:14:49: scenes[0].background.contributor: contributor `sam`: they did not "
                             "agree to show their face (show.face: no); remove this photo"]
    layer = ("  - background: navy\n    duration: 2s\n    layers:\n"
             "      - {image: photo.jpg, contributor: sam, size: 40%}\n")
    path = film(media, layer, face="anonymised")
    assert refused(path) == [f"{path}:17:41: scenes[0].layers[0].contributor: contributor `sam`: their face may "
                             "only be shown anonymised (show.face: anonymised); add `anonymise: {face: blur}` (or "
                             "pixelate, box) to this photo, or remove it"]


def test_voice_no_in_voiceover_and_kept_footage_sound(media):
    path = film(media, FOOTAGE, voice="no", top="voiceover: {file: vo.m4a, contributor: sam}\n")
    assert refused(path) == [
        f"{path}:4:40: voiceover.contributor: contributor `sam`: they did not agree to let their voice be heard "
        "(show.voice: no); remove this voiceover",
        f"{path}:15:48: scenes[0].background.contributor: contributor `sam`: they did not agree to let their voice "
        "be heard (show.voice: no); mute the footage's sound (`audio: mute`) or remove it"]
    # muted footage shows the face only, which they agreed to
    prepare(film(media, FOOTAGE + "    audio: mute\n", voice="no"), today=TODAY, width=216)


def test_voice_anonymised_needs_a_disguise(media):
    path = film(media, FOOTAGE, voice="anonymised")
    assert refused(path) == [f"{path}:14:48: scenes[0].background.contributor: contributor `sam`: their voice may "
                             "only be heard disguised (show.voice: anonymised); add `anonymise: {voice: disguise}` "
                             "to this footage, or mute its sound (`audio: mute`)"]


@pytest.mark.parametrize("written", ["Samuel Reid", "SAMUEL   reid", "S\u0430muel Reid", "Sam\u200buel Reid"])
def test_real_name_in_a_caption(media, written):
    path = film(media, FOOTAGE + f"    captions:\n      - \"This is {written}.\"\n")
    assert refused(path) == [f"{path}:17:9: scenes[0].captions[0]: contributor `sam`: the caption shows their real "
                             "name, and they agreed to show.name: no; write `Alex` instead"]


def test_real_name_in_a_lower_third_when_anonymised(media):
    path = film(media, FOOTAGE + "    lower_third: {name: Samuel Reid}\n", name="anonymised")
    assert refused(path) == [f"{path}:16:25: scenes[0].lower_third.name: contributor `sam`: the lower third shows "
                             "their real name, and they agreed to show.name: anonymised; write `Alex` instead"]


def test_pseudonym_and_agreed_name_pass(media):
    prepare(film(media, FOOTAGE + "    lower_third: {name: Alex}\n"), today=TODAY, width=216)
    prepare(film(media, FOOTAGE + "    lower_third: {name: Samuel Reid}\n", name="yes"), today=TODAY, width=216)
    # a word that merely contains the name is not the name
    prepare(film(media, FOOTAGE + "    lower_third: {name: Samuel Reidson}\n"), today=TODAY, width=216)


def test_names_with_hyphens_and_apostrophes_and_names_of_nothing(media):
    record = SAM.format(expires="2027-01-10", face="yes", voice="yes", name="no").replace(
        "Samuel Reid", "Mary-Jane O'Neil")
    path = film(media, FOOTAGE + "    texts: [\"Mary Jane O’Neil, 24\"]\n", contributors="contributors:\n" + record)
    assert refused(path) == [f"{path}:16:13: scenes[0].texts[0]: contributor `sam`: the text shows their real "
                             "name, and they agreed to show.name: no; write `Alex` instead"]
    path = film(media, FOOTAGE, contributors="contributors:\n" + record.replace("Mary-Jane O'Neil", "'--'"))
    assert refused(path) == [f"{path}:6:11: contributors[0].name: `name` must be the person's name as written, "
                             "got '--'"]


def test_consent_dated_in_the_future(media):
    path = film(media, FOOTAGE)
    assert refused(path, today=date(2026, 1, 9)) == [
        f"{path}:9:12: contributors[0].given: contributor `sam`: consent is dated 2026-01-10, after today "
        "(2026-01-09); check the date on the consent form"]


def test_expiry_before_given(media):
    path = film(media, FOOTAGE, expires="2025-12-31")
    assert refused(path) == [f"{path}:10:14: contributors[0].expires: consent expires (2025-12-31) before the date "
                             "it was given (2026-01-10); check both dates on the consent form"]


def test_same_id_twice(media):
    path = film(media, FOOTAGE, extra=SAM.format(expires="2027-01-10", face="yes", voice="yes", name="no"))
    assert refused(path) == [f"{path}:13:9: contributors[1].id: contributor `sam` is on file twice; give each "
                             "person one record"]


def test_shared_contributors_file(media):
    shared = media / "contributors.yaml"
    shared.write_text("# kept by the charity\ncontributors:\n" + SAM.format(
        expires="2027-01-10", face="no", voice="yes", name="no"), encoding="utf-8")
    path = film(media, FOOTAGE, contributors="contributors: contributors.yaml\n")
    assert refused(path) == [f"{path}:6:48: scenes[0].background.contributor: contributor `sam`: they did not "
                             "agree to show their face (show.face: no); remove this footage"]
    shared.write_text("contributors:\n  - id: sam\n    name: Sam\n    consent: CF-1\n    given: soon\n",
                      encoding="utf-8")
    errors = refused(path)  # the record's own errors, not "unknown contributor" for each use
    assert all(e.startswith(str(shared)) for e in errors)
    assert f"{shared}:5:12: contributors[0].given: write the date as YYYY-MM-DD, e.g. 2026-01-10, got 'soon'" \
        in errors
    assert f"{shared}:2:5: contributors[0].expires: required: add `expires:`" in errors
    shared.write_text("contributors:\n  - id: sam\n   name: Sam\n", encoding="utf-8")
    [error] = refused(path)
    assert error.startswith(f"{shared}:3:") and "YAML syntax" in error
    shared.unlink()
    [error] = refused(path)
    assert error.startswith(f"{path}:4:15: contributors: ") and "contributors.yaml" in error


# ---------------------------------------------------------------- withdraw, uses, and the film's metadata

SHARED = """\
# kept by the charity: one record per signed consent form
contributors:
  - id: sam   # form in the locked cabinet
    name: Samuel Reid
    shown_as: Alex
    consent: CF-2026-014
    given: 2026-01-10
    expires: 2099-12-31  # the render below runs on today's date
    platforms: [tiktok, reels]
    show:
      face: yes
      voice: yes
      name: no   # never on screen
      location: no
  - {id: jo, name: Joanna Bell, consent: CF-2026-020, given: 2026-02-01, expires: 2027-02-01, platforms: [tiktok]}
"""


def test_withdraw_and_uses_find_the_storyboard_and_the_film(tmp_path, runner):
    import av

    from toolkit.cli import cli

    synth.footage(tmp_path / "clip.mp4", seconds=2, width=64, height=36)
    shared = tmp_path / "contributors.yaml"
    shared.write_text(SHARED, encoding="utf-8")
    sb = tmp_path / "film.yaml"
    sb.write_text("title: Alex's story\nregion: UK\ncontributors: contributors.yaml\nscenes:\n"
                  "  - background: {video: clip.mp4, contributor: sam}\n    duration: 2s\n"
                  "    captions: [This is Alex]\n", encoding="utf-8")
    (tmp_path / "films").mkdir()
    out = tmp_path / "films" / "alex.mp4"
    rendered = runner.invoke(cli, ["render", str(sb), "--draft", "-q", "-o", str(out)])
    assert rendered.exit_code == 0, rendered.output
    with av.open(str(out)) as film:
        tags = dict(film.metadata)
    assert tags["reel_contributors"] == "sam"
    for secret in ("Samuel", "Reid", "CF-2026-014", "2026-01-10", "2099-12-31"):  # ids only leave the machine
        assert not any(secret in value for value in tags.values()), secret

    found = runner.invoke(cli, ["contributors", "uses", "sam", str(tmp_path)])
    assert found.exit_code == 0
    assert found.stdout.splitlines() == [f"storyboard {sb}  5:48 scenes[0].background.contributor",
                                         f"film       {out}  reel_contributors=sam"]
    assert runner.invoke(cli, ["contributors", "uses", "jo", str(tmp_path)]).stdout == ""
    os.mkfifo(tmp_path / "films" / "pipe.mp4")  # never opened: reading it would wait forever
    again = runner.invoke(cli, ["contributors", "uses", "sam", str(tmp_path)])
    assert again.stdout == found.stdout

    done = runner.invoke(cli, ["contributors", "withdraw", "sam", "--file", str(shared), "--on", "2026-06-01"])
    assert done.exit_code == 0, done.output
    assert f"{shared}: `sam` withdrawn on 2026-06-01." in done.stdout
    # one line added under the id, every other line (comments included) as it was
    assert shared.read_text(encoding="utf-8") == SHARED.replace(
        "  - id: sam   # form in the locked cabinet\n",
        "  - id: sam   # form in the locked cabinet\n    withdrawn: 2026-06-01\n")
    assert refused(sb) == [f"{sb}:5:48: scenes[0].background.contributor: contributor `sam`: consent was withdrawn "
                           "on 2026-06-01 (withdrawn); no film may use them from then on: remove this footage"]


def test_withdraw_edits_flow_records_and_keeps_the_earlier_date(tmp_path):
    from toolkit.film.contributor_files import withdraw

    shared = tmp_path / "contributors.yaml"
    shared.write_text(SHARED, encoding="utf-8")
    assert withdraw(shared, "jo", date(2026, 3, 1)).changed
    assert "platforms: [tiktok], withdrawn: 2026-03-01}\n" in shared.read_text(encoding="utf-8")
    later = withdraw(shared, "jo", date(2026, 4, 1))
    assert (later.changed, later.withdrawn) == (False, date(2026, 3, 1))
    assert withdraw(shared, "jo", date(2026, 2, 15)).changed  # an earlier date replaces the value in place
    assert "platforms: [tiktok], withdrawn: 2026-02-15}\n" in shared.read_text(encoding="utf-8")


def test_withdraw_errors_are_located(tmp_path, runner):
    from toolkit.cli import cli

    shared = tmp_path / "contributors.yaml"
    shared.write_text(SHARED, encoding="utf-8")
    unknown = runner.invoke(cli, ["contributors", "withdraw", "bob", "--file", str(shared)])
    assert unknown.exit_code == 1
    assert f"{shared}:3:3: contributors: no contributor `bob` in this file (on file: `sam`, `jo`)" in unknown.output
    early = runner.invoke(cli, ["contributors", "withdraw", "sam", "--file", str(shared), "--on", "2025-01-01"])
    assert f"{shared}:7:12: contributors[0].given: contributor `sam` gave consent on 2026-01-10; a withdrawal on " \
           "2025-01-01 is before it" in early.output
    inline = film(tmp_path, FOOTAGE)
    result = runner.invoke(cli, ["contributors", "withdraw", "sam", "--file", str(inline)])
    assert result.exit_code == 1
    assert f"{inline}:5:3: contributors: this is a storyboard: its contributors are written inline, so add " \
           "`withdrawn: YYYY-MM-DD` to the record by hand" in result.output
    assert shared.read_text(encoding="utf-8") == SHARED  # nothing written on any error
    bad_date = runner.invoke(cli, ["contributors", "withdraw", "sam", "--file", str(shared), "--on", "soon"])
    assert bad_date.exit_code == 2 and "write the date as YYYY-MM-DD" in bad_date.output


def test_reel_validate_refuses_with_the_located_clause(media, runner):
    from toolkit.cli import cli

    path = film(media, PHOTO, face="no", expires="2099-12-31")  # validate uses today's date
    result = runner.invoke(cli, ["validate", str(path)])
    assert result.exit_code == 1
    assert (f"{path}:14:49: scenes[0].background.contributor: contributor `sam`: they did not agree to show their "
            "face (show.face: no); remove this photo") in result.output


def test_real_name_inside_a_picture_is_read_from_its_pixels(media, tmp_path, monkeypatch):
    # a screenshot of a message that names them: as visible as a caption, so as refused
    import hostile_fonts
    from PIL import Image, ImageDraw, ImageFont

    monkeypatch.setenv("REEL_CACHE", str(tmp_path / "cache"))
    for name in ("clip.mp4", "photo.jpg"):
        (tmp_path / name).write_bytes((media / name).read_bytes())
    shot = Image.new("RGB", (600, 200), "white")
    font = ImageFont.truetype(str(hostile_fonts.atkinson("Bold")), 40)
    ImageDraw.Draw(shot).text((24, 60), "Thinking of you Samuel Reid", font=font, fill="black")
    shot.save(tmp_path / "message.png")
    scene = ("  - background: clip.mp4\n    duration: 2s\n    layers:\n"
             "      - {image: message.png, position: center, size: 60%, text: yes}\n")
    [message] = [m for m in refused(film(tmp_path, scene)) if "read from its pixels" in m]
    assert "film.yaml:17:17: scenes[0].layers[0].image: contributor `sam`: the picture shows their real name" in message
    assert "show.name: no" in message
    prepare(film(tmp_path, scene, name="yes"), today=TODAY, width=216)  # agreed: the same picture passes


def test_anonymise_is_refused_where_written_until_it_is_built(media):
    """Never ignored: `anonymise:` the render cannot do yet is an error at the field, with or without consent."""
    from toolkit.film.consent import NOT_BUILT
    path = film(media, "  - background: {video: clip.mp4, anonymise: {face: blur, voice: disguise}}\n"
                "    duration: 2s\n", contributors="")
    expected = []
    if "face" in NOT_BUILT:
        expected.append(f"{path}:5:53: scenes[0].background.anonymise.face: face blurring is not built yet; remove "
                        "`face` from `anonymise`")
    if "voice" in NOT_BUILT:
        expected.append(f"{path}:5:66: scenes[0].background.anonymise.voice: voice disguise is not built yet; "
                        "remove `voice` from `anonymise`")
    if expected:
        assert refused(path) == expected
    else:  # everything `anonymise` can ask for is built: the film is planned with it, nothing refused at the field
        prepared = prepare(path, today=TODAY, width=216)
        src = prepared.timeline.segments[0].source
        assert getattr(src, "anonymise", None) is not None and src.anonymise.face == "blur"


@pytest.mark.parametrize(("anonymise", "where", "message"), [
    ("{boxes: [{x: 0.1, y: 0.1, w: 0.2, h: 0.2}]}", "5:46: scenes[0].background.anonymise",
     "`boxes` need `face: blur`, `pixelate` or `box` to say how they are covered"),
    ("{}", "5:46: scenes[0].background.anonymise",
     "say what to hide: `face: blur`, `pixelate` or `box`, or `voice: disguise`"),
    ("{face: blur, boxes: [{x: 0.9, y: 0.1, w: 0.2, h: 0.2}]}", "5:67: scenes[0].background.anonymise.boxes[0]",
     "the box runs off the picture: x + w and y + h must each be at most 1"),
    ("{face: smudge}", "5:53: scenes[0].background.anonymise.face",
     "'smudge' is not one of 'blur', 'pixelate' or 'box'"),
])
def test_anonymise_spec_errors_are_located(media, anonymise, where, message):
    path = film(media, f"  - background: {{video: clip.mp4, anonymise: {anonymise}}}\n    duration: 2s\n",
                contributors="")
    errors = refused(path)
    assert len(errors) == 1 and errors[0].startswith(f"{path}:{where}: ") and message in errors[0], errors
