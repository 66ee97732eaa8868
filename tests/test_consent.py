"""Consent as data: each clause a contributor agreed to is checked on every validate/render, located."""

from __future__ import annotations

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
                             "only be shown anonymised (show.face: anonymised), and face blurring is not built yet, "
                             "so this photo cannot be used until it is"]


def test_voice_no_in_voiceover_and_kept_footage_sound(media):
    path = film(media, FOOTAGE, voice="no", top="voiceover: {file: vo.m4a, contributor: sam}\n")
    assert refused(path) == [
        f"{path}:4:40: voiceover.contributor: contributor `sam`: they did not agree to let their voice be heard "
        "(show.voice: no); remove this voiceover",
        f"{path}:15:48: scenes[0].background.contributor: contributor `sam`: they did not agree to let their voice "
        "be heard (show.voice: no); mute the footage's sound (`audio: mute`) or remove it"]
    # muted footage shows the face only, which they agreed to
    prepare(film(media, FOOTAGE + "    audio: mute\n", voice="no"), today=TODAY, width=216)


def test_voice_anonymised_is_refused_until_disguise_exists(media):
    path = film(media, FOOTAGE, voice="anonymised")
    assert refused(path) == [f"{path}:14:48: scenes[0].background.contributor: contributor `sam`: their voice may "
                             "only be heard disguised (show.voice: anonymised), and voice disguise is not built yet, "
                             "so this footage's sound cannot be used until it is"]


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
