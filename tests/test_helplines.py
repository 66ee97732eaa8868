"""The helpline directory, end-card selection and `reel helplines` (standards reference §8.2, §9)."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path

import pytest

from toolkit.care.endcard import MAX_SERVICES, card_seconds, end_card_lines, select_end_card
from toolkit.care.helplines import Directory, load_directory
from toolkit.cli import cli
from toolkit.errors import PolicyError, SpecError

REGIONS = ("UK", "IE", "US", "CA", "AU", "NZ")
TOPIC_SETS = ([], ["suicide"], ["self-harm"], ["eating-disorders"],
              ["suicide", "self-harm", "eating-disorders"], ["depression", "psychosis"])


@pytest.fixture(scope="module")
def directory() -> Directory:
    return load_directory()


def _contacts(selection) -> list[str]:
    return [c.text for line in end_card_lines(selection) for c in line.contacts]


# ---------------------------------------------------------------- the shipped data


def test_every_shipped_entry_was_verified_in_the_last_180_days(directory: Directory) -> None:
    stale = directory.stale_entries(date.today(), max_age_days=180)
    assert not stale, (
        f"{len(stale)} helpline entries were last verified more than 180 days ago: "
        f"{', '.join(f'{e.id} ({e.verified_on})' for e in stale)}. Re-verify each number and its hours "
        "against the service's own page, then update `verified_on` in toolkit/care/data/helplines.yaml."
    )


def test_every_entry_has_a_source_and_a_verification_date(directory: Directory) -> None:
    for e in directory.entries:
        assert len(e.source) >= 3, e.id
        assert e.verified_on == date(2026, 11, 22), e.id


def test_the_directory_covers_six_regions_each_with_an_emergency_number(directory: Directory) -> None:
    assert directory.supported_regions() == ("AU", "CA", "IE", "NZ", "UK", "US")
    emergency = {e.region: [c.value for c in e.channels] for e in directory.entries if e.kind == "emergency"}
    assert emergency == {"UK": ["999"], "IE": ["112", "999"], "US": ["911"], "CA": ["911"], "AU": ["000"],
                         "NZ": ["111"]}


def test_the_unconfirmed_entries_are_exactly_those_the_reference_lists(directory: Directory) -> None:
    unconfirmed = {e.id for e in directory.entries if e.status == "unconfirmed"}
    assert unconfirmed == {"ie-childline", "us-trevor-project", "ca-hope-for-wellness", "au-13yarn",
                           "nz-youthline", "nz-samaritans"}


@pytest.mark.parametrize(("service_id", "channel_type", "value", "keyword"), [
    ("uk-samaritans", "call", "116 123", None),
    ("uk-shout", "text", "85258", "SHOUT"),
    ("uk-papyrus-hopeline247", "call", "0800 068 4141", None),
    ("uk-calm", "call", "0800 58 58 58", None),
    ("ie-pieta", "call", "1800 247 247", None),
    ("ie-pieta", "text", "51444", "HELP"),
    ("ie-aware", "call", "1800 80 48 48", None),
    ("ie-bodywhys", "call", "01 210 7906", None),
    ("us-988", "chat", "988lifeline.org", None),
    ("us-crisis-text-line", "text", "741741", "HOME"),
    ("us-samhsa-helpline", "call", "1-800-662-HELP (4357)", None),
    ("us-nami-helpline", "text", "62640", "HELPLINE"),
    ("ca-kids-help-phone", "text", "686868", "CONNECT"),
    ("ca-kids-help-phone", "call", "1-800-668-6868", None),
    ("au-lifeline", "call", "13 11 14", None),
    ("au-lifeline", "text", "0477 13 11 14", None),
    ("au-beyond-blue", "call", "1300 22 4636", None),
    ("au-mensline", "call", "1300 78 99 78", None),
    ("nz-1737", "text", "1737", None),
    ("nz-lifeline-aotearoa", "text", "4357", "HELP"),
    ("nz-suicide-crisis-helpline", "call", "0508 828 865", None),
    ("nz-edanz", "call", "0800 2 EDANZ (0800 233 269)", None),
])
def test_numbers_are_stored_exactly_as_published(directory: Directory, service_id: str, channel_type: str,
                                                  value: str, keyword: str | None) -> None:
    entry = directory.get(service_id)
    assert entry is not None
    assert any(c.type == channel_type and c.value == value and c.keyword == keyword for c in entry.channels)


def test_filter_by_region_and_topic_normalises_spelling(directory: Directory) -> None:
    assert [e.id for e in directory.filter(region="uk", topic="Eating disorder")] == ["uk-beat"]
    assert {e.region for e in directory.filter(topic="eating-disorders")} == set(REGIONS)
    assert directory.for_region("gb")[0].id == "uk-samaritans"


def test_stale_entries_uses_the_age_limit() -> None:
    d = load_directory()
    checked = date(2026, 11, 22)
    assert d.stale_entries(checked + timedelta(days=180)) == ()
    assert len(d.stale_entries(checked + timedelta(days=181))) == len(d.entries)
    assert len(d.stale_entries(checked + timedelta(days=91), max_age_days=90)) == len(d.entries)


# ---------------------------------------------------------------- selection rules (§8.2)


@pytest.mark.parametrize("topics", TOPIC_SETS, ids=lambda t: "+".join(t) or "none")
@pytest.mark.parametrize("region", REGIONS)
def test_every_region_gets_a_compliant_end_card(directory: Directory, region: str, topics: list[str]) -> None:
    sel = select_end_card(directory, region, topics)
    confirmed = [e for e in sel.services if e.status == "confirmed"]
    assert len(confirmed) >= 2
    assert any(e.open_24_7 for e in confirmed)
    assert all(e.status != "unconfirmed" for e in sel.services)
    assert all(e.region == region and e.kind != "superseded" for e in sel.services)
    assert 2 <= len(sel.services) <= MAX_SERVICES
    contacts = _contacts(sel)
    assert any(c.startswith(("Text ", "Call or text ", "Chat at ", "Visit ")) for c in contacts), contacts
    assert sel.min_seconds >= 5.0
    assert sel.min_seconds == card_seconds(end_card_lines(sel))


@pytest.mark.parametrize(("region", "expected"), [
    ("UK", ["uk-samaritans", "uk-shout"]),
    ("IE", ["ie-samaritans", "ie-pieta"]),
    ("US", ["us-988", "us-crisis-text-line"]),
    ("CA", ["ca-988", "ca-kids-help-phone"]),
    ("AU", ["au-lifeline", "au-beyond-blue"]),
    ("NZ", ["nz-1737", "nz-lifeline-aotearoa"]),
])
def test_core_services_per_region(directory: Directory, region: str, expected: list[str]) -> None:
    assert [e.id for e in select_end_card(directory, region, []).services] == expected


def test_selection_is_deterministic_and_ignores_topic_order(directory: Directory) -> None:
    a = select_end_card(directory, "IE", ["eating-disorders", "depression", "suicide"])
    b = select_end_card(directory, "ie", ("suicide", "depression", "eating-disorders"))
    assert a == b
    assert [e.id for e in a.services] == ["ie-samaritans", "ie-pieta", "ie-aware", "ie-bodywhys"]


@pytest.mark.parametrize(("region", "line"), [
    ("UK", "uk-beat"), ("IE", "ie-bodywhys"), ("US", "us-anad"), ("CA", "ca-nedic"), ("AU", "au-butterfly"),
    ("NZ", "nz-edanz"),
])
def test_eating_disorders_adds_the_region_topic_line_with_a_reverify_note(
        directory: Directory, region: str, line: str) -> None:
    sel = select_end_card(directory, region, ["eating-disorders"])
    ids = [e.id for e in sel.services]
    assert ids[-1] == line
    assert sel.reasons[-1] == "topic line: eating-disorders"
    name = directory.get(line).name
    assert (f"{name} is listed as secondary (seen only in third-party listings): re-verify its number before "
            "release.") in sel.notes


def test_a_confirmed_topic_line_is_preferred(directory: Directory) -> None:
    sel = select_end_card(directory, "NZ", ["depression"])
    assert [e.id for e in sel.services][-1] == "nz-depression-helpline"
    assert not any("secondary" in n for n in sel.notes)


@pytest.mark.parametrize("topic", ["grief", "made-up-topic"])
def test_a_topic_without_a_line_falls_back_with_a_note(directory: Directory, topic: str) -> None:
    sel = select_end_card(directory, "UK", [topic])
    assert [e.id for e in sel.services] == ["uk-samaritans", "uk-shout"]
    assert (f"No {topic} helpline for UK in the directory; the card falls back to the general crisis lines."
            in sel.notes)


def test_topics_already_served_by_the_crisis_lines_add_nothing(directory: Directory) -> None:
    sel = select_end_card(directory, "UK", ["suicide", "self-harm", "general"])
    assert [e.id for e in sel.services] == ["uk-samaritans", "uk-shout"]
    assert not any(n.startswith("No ") for n in sel.notes)


def test_an_audience_specific_line_is_used_only_to_reach_two_and_is_noted(directory: Directory) -> None:
    sel = select_end_card(directory, "CA", [])
    assert ("Kids Help Phone serves young-people; it is on the card because the CA directory has fewer than "
            "2 confirmed general-audience crisis lines.") in sel.notes


def test_unknown_region_lists_the_supported_regions(directory: Directory) -> None:
    with pytest.raises(PolicyError) as err:
        select_end_card(directory, "FR", ["suicide"])
    assert err.value.issues[0].code == "unknown-region"
    assert ("no helpline directory for region 'FR'; supported regions: AU, CA, IE, NZ, UK, US"
            in str(err.value))
    assert "findahelpline.com" in str(err.value)


def test_requested_services_are_added_after_the_required_ones(directory: Directory) -> None:
    sel = select_end_card(directory, "UK", ["eating-disorders"], ["uk-papyrus-hopeline247"])
    assert [e.id for e in sel.services] == ["uk-samaritans", "uk-shout", "uk-beat", "uk-papyrus-hopeline247"]
    assert sel.reasons == ("24/7 crisis line", "text or online option", "topic line: eating-disorders",
                           "requested")
    contacts = _contacts(sel)
    assert "Call 0800 068 4141" in contacts
    assert not any("07860 039967" in c for c in contacts), "an unconfirmed text number reached the card"


def test_a_full_card_drops_the_topic_line_with_a_note(directory: Directory) -> None:
    sel = select_end_card(directory, "UK", ["eating-disorders"], ["uk-papyrus-hopeline247", "uk-childline"])
    assert len(sel.services) == MAX_SERVICES
    assert "uk-beat" not in [e.id for e in sel.services]
    assert ("No room for Beat (eating-disorders): the card already shows 4 services; mention it in the post "
            "text.") in sel.notes


@pytest.mark.parametrize(("ids", "message"), [
    (["us-trevor-project"], "The Trevor Project is a US service; this film's region is UK"),
    (["uk-nope"], "unknown helpline id 'uk-nope'; UK ids: uk-samaritans, uk-shout"),
    (["uk-papyrus-hopeline247", "uk-childline", "uk-calm"], "the end card has room for 4 services; 2 are "
                                                            "required and 3 more were requested"),
])
def test_bad_requested_services_are_policy_errors(directory: Directory, ids: list[str], message: str) -> None:
    with pytest.raises(PolicyError) as err:
        select_end_card(directory, "UK", [], ids)
    assert message in str(err.value)


def test_unconfirmed_and_superseded_services_cannot_be_requested(directory: Directory) -> None:
    with pytest.raises(PolicyError) as err:
        select_end_card(directory, "US", [], ["us-trevor-project"])
    assert ("The Trevor Project is unconfirmed in the helpline directory; verify its number and update the "
            "directory before showing it") in str(err.value)
    assert err.value.issues[0].path == "end_card.services[0]"
    with pytest.raises(PolicyError, match="Talk Suicide Canada \\(legacy\\) has been superseded"):
        select_end_card(directory, "CA", [], ["ca-talk-suicide-canada"])


# ---------------------------------------------------------------- display strings and timing


def test_end_card_lines_spell_out_each_contact(directory: Directory) -> None:
    lines = end_card_lines(select_end_card(directory, "UK", []))
    assert [[t.text for t in line.texts] for line in lines] == [
        ["Samaritans", "Call 116 123", "Email jo@samaritans.org", "Open 24/7"],
        ["Shout", "Text SHOUT to 85258", "Open 24/7"],
    ]
    us = end_card_lines(select_end_card(directory, "US", []))
    assert [t.text for t in us[0].contacts] == ["Call or text 988", "Chat at 988lifeline.org"]
    ie = end_card_lines(select_end_card(directory, "IE", [], ["ie-50808"]))
    assert [t.text for t in ie[-1].contacts] == ["Text 50808"]  # keyword unconfirmed: not printed


def test_numbers_are_marked_unbreakable(directory: Directory) -> None:
    for region in REGIONS:
        sel = select_end_card(directory, region, ["eating-disorders"])
        for entry, line in zip(sel.services, end_card_lines(sel), strict=True):
            shown = {c.value for c in entry.channels if c.type in ("call", "text")}
            for contact in line.contacts:
                spans = [contact.text[a:b] for a, b in contact.nowrap_spans]
                assert any(s in shown for s in spans) or contact.numbers == 0, contact
    samaritans = end_card_lines(select_end_card(directory, "UK", []))[0]
    call = samaritans.contacts[0]
    assert call.nowrap_spans == ((5, 12),)
    assert call.nonbreaking() == "Call 116\u00a0123"


def test_end_card_minimum_time_formula(directory: Directory) -> None:
    lines = end_card_lines(select_end_card(directory, "UK", []))
    # words outside numbers: Samaritans, Call, Email, jo@samaritans.org, Open, 24/7, Shout, Text, SHOUT, to,
    # Open, 24/7 = 12; numbers: 116 123, 85258 = 2  ->  0.3 × 12 + 1 × 2 = 5.6
    assert card_seconds(lines) == pytest.approx(5.6)
    assert card_seconds(lines, heading="Need to talk?") == pytest.approx(6.5)
    assert card_seconds([]) == 5.0


# ---------------------------------------------------------------- loading errors


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "helplines.yaml"
    path.write_text(text, encoding="utf-8")
    return path


ENTRY = """\
version: 1
regions: {UK: {name: United Kingdom}}
topics: [general]
entries:
  - id: uk-x
    region: UK
    name: X
    kind: crisis
    channels: [{type: call, value: "116 123"%s}]
    hours: 24/7
    always_open: true
    audience: all
    topics: [general]
    verified_on: 2026-11-22
    source: https://example.org
    status: confirmed
%s"""


def test_an_unknown_key_is_reported_with_its_line(tmp_path: Path) -> None:
    with pytest.raises(SpecError) as err:
        load_directory(_write(tmp_path, ENTRY % ("", "    phone: 123\n")))
    issue = err.value.issues[0]
    assert (issue.line, issue.message) == (17, "unknown key `phone`")


def test_a_keyword_on_a_call_channel_is_rejected(tmp_path: Path) -> None:
    with pytest.raises(SpecError, match="only a `text` channel has a keyword"):
        load_directory(_write(tmp_path, ENTRY % (", keyword: HI", "")))


def test_duplicate_ids_are_rejected(tmp_path: Path) -> None:
    text = ENTRY % ("", "")
    body = text[text.index("  - id:"):]
    with pytest.raises(SpecError, match=r"entries\[1\] \(uk-x\): duplicate id"):
        load_directory(_write(tmp_path, text + body))


# ---------------------------------------------------------------- reel helplines


def test_cli_lists_a_region(runner) -> None:
    result = runner.invoke(cli, ["helplines", "--region", "UK"])
    assert result.exit_code == 0, result.output
    for text in ("Samaritans", "Call 116 123", "Text SHOUT to 85258", "Call 0808 801 0677 (England)",
                 "2026-11-22", "confirmed", "secondary"):
        assert text in result.output
    assert "hidden" not in result.output  # the UK has no unconfirmed entries


def test_cli_hides_unconfirmed_entries_and_says_how_many(runner) -> None:
    result = runner.invoke(cli, ["helplines"])
    assert result.exit_code == 0, result.output
    assert "The Trevor Project" not in result.output
    assert ("6 unconfirmed entries hidden (numbers not verified; never put on an end card).\nUse --all to "
            "show them.") in result.output
    us = runner.invoke(cli, ["helplines", "--region", "us"])
    assert "1 unconfirmed entry hidden" in us.output


def test_cli_all_shows_unconfirmed_entries(runner) -> None:
    result = runner.invoke(cli, ["helplines", "--region", "US", "--all"])
    assert result.exit_code == 0, result.output
    assert "The Trevor Project" in result.output
    assert "1-866-488-7386" in result.output
    assert "unconfirmed" in result.output
    assert "hidden" not in result.output


def test_cli_filters_by_topic(runner) -> None:
    result = runner.invoke(cli, ["helplines", "--topic", "eating-disorders"])
    assert result.exit_code == 0, result.output
    for name in ("Beat", "Bodywhys", "ANAD", "NEDIC", "Butterfly", "EDANZ"):
        assert name in result.output
    assert "Samaritans" not in result.output


def test_cli_unknown_region_is_an_error_naming_the_supported_ones(runner) -> None:
    result = runner.invoke(cli, ["helplines", "--region", "FR"])
    assert result.exit_code == 1
    assert "supported regions: AU, CA, IE, NZ, UK, US" in result.output


def test_top_level_help_lists_helplines(runner) -> None:
    result = runner.invoke(cli, ["--help"])
    assert result.exit_code == 0, result.output
    assert "helplines" in result.output
