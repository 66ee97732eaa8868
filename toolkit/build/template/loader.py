"""Find, resolve (`extends`) and validate brand templates; resolve their font references."""

from __future__ import annotations

import importlib
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from pydantic import ValidationError

from toolkit.build.spec.errors import translate_validation_error
from toolkit.build.spec.loader import Document, load_document
from toolkit.build.template.models import Template
from toolkit.errors import Issue, TemplateError
from toolkit.settings import Settings

TEMPLATE_FILE = "template.yaml"


@dataclass(frozen=True)
class ResolvedTemplate:
    """A validated template, the folder its files resolve against, and where each value came from."""

    template: Template
    folder: Path
    chain: tuple[str, ...]  # this template first, then what it extends
    origins: dict[str, str]  # dotted key -> template name that set it


def templates_dir() -> Path:
    """The project's `templates/` folder."""
    return Settings.project_root() / "templates"


def available_templates(root: Path | None = None) -> list[str]:
    """Names of the folders under `templates/` that hold a template.yaml."""
    root = root or templates_dir()
    if not root.is_dir():
        return []
    return sorted(p.name for p in root.iterdir() if (p / TEMPLATE_FILE).is_file())


def load_template(name: str, *, root: Path | None = None) -> ResolvedTemplate:
    """Load template `name` from `root` (default: the project's templates/), applying `extends`."""
    root = root or templates_dir()
    chain: list[str] = []
    docs: list[Document] = []
    current: str | None = name
    while current is not None:
        if current in chain:
            cycle = " -> ".join([*chain, current])
            raise TemplateError([Issue(f"`extends` goes round in a circle: {cycle}",
                                       file=root / chain[-1] / TEMPLATE_FILE)])
        folder = root / current
        if not (folder / TEMPLATE_FILE).is_file():
            names = ", ".join(available_templates(root)) or "none"
            where = docs[-1].issue(["extends"], f"template `{current}` not found; available: {names}") \
                if docs else Issue(f"template `{current}` not found in {root}; available: {names}")
            raise TemplateError([where])
        doc = load_document(folder / TEMPLATE_FILE, kind="template")
        if not isinstance(doc.data, dict):
            raise TemplateError([doc.issue([], "a template must be a mapping")])
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
    # Validate each file on its own first so errors point into the file that has them.
    issues: list[Issue] = []
    for doc in docs:
        try:
            Template.model_validate({"name": "x", **{k: v for k, v in doc.data.items() if k != "name"}})
        except ValidationError as exc:
            issues.extend(translate_validation_error(exc, doc))
    if issues:
        raise TemplateError(issues)
    try:
        template = Template.model_validate(merged)
    except ValidationError as exc:
        raise TemplateError(translate_validation_error(exc, docs[0])) from None
    folder = root / name
    _check_files(template, root, chain, docs)
    return ResolvedTemplate(template=template, folder=folder, chain=tuple(chain), origins=origins)


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
    for field_name in ("heading", "body", "captions"):
        ref = getattr(template.fonts, field_name)
        try:
            resolve_font(ref, *(root / c for c in chain))
        except FileNotFoundError as exc:
            doc = _doc_setting(docs, ["fonts", field_name])
            issues.append(doc.issue(["fonts", field_name], str(exc)))
    if template.logo is not None:
        path = _find(template.logo.file, root, chain)
        doc = _doc_setting(docs, ["logo", "file"])
        if path is None:
            issues.append(doc.issue(["logo", "file"], f"logo file {template.logo.file} not found"))
        else:
            try:
                from PIL import Image

                with Image.open(path) as im:
                    im.verify()
            except Exception:
                issues.append(doc.issue(["logo", "file"], f"logo {template.logo.file} is not an image "
                                                          "Pillow can read (use PNG with transparency)"))
    if issues:
        raise TemplateError(issues)


def _doc_setting(docs: list[Document], loc: list[str]) -> Document:
    for doc in docs:
        node: Any = doc.data
        for key in loc:
            node = node.get(key) if isinstance(node, dict) else None
        if node is not None:
            return doc
    return docs[0]


def _find(rel: Path, root: Path, chain: list[str]) -> Path | None:
    for name in chain:
        candidate = root / name / rel
        if candidate.is_file():
            return candidate
    return None


def template_file(resolved: ResolvedTemplate, rel: Path) -> Path | None:
    """A file named in a template, looked up in the template's folder and then its parents'."""
    return _find(rel, resolved.folder.parent, list(resolved.chain))


def resolve_font(ref: str, *folders: Path) -> Path:
    """A font file from `family-slug:style` (a fontpkg package) or a path inside a template folder."""
    if ":" in ref and not ref.lower().endswith((".ttf", ".otf", ".ttc")):
        slug, _, style = ref.partition(":")
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
        raise FileNotFoundError(f"font `{ref}`: no style `{style}`; available: {styles}")
    for folder in folders:
        candidate = folder / ref
        if candidate.is_file():
            return candidate
    raise FileNotFoundError(f"font file {ref} not found in the template folder")
