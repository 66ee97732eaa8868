"""Identifying metadata (issue 16): where a clip was filmed, and with which phone.

A location tag in a posted film tells anyone who downloads it where the contributor was; that is
a must-fix in the default rubric. Device tags (make, model, software) name the phone rather than a
place or a person, so the default rubric gives them as should-fix advice.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from toolkit.grade.checks.base import CheckSpec, number, unavailable
from toolkit.grade.results import Observation
from toolkit.media.metadata import identifying_tags

if TYPE_CHECKING:
    from toolkit.grade.context import GradeContext
    from toolkit.grade.measure import Measurements
    from toolkit.media.probe import MediaInfo

_STRIP = ("re-export with location saving off (or strip it: `ffmpeg -i IN -map_metadata -1 -c copy OUT`), "
          "or render the film with `reel render`, which writes none")


def _metadata(info: MediaInfo, m: Measurements, ctx: GradeContext) -> Observation:
    try:
        found = identifying_tags(info.path)
    except Exception as exc:  # unreadable tags are "not measured", never a crash of the whole grade
        return unavailable("identifying-metadata", f"the metadata could not be read ({exc})")
    notes: list[str] = []
    # The tag is named, never its value: a report is shared, and the value is the place.
    for tag in found.location:
        notes.append(f"location metadata {tag} gives where this was filmed: {_STRIP}")
    if found.device:
        notes.append(f"advice: device metadata ({', '.join(found.device)}) names the phone or software used; "
                     "strip it the same way")
    values = {"location_tags": len(found.location), "device_tags": len(found.device)}
    return Observation("identifying-metadata", values, notes=tuple(notes))


SPECS: tuple[CheckSpec, ...] = (
    CheckSpec("identifying-metadata", "Identifying metadata",
              "Location (GPS, ISO 6709, ©xyz) and device tags in the container or any stream.",
              "location_tags", {
                  "location_tags": number("", "tags giving where the clip was filmed"),
                  "device_tags": number("", "tags naming the phone, camera or software (make, model, ...)"),
              }, _metadata),
)
