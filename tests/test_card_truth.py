"""Number truth on the end card: the shared reader (`toolkit.care.cardread`), the grader's
end-card check, and custom services (issue 11 §1)."""

from __future__ import annotations

from pathlib import Path

import pytest
from grade_clips import ClipMaker, Text, end_card_texts, picture
from hostile_fonts import swap_digits

from toolkit.care.cardread import custom_service, directory_service, read_card
from toolkit.care.helplines import load_directory
from toolkit.errors import PolicyError, SpecError
from toolkit.film.pipeline import DRAFT_WIDTH, prepare
from toolkit.film.spec.validate import load_storyboard


@pytest.fixture(scope="module")
def directory():
    return load_directory()


def known(directory, region: str):
    return [directory_service(e) for e in directory.for_region(region)]


def shown(lines: list[str], services) -> list[str]:
    return [s.name for s in read_card(lines, services).services]


# ------------------------------------------------------------------ the shared reader


def test_a_number_counts_only_whole_and_digit_for_digit(directory) -> None:
    uk = known(directory, "UK")
    assert shown(["Call 116123"], uk) == ["Samaritans"]
    assert shown(["Call 116-123"], uk) == ["Samaritans"]
    assert shown(["Call 116 1234"], uk) == []  # one digit too many is another number
    assert shown(["Call 16 123"], uk) == []
    assert shown(["Childline 0800 1111"], uk) == ["Childline"]  # NHS 111 is not inside it


def test_a_keyword_channel_needs_keyword_and_number_on_one_line(directory) -> None:
    uk = known(directory, "UK")
    assert shown(["Text SHOUT to 85258"], uk) == ["Shout"]
    assert shown(["Text SH0UT to 85258"], uk) == ["Shout"]  # the recogniser's O/0 slip inside a keyword
    reading = read_card(["Text to 85258", "SHOUT"], uk)
    assert reading.services == () and reading.wrong == ()  # Shout's number, incomplete: not counted, not wrong
    [partial] = reading.partial(next(s for s in uk if s.name == "Shout"))
    assert partial.line == "Text to 85258"


def test_call_or_text_988_is_one_service_and_press_1_is_the_veterans(directory) -> None:
    us = known(directory, "US")
    assert shown(["Call or text 988"], us) == ["988 Suicide & Crisis Lifeline"]
    assert shown(["Call 988, then press 1"], us) == ["Veterans Crisis Line"]
    assert shown(["Call or text 988", "Call 988, then press 1"], us) == ["988 Suicide & Crisis Lifeline",
                                                                        "Veterans Crisis Line"]
    assert shown(["Chat at 988lifeline.org"], us) == []  # a web address is not the number 988
    assert shown(["Call 1-800-662-HELP (4357)"], us) == ["SAMHSA National Helpline"]


def test_recogniser_slips_and_digits_inside_words(directory) -> None:
    uk = known(directory, "UK")
    assert shown(["Cal1 116 123"], uk) == ["Samaritans"]  # l read as 1 at the end of "Call"
    assert shown(["Call 116 I23"], uk) == ["Samaritans"]  # 1 read as I inside the number
    assert shown(["Call116 123"], uk) == ["Samaritans"]  # the space lost
    assert read_card(["PAPYRUS HOPELINE247"], uk).wrong == ()  # digits inside a word are no number
    [glued] = read_card(["Call000 000 now"], uk).wrong
    assert glued.number == "000 000"


def test_a_known_name_beside_a_number_that_is_not_theirs_is_reported(directory) -> None:
    reading = read_card(["Samaritans", "Call 774 759", "Open 24/7", "Shout", "Text SHOUT to 02520",
                         "Mon-Fri 9:30 am-4 pm"], known(directory, "UK"))
    assert reading.services == ()  # never names a service that is not on screen
    assert [w.message for w in reading.wrong] == ["Samaritans: 774 759 is not their number",
                                                  "Shout: 02520 is not their number"]


def test_a_number_of_no_service_is_reported_on_its_own(directory) -> None:
    uk = known(directory, "UK")
    reading = read_card(["Call 000 000 now", "Samaritans", "Call 116 123", "Open 24/7", "Harbour Line",
                         "Call 0800 123 4567"], uk)
    assert [w.message for w in reading.wrong] == ["000 000 is not the number of any service on the card",
                                                  "0800 123 4567 is not the number of any service on the card"]
    local = custom_service("Harbour Line", call="0800 123 4567")
    assert shown(["Harbour Line", "Call 0800 123 4567"], [local, *uk]) == ["Harbour Line"]
    assert read_card(["In an emergency call 999"], uk).wrong == ()  # the region's emergency number is known
    hours = ["Mon-Fri 0900-1700", "Mon–Fri 9.30–17.30", "Open 10.00 to 22.00", "Mon-Fri 9:30 am-4 pm", "Open 24/7"]
    assert read_card(hours, uk).wrong == ()  # opening hours are not numbers
    assert [w.number for w in read_card(["Since 1953"], uk).wrong] == ["1953"]  # a year on the card is refused


# ------------------------------------------------------------------ custom services


def film(folder: Path, custom: str, region: str = "UK") -> Path:
    path = folder / "film.yaml"
    path.write_text(f"title: Custom\nregion: {region}\nend_card:\n  custom_services:\n{custom}"
                    "scenes:\n  - background: '#264653'\n    duration: 2s\n", encoding="utf-8")
    return path


def line_of(path: Path, text: str) -> int:
    return next(i for i, line in enumerate(path.read_text().splitlines(), 1) if text in line)


def refusal(path: Path) -> list:
    with pytest.raises(PolicyError) as caught:
        prepare(path, width=DRAFT_WIDTH)
    return [i for i in caught.value.issues if i.severity == "error"]


def test_a_custom_service_may_not_take_a_directory_name(tmp_path: Path) -> None:
    path = film(tmp_path, "    - name: '  samaritans'\n      call: 0800 123 4567\n")
    [issue] = refusal(path)
    assert (issue.file, issue.line, issue.path) == (path, line_of(path, "samaritans"),
                                                    "end_card.custom_services[0].name")
    assert issue.message.startswith("'samaritans' is the name of a directory service (Samaritans, UK, id "
                                    "`uk-samaritans`); a custom service needs its own name")
    assert "list its id under `end_card.services`" in issue.message


def test_a_blank_call_is_a_located_error(tmp_path: Path) -> None:
    path = film(tmp_path, "    - name: Harbour Line\n      call: ' '\n      web: harbour.example.org\n")
    with pytest.raises(SpecError) as caught:
        load_storyboard(path)
    [issue] = caught.value.issues
    assert (issue.line, issue.path) == (line_of(path, "call:"), "end_card.custom_services[0].call")
    assert issue.message.startswith("`call` is blank; write the number as the service publishes it, e.g. "
                                    "`call: 0800 123 4567`")


def test_a_number_that_is_not_of_the_region_is_refused_with_an_example(tmp_path: Path) -> None:
    path = film(tmp_path, "    - name: Harbour Line\n      call: 000 000\n    - name: Overseas\n"
                          "      call: +1 212 555 0123\n")
    issues = refusal(path)
    assert [(i.path, i.line) for i in issues] == [
        ("end_card.custom_services[0].call", line_of(path, "000 000")),
        ("end_card.custom_services[1].call", line_of(path, "+1 212"))]
    text = film(tmp_path, "    - name: Harbour Text\n      text: '12345'\n")
    assert [(i.path, i.line) for i in refusal(text)] == [("end_card.custom_services[0].text", line_of(text, "12345"))]
    assert issues[0].message == ("'000 000' is not a valid UK phone number or short code; write it as the service "
                                 "publishes it for UK callers, e.g. `0800 123 4567` or a short code such as "
                                 "`116 123`")
    assert "(it is a US number)" in issues[1].message


def test_a_custom_service_may_not_repeat_a_directory_number(tmp_path: Path) -> None:
    [issue] = refusal(film(tmp_path, "    - name: My Line\n      call: 116 123\n"))
    assert issue.path == "end_card.custom_services[0].call"
    assert issue.message == ("116 123 is the number of Samaritans (`uk-samaritans`); list `uk-samaritans` under "
                             "`end_card.services` instead of repeating its number")


def test_valid_custom_numbers_pass_full_and_short(tmp_path: Path) -> None:
    path = film(tmp_path, "    - name: Harbour Line\n      call: 0800 123 4567\n      text: '60777'\n", "UK")
    card = prepare(path, width=DRAFT_WIDTH).inputs.end_card
    assert card.services[-1].contacts == ("Call 0800 123 4567", "Text 60777")
    us = film(tmp_path, "    - name: City Line\n      call: 212 555 0123\n", "US")
    assert prepare(us, width=DRAFT_WIDTH).inputs.end_card.services[-1].name == "City Line"


# ------------------------------------------------------------------ the grader


@pytest.fixture(scope="module")
def grade_card(tmp_path_factory: pytest.TempPathFactory, ffmpeg: str):
    """Grade a 540×960 clip: a 2 s captioned shot, then `card` texts for 7 s."""
    from toolkit.grade.context import make_context
    from toolkit.grade.grader import grade
    from toolkit.grade.rubric import load_rubric
    from toolkit.media.ocr import OcrEngine

    maker = ClipMaker(tmp_path_factory.mktemp("card-truth"), ffmpeg)
    engine, rubric = OcrEngine(), load_rubric()

    def run(name: str, card: list[Text], region: str):
        size = (540, 960)
        clip = maker.slideshow(f"{name}.mp4", [
            (picture(size, "#264653", [Text("Some days are hard.", 1040, 64, box=True)]), 2.0),
            (picture(size, "#14213d", card), 7.0)])
        return grade(clip, rubric, context=make_context(region=region), ocr=engine)
    return run


def test_the_grader_fails_a_wrong_number_card_as_a_must_fix(grade_card) -> None:
    # the card a digit-swapping font draws (see hostile_fonts.py)
    card = [Text(swap_digits(t.text), t.y, t.size, t.x, t.box, t.bold) for t in end_card_texts("UK")]
    report = grade_card("wrong-number", card, "UK")
    numbers = report.result("end-card-numbers")
    assert numbers is not None and (numbers.status, numbers.severity, numbers.value) == ("fail", "must", 2)
    assert "Samaritans: 774 759 is not their number" in numbers.notes
    assert "Shout: 02520 is not their number" in numbers.notes
    services = report.result("end-card-services")
    assert services is not None and (services.status, services.value) == ("fail", 0)
    assert not any("found:" in n for n in services.notes)  # names no service that is not on screen
    assert not report.passed


def test_call_or_text_988_alone_is_one_service(grade_card) -> None:
    report = grade_card("988-only", [Text("Call or text 988", 800, 64)], "US")
    services = report.result("end-card-services")
    assert services is not None and (services.status, services.value) == ("fail", 1)
    assert "found: 988 Suicide & Crisis Lifeline (988)" in services.notes
    numbers = report.result("end-card-numbers")
    assert numbers is not None and (numbers.status, numbers.value) == ("pass", 0)


def test_custom_services_beyond_the_cards_room_are_refused_at_the_first_that_does_not_fit(tmp_path: Path) -> None:
    customs = "".join(f"    - name: Harbour Line {n}\n      web: harbour{n}.example.org\n" for n in range(3))
    path = film(tmp_path, customs)
    [issue] = refusal(path)
    assert (issue.line, issue.path) == (line_of(path, "Harbour Line 2"), "end_card.custom_services[2]")
    assert issue.message == ("the end card has room for 4 services and this film's region and topics already "
                             "need 2, so at most 2 custom services fit; 3 are listed. Name the others in the "
                             "post text")
