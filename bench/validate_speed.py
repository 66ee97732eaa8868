"""How fast `reel validate` handles very long storyboards (target: well under 1 s per 1,000 scenes).

    python bench/validate_speed.py [SCENES]
"""

from __future__ import annotations

import sys
import tempfile
import time
from pathlib import Path

from toolkit.build.spec.validate import load_storyboard


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


if __name__ == "__main__":
    main(int(sys.argv[1]) if len(sys.argv) > 1 else 10_000)
