"""Safe-messaging lint over a storyboard's on-screen text, honouring reviewed exceptions."""

from __future__ import annotations

import dataclasses

from toolkit.build.spec.texts import screen_texts
from toolkit.build.spec.validate import LoadedStoryboard
from toolkit.care.lint import lint_text, load_rules
from toolkit.errors import Issue


def lint_storyboard(loaded: LoadedStoryboard) -> list[Issue]:
    """Located lint issues for every on-screen text.

    A hit covered by a `reviewed_exceptions` entry (same rule, the flagged words inside the
    exception's text) is kept as `info` so the decision stays visible; errors otherwise block
    rendering. A language without rules gives one "not checked" warning, never a silent pass.
    """
    doc, sb = loaded.document, loaded.storyboard
    rules = load_rules()
    issues: list[Issue] = []
    for item in screen_texts(loaded):
        result = lint_text(item.text, language=sb.language, rules=rules)
        if not result.checked:
            line, col = doc.text_start(("language",))
            issues.append(Issue(result.reason, path="language", file=doc.path, line=line, col=col,
                                severity="warning", code="lint-not-checked"))
            break
        line, col = doc.text_start(item.loc)
        _, _, path = doc.locate(item.loc)
        for issue in result.to_issues(item.text, file=doc.path, path=path, first_line=line or 1,
                                      first_col=col or 1):
            if item.source_note:
                issue = dataclasses.replace(issue, message=f"{item.source_note}: {issue.message}")
            issues.append(_apply_exception(issue, item.text, sb.reviewed_exceptions))
    return issues


def _apply_exception(issue: Issue, text: str, exceptions) -> Issue:
    if issue.severity != "error":
        return issue
    for ex in exceptions:
        if ex.rule == issue.code and ex.text.lower() in text.lower():
            return dataclasses.replace(issue, severity="info",
                                       message=f"reviewed exception ({ex.reviewer}: {ex.reason}): {issue.message}")
    return issue
