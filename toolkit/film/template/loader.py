"""Find, resolve (`extends`) and validate brand templates; resolve their font references."""

from __future__ import annotations

import dataclasses
import importlib
import json
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from toolkit.doc.errors import translate_validation_error
from toolkit.doc.loader import Document, load_document
from toolkit.doc.paths import Folder, PathProblem, find_in, shown
from toolkit.errors import Issue, TemplateError
from toolkit.film.template.models import Template, on_key
from toolkit.settings import Settings

TEMPLATE_FILE = "template.yaml"
_NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_-]*$")


@dataclass(frozen=True)
class ResolvedTemplate:
    """A validated template, the folder its files resolve against, and where each value came from."""

    template: Template
    folder: Path
    chain: tuple[str, ...]  # this template first, then what it extends
    origins: dict[str, str]  # dotted key -> template name that set it ("storyboard" once overridden)
    documents: Mapping[str, Document] = field(default_factory=dict)  # template name -> its parsed file
    lock_origins: Mapping[str, str] = field(default_factory=dict)  # locked property -> template that locks it

    def issue(self, dotted: str, message: str, *, severity: str = "error") -> Issue:
        """An `Issue` located at the template file and line that set the property `dotted`."""
        name = self.origins.get(dotted) or self.chain[0]
        doc = self.documents.get(name) or self.documents.get(self.chain[0])
        if doc is None:
            return Issue(message, path=dotted, severity=severity)  # type: ignore[arg-type]
        return doc.issue(dotted.split("."), message, severity=severity)


def templates_dir() -> Path:
    """The `templates/` folder (see `Settings.data_dir`)."""
    return Settings.data_dir("templates")


def available_templates(root: Path | None = None) -> list[str]:
    """Names of the folders under `templates/` that hold a template.yaml."""
    root = root or templates_dir()
    if not root.is_dir():
        return []
    return sorted(p.name for p in root.iterdir() if (p / TEMPLATE_FILE).is_file())


def check_name(name: str, root: Path | None = None) -> None:
    """Refuse names that are not a plain folder under templates/ (and so cannot escape it)."""
    if not _NAME.match(name):
        names = ", ".join(available_templates(root)) or "none"
        raise TemplateError([Issue(f"`{name}` is not a template name (a folder name of letters, digits, `-` "
                                   f"and `_`); available: {names}")])


def load_template(name: str, *, root: Path | None = None) -> ResolvedTemplate:
    """Load template `name` from `root` (default: the project's templates/), applying `extends`.

    Raises `TemplateError` (every issue located in the file that has it) when the template is
    not found, `extends` is missing or goes round in a circle, a file is invalid, or a font,
    logo, intro, outro or music file is missing or unreadable.
    """
    root = root or templates_dir()
    check_name(name, root)
    chain: list[str] = []
    docs: list[Document] = []
    current: str | None = name
    while current is not None:
        if current in chain:
            cycle = " -> ".join([*chain, current])
            raise TemplateError([docs[-1].issue(["extends"], f"`extends` goes round in a circle: {cycle}")])
        folder = root / current
        if not _NAME.match(current) or not (folder / TEMPLATE_FILE).is_file():
            names = ", ".join(available_templates(root)) or "none"
            where = docs[-1].issue(["extends"], f"template `{current}` not found; available: {names}") \
                if docs else Issue(f"template `{current}` not found in {root}; available: {names}")
            raise TemplateError([where])
        doc = load_document(folder / TEMPLATE_FILE, kind="template")
        if not isinstance(doc.data, dict):
            raise TemplateError([doc.issue([], "a template must be a mapping")])
        if isinstance(doc.data.get("logo"), dict):
            doc = dataclasses.replace(doc, data={**doc.data, "logo": on_key(doc.data["logo"])})
        chain.append(current)
        docs.append(doc)
        parent = doc.data.get("extends")
        current = parent if isinstance(parent, str) else None

    merged: dict[str, Any] = {}
    origins: dict[str, str] = {}
    for tname, doc in zip(reversed(chain), reversed(docs), strict=True):
        _merge(merged, doc.data, tname, origins, "")
    merged["name"] = name
    merged["extends"] = docs[0].data.get("extends")
    # Locks add up along the chain: a brand's sub-template cannot quietly unlock the logo.
    lock_origins: dict[str, str] = {}
    for tname, doc in zip(reversed(chain), reversed(docs), strict=True):
        locks = doc.data.get("locked")
        for item in locks if isinstance(locks, list) else []:
            if isinstance(item, str):
                lock_origins[item] = tname
    merged["locked"] = list(lock_origins)
    # Validate each file on its own first so errors point into the file that has them. A file
    # that extends another may leave out required keys (e.g. `logo.file`) its parent gives.
    issues: list[Issue] = []
    for doc in docs:
        try:
            Template.model_validate({"name": "x", **{k: v for k, v in doc.data.items() if k != "name"}})
        except ValidationError as exc:
            found = translate_validation_error(exc, doc, root=Template)
            if doc.data.get("extends") is not None:
                found = [i for i in found if i.code != "missing"]
            issues.extend(found)
    if issues:
        raise TemplateError(issues)
    try:
        template = Template.model_validate(merged)
    except ValidationError as exc:
        raise TemplateError(translate_validation_error(exc, docs[0], root=Template)) from None
    _check_files(template, root, chain, docs)
    return ResolvedTemplate(template=template, folder=root / name, chain=tuple(chain), origins=origins,
                            documents=dict(zip(chain, docs, strict=True)), lock_origins=lock_origins)


def _merge(into: dict[str, Any], src: dict[str, Any], tname: str, origins: dict[str, str], prefix: str) -> None:
    for key, value in src.items():
        dotted = f"{prefix}{key}"
        if isinstance(value, dict) and isinstance(into.get(key), dict):
            _merge(into[key], value, tname, origins, dotted + ".")
        else:
            into[key] = json.loads(json.dumps(value, default=str)) if isinstance(value, dict | list) else value
            origins[dotted] = tname
            if isinstance(value, dict):
                _mark(value, tname, origins, dotted + ".")


def _mark(src: dict[str, Any], tname: str, origins: dict[str, str], prefix: str) -> None:
    for key, value in src.items():
        origins[f"{prefix}{key}"] = tname
        if isinstance(value, dict):
            _mark(value, tname, origins, f"{prefix}{key}.")


def _check_files(template: Template, root: Path, chain: list[str], docs: list[Document]) -> None:
    issues: list[Issue] = []
    folders = template_folders(root, chain)
    for field_name in ("heading", "body", "captions"):
        ref = getattr(template.fonts, field_name)
        try:
            resolve_font(ref, *folders)
        except FileNotFoundError as exc:
            doc = _doc_setting(docs, ["fonts", field_name])
            issues.append(doc.issue(["fonts", field_name], str(exc)))
    files = {("logo", "file"): template.logo.file if template.logo else None, ("intro",): template.intro,
             ("outro",): template.outro, ("music", "file"): template.music.file if template.music else None}
    for loc, rel in files.items():
        if rel is None:
            continue
        doc = _doc_setting(docs, list(loc))
        what = loc[0]
        try:
            path = find_in(rel, folders)
        except PathProblem as problem:
            listed = f" ({', '.join(str(f.root) for f in folders)})" if problem.kind == "missing" else ""
            issues.append(doc.issue(list(loc), file_problem(what, problem, folders[0]) + listed))
            continue
        if what == "logo" and not _is_image(path):
            issues.append(doc.issue(list(loc), f"logo {rel} is not an image Pillow can read (use a PNG with "
                                               "transparency)"))
    if issues:
        raise TemplateError(issues)


def template_folders(root: Path, chain: list[str] | tuple[str, ...]) -> list[Folder]:
    """The folders a template's files may come from: its own, then those of what it extends."""
    return [Folder(root / name, label="the template folder", escape_hint="") for name in chain]


def file_problem(what: str, problem: PathProblem, folder: Folder) -> str:
    """The sentence for a refused `what` file (`font`, `logo`, `intro`...), in the words of its folder."""
    if problem.kind == "missing":
        where = f"in {folder.label}" if problem.inside else problem.detail
        return f"{what} file {problem.shown} not found {where}"
    if problem.kind == "outside":
        hint = f"; {folder.escape_hint}" if folder.escape_hint else ""
        return f"{what} file {problem.shown} must be inside {folder.label}{hint}"
    return f"{what} file {problem.message}"


def _is_image(path: Path) -> bool:
    from PIL import Image, UnidentifiedImageError

    try:
        with Image.open(path) as im:
            im.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError):
        return False
    return True


def _doc_setting(docs: list[Document], loc: list[str]) -> Document:
    for doc in docs:
        node: Any = doc.data
        for key in loc:
            node = node.get(key) if isinstance(node, dict) else None
        if node is not None:
            return doc
    return docs[0]


def template_file(resolved: ResolvedTemplate, rel: Path) -> Path | None:
    """A file named in a template, looked up in the template's folder and then its parents'."""
    try:
        return find_in(rel, template_folders(resolved.folder.parent, resolved.chain))
    except PathProblem:
        return None


_FONT_PACKAGE = re.compile(r"^[a-z0-9][a-z0-9-]*$")


def resolve_font(ref: str, *folders: Path | Folder) -> Path:
    """A font file from `family-slug:style` (a fontpkg package) or a path inside one of `folders`.

    Paths go through the same gate as every other file a document names (`doc.paths`): a
    bare `Path` is a template folder; pass a `Folder` for the storyboard's. Raises
    `FileNotFoundError` with the sentence to show.
    """
    if ":" in ref and not ref.lower().endswith((".ttf", ".otf", ".ttc")):
        slug, _, style = ref.partition(":")
        if not _FONT_PACKAGE.match(slug):
            raise FileNotFoundError(f"font `{shown(ref)}`: `{shown(slug)}` is not a font package name (lowercase "
                                    "letters, digits and `-`, as in `atkinson-hyperlegible:bold`)")
        module_name = "fontpkg_" + slug.replace("-", "_")
        try:
            module = importlib.import_module(module_name)
        except ModuleNotFoundError:
            raise FileNotFoundError(
                f"font package for `{slug}` is not installed (pip install fontpkg-{slug})") from None
        files = sorted((Path(module.ROOT) / "files").glob("*.[ot]tf"))
        wanted = style.replace("-", "").replace(" ", "").lower()
        for f in files:
            stem = f.stem.split("-", 1)[-1].lower()
            if stem == wanted:
                return f
        styles = ", ".join(f.stem.split("-", 1)[-1].lower() for f in files)
        raise FileNotFoundError(f"font `{shown(ref)}`: no style `{shown(style)}`; available: {styles}")
    gates = [f if isinstance(f, Folder) else Folder(f, label="the template folder", escape_hint="")
             for f in folders]
    if not gates:
        raise FileNotFoundError(f"font `{shown(ref)}` is a file name, and no folder was given to look in")
    try:
        return find_in(ref, gates)
    except PathProblem as problem:
        raise FileNotFoundError(file_problem("font", problem, gates[0])) from None
