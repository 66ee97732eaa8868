"""`output_names`: stable, collision-free output names for `reel render STORYBOARD... --template NAME`."""

from __future__ import annotations

import random
from pathlib import Path

from hypothesis import given, settings
from hypothesis import strategies as st

from toolkit.film.template.batch import output_names

OUT = Path("/renders")


def names(paths: list[str], template: str = "charity") -> dict[str, str]:
    result = output_names([Path(p) for p in paths], OUT, template)
    return {str(k): v.relative_to(OUT).as_posix() for k, v in result.items()}


def test_names_are_stem_then_template():
    assert names(["/course/storyboards/psychosis-three-things.yaml", "/course/b/grief.yml"]) == {
        "/course/storyboards/psychosis-three-things.yaml": "psychosis-three-things--charity.mp4",
        "/course/b/grief.yml": "grief--charity.mp4",
    }


def test_equal_stems_get_just_enough_of_their_folders():
    assert names(["/c/week1/film.yaml", "/c/week2/film.yaml", "/c/week2/other.yaml"]) == {
        "/c/week1/film.yaml": "week1-film--charity.mp4",
        "/c/week2/film.yaml": "week2-film--charity.mp4",
        "/c/week2/other.yaml": "other--charity.mp4",
    }
    assert names(["/x/drafts/film.yaml", "/y/drafts/film.yaml"]) == {
        "/x/drafts/film.yaml": "x-drafts-film--charity.mp4",
        "/y/drafts/film.yaml": "y-drafts-film--charity.mp4",
    }


def test_names_differing_only_in_case_do_not_clash_on_case_insensitive_disks():
    result = names(["/a/Film.yaml", "/b/film.yaml"])
    assert result == {"/a/Film.yaml": "a-Film--charity.mp4", "/b/film.yaml": "b-film--charity.mp4"}


def test_unsafe_characters_and_template_names_are_made_file_safe():
    result = names(["/a/my film (v2)!.yaml"], template="brand/../x y")
    assert result == {"/a/my film (v2)!.yaml": "my-film-v2--brand-..-x-y.mp4"}


def test_relative_paths_resolve_and_the_same_file_twice_maps_to_one_output(tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    (tmp_path / "s").mkdir()
    result = output_names([Path("s/film.yaml"), Path("./s/../s/film.yaml")], Path("out"), "default")
    assert set(result.values()) == {Path("out/film--default.mp4")}


def test_a_hash_separates_names_folders_cannot():
    result = names(["/a/b c.yaml", "/a/b-c.yaml"])
    first, second = result["/a/b c.yaml"], result["/a/b-c.yaml"]
    assert first != second and first.startswith("a-b-c-") and first.endswith("--charity.mp4")


paths = st.lists(
    st.lists(st.sampled_from(["a", "b", "A", "week 1", "x-y", "film", "Film"]), min_size=1, max_size=4)
    .map(lambda parts: "/" + "/".join(parts) + ".yaml"),
    min_size=1, max_size=12, unique=True)


@settings(max_examples=200, deadline=None)
@given(paths, st.randoms(use_true_random=False))
def test_names_are_unique_stable_and_independent_of_order(items, rng: random.Random):
    first = names(items)
    shuffled = list(items)
    rng.shuffle(shuffled)
    assert names(shuffled) == first  # the same batch, in any order, gives the same names
    outputs = [v.casefold() for v in first.values()]
    assert len(set(outputs)) == len(outputs)  # collision-free, even case-insensitively
    assert all(v.endswith("--charity.mp4") and "/" not in v for v in first.values())
