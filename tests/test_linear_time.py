"""Validation time grows linearly with the size of machine-made documents (issue 11 §6).

Ratios of CPU time for N and 4N (linear is about 4, quadratic about 16), not absolute timings,
with a wide margin so a busy shared machine does not fail them.
"""

from __future__ import annotations

import time
from pathlib import Path

import pytest

from toolkit.errors import SpecError, TemplateError
from toolkit.film.pipeline import prepare
from toolkit.film.spec.validate import load_storyboard

HEAD = "title: Test\nregion: UK\n"


def write(folder: Path, text: str, name: str = "film.yaml") -> Path:
    path = folder / name
    path.write_text(text, encoding="utf-8")
    return path


def _cpu_seconds(run, repeat: int = 2) -> float:
    """The best of `repeat` runs in this process's CPU time (steadier than wall time on a shared machine)."""
    best = float("inf")
    for _ in range(repeat):
        started = time.process_time()
        run()
        best = min(best, time.process_time() - started)
    return best


def _ratio(make, n: int) -> float:
    small, large = make(n), make(4 * n)
    return _cpu_seconds(large) / max(_cpu_seconds(small), 1e-3)


def test_validation_time_is_linear_in_unknown_keys(tmp_path):
    # Before: each located issue scanned its mapping (40k keys: 38 s, 16x slower for 4x keys).
    def make(n: int):
        path = write(tmp_path, HEAD + "scenes:\n  - background: navy\n    duration: 1s\n"
                     + "".join(f"    k{i}: 1\n" for i in range(n)), f"keys{n}.yaml")
        def run() -> None:
            with pytest.raises(SpecError):
                load_storyboard(path)

        return run

    assert _ratio(make, 3000) < 8  # linear is ~4; quadratic ~16


def test_validation_time_is_linear_in_fields(tmp_path):
    # Before: every unused field's warning scanned `fields:` (92k fields: killed at 300 s).
    def make(n: int):
        path = write(tmp_path, HEAD + "fields:\n" + "".join(f"  f{i}: value\n" for i in range(n))
                     + "scenes:\n  - background: navy\n    duration: 1s\n", f"fields{n}.yaml")
        return lambda: prepare(path, width=180)

    assert _ratio(make, 3000) < 8


def test_merge_field_handling_is_linear(tmp_path):
    # Before: each placeholder was looked up in a list of those seen (20k in one caption: 5.3 s, 14x for 4x).
    def make(n: int):
        path = write(tmp_path, HEAD + "fields:\n" + "".join(f"  g{i}: v\n" for i in range(n))
                     + "scenes:\n  - background: navy\n    duration: 2s\n    captions: '"
                     + "".join(f"{{{{ f{i} }}}}" for i in range(n)) + "'\n", f"placeholders{n}.yaml")

        def run() -> None:
            with pytest.raises(TemplateError):
                prepare(path, width=180)

        return run

    assert _ratio(make, 2000) < 8


def test_thousands_of_missing_fields_are_summarised(tmp_path):
    path = write(tmp_path, HEAD + "scenes:\n  - background: navy\n    duration: 2s\n    captions: '"
                 + "".join(f"{{{{ f{i} }}}}" for i in range(500)) + "'\n")
    with pytest.raises(TemplateError) as exc:
        prepare(path, width=180)
    [issue] = [i for i in exc.value.issues if i.severity == "error"]
    assert (issue.line, issue.path) == (6, "scenes[0].captions")
    assert issue.message == ("merge fields `f0`, `f1`, `f2`, `f3`, `f4`, `f5`, `f6`, `f7`, `f8`, `f9` and 490 more "
                             "have no value; give them under the storyboard's `fields:` or with --field f0=...")
    assert "merge fields without a value: `f0`, `f1`" in str(exc.value).splitlines()[0]
    assert "and 490 more" in str(exc.value).splitlines()[0]


def test_unclosed_braces_are_linear(tmp_path):
    # Before: `{{(.*?)}}` scanned to the end of the text from every `{{` (20,000 of them: 22 s).
    from toolkit.film.template.fields import fill

    def make(n: int):
        return lambda: fill("{{ a" * n, {})

    assert _ratio(make, 20_000) < 8
    assert fill("{{ a {{ b }}", {"b": "B"}).malformed == ("{{",)  # a `{{` inside a field is its own mistake
