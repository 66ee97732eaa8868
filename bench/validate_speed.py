"""How fast `reel validate` handles very long storyboards (target: well under 1 s per 1,000 scenes).

    python bench/validate_speed.py [SCENES]
    python bench/validate_speed.py --hostile    # machine-made documents: linear, not quadratic

`--hostile` times the documents that took quadratic time before issue 11: 40,000 unknown keys
(38 s), 92,000 `fields:` (killed at 300 s) and 20,000 merge fields in one caption (5.3 s).
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

from toolkit.errors import ReelError
from toolkit.film.pipeline import prepare
from toolkit.film.spec.validate import load_storyboard


def main(scenes: int = 10_000) -> None:
    body = "".join(f"  - background: '#10{i % 100:02d}20'\n    duration: 1s\n    captions: Line {i}\n"
                   for i in range(scenes))
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "long.yaml"
        path.write_text("title: Long\nregion: UK\nscenes:\n" + body, encoding="utf-8")
        best = float("inf")
        for _ in range(3):
            t0 = time.perf_counter()
            load_storyboard(path)
            best = min(best, time.perf_counter() - t0)
    print(f"validate {scenes} scenes: {best:.2f}s best of 3 = {best / scenes * 1000:.3f}s per 1,000 scenes")


def hostile() -> None:
    """Time `prepare()` on documents with tens of thousands of keys, fields and placeholders."""
    scene = "scenes:\n  - background: navy\n    duration: 2s\n"
    cases = {
        "40,000 unknown keys": "".join(f"k{i}: 1\n" for i in range(40_000)) + scene,
        "92,000 fields": "fields:\n" + "".join(f"  f{i}: v\n" for i in range(92_000)) + scene,
        "20,000 merge fields in one caption": scene + "    captions: '"
        + "".join(f"{{{{ f{i} }}}}" for i in range(20_000)) + "'\n",
    }
    with tempfile.TemporaryDirectory() as tmp:
        for name, body in cases.items():
            path = Path(tmp) / "hostile.yaml"
            path.write_text("title: Hostile\nregion: UK\n" + body, encoding="utf-8")
            t0 = time.perf_counter()
            try:
                prepare(path, width=180)
                outcome = "valid"
            except ReelError as exc:
                outcome = exc.message.splitlines()[0]
            print(f"{name}: {time.perf_counter() - t0:.2f}s ({outcome})")


if __name__ == "__main__":
    if sys.argv[1:] == ["--hostile"]:
        hostile()
    else:
        main(int(sys.argv[1]) if len(sys.argv) > 1 else 10_000)
