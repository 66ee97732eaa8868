"""One clip of `reel grade FOLDER --jobs N / --scheduler`: graded on a worker into its gradebook entry."""

from __future__ import annotations

import copyreg
import time
from dataclasses import dataclass
from pathlib import Path
from types import MappingProxyType

from toolkit.batch.jobs import Outcome, cpu_seconds, missing_on_worker, worker_name
from toolkit.grade.context import GradeContext
from toolkit.grade.rubric import Rubric

_ocr = None  # one OCR engine per worker process: its models load once, not once per clip

# A report's measurements keep read-only mappings (`MappingProxyType`), which pickle cannot send
# back from a worker by default: send a read-only view of a copy. Registered wherever a clip is
# graded for a batch (this module is imported to unpickle the job), read back as the same type.
def read_only(mapping: dict) -> MappingProxyType:
    """A read-only view of `mapping` (how a pickled `MappingProxyType` is made again)."""
    return MappingProxyType(mapping)


copyreg.pickle(MappingProxyType, lambda view: (read_only, (dict(view),)))


@dataclass(frozen=True, slots=True)
class GradeJob:
    """Grade `clip` against `rubric`; its HTML and JSON reports go to `out_dir`."""

    clip: Path
    rubric: Rubric
    context: GradeContext
    out_dir: Path

    @property
    def name(self) -> str:
        return str(self.clip)

    @property
    def target(self) -> Path:
        return self.out_dir / f"{self.clip.name}.json"

    def run(self, threads: int) -> Outcome:
        """Grade the clip; the outcome's `value` is its gradebook `Entry` (graded, or the error)."""
        global _ocr
        from toolkit.grade.batch import grade_entry
        from toolkit.grade.ocr import OcrEngine

        where = worker_name()
        missing = missing_on_worker(self, self.clip, where, "the clips and the report folder")
        if missing is not None:
            return missing
        _ocr = _ocr or OcrEngine()
        started, cpu = time.perf_counter(), cpu_seconds()
        entry = grade_entry(self.clip, self.rubric, self.context, out_dir=self.out_dir, ocr=_ocr)
        ok = entry.report is not None
        line = (f"{self.clip}: {'PASS' if entry.report.passed else 'FAIL'}" if ok else entry.note)
        return Outcome(self, ok, line, seconds=time.perf_counter() - started, cpu_seconds=cpu_seconds() - cpu,
                       worker=where, value=entry)
