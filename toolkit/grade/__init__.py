"""Grading exported clips: probe → measure → apply a rubric → report.

Public API (import from the modules; this package imports nothing on purpose, so loading a
result type does not load onnxruntime or PyAV):

* `toolkit.grade.rubric.load_rubric(name_or_path) -> Rubric`
* `toolkit.grade.context.make_context(region=, topics=, storyboard=, captions_file=) -> GradeContext`
* `toolkit.grade.grader.grade(path, rubric, context=, ocr=) -> Report`
* `toolkit.grade.batch.collect_clips(paths)`, `grade_batch(clips, rubric, context, out_dir=)`
* `toolkit.grade.report_json.write_json(report, path)`, `report_html.write_html(report, path)`,
  `gradebook.write_gradebook(entries, rubric, path)`
* `toolkit.grade.checks.CHECKS`: the registry of checks (id → `CheckSpec`)
* `toolkit.grade.measure.measure(info, ocr=) -> Measurements`, `toolkit.grade.ocr.OcrEngine`
"""
