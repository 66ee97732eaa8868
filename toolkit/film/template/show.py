"""`reel templates show`: a resolved template as YAML, each value commented with where it came from."""

from __future__ import annotations

from typing import Any

import yaml

from toolkit.film.template.loader import ResolvedTemplate, resolve_font

BUILT_IN = "built-in default"
_COMMENT_COLUMN = 48


def resolved_yaml(resolved: ResolvedTemplate) -> str:
    """The fully resolved template as YAML; `# from <template>` after every value a file set.

    Values no template file sets are marked `# built-in default`; locks name the template that
    declares each; fonts also name the file they resolve to.
    """
    data = resolved.template.model_dump(mode="json", by_alias=True)
    chain = " -> ".join(resolved.chain)
    lines = [f"# template `{resolved.chain[0]}`, resolved through: {chain}"]
    data.pop("locked", None)
    lines += _mapping(data, resolved, "", 0)
    if resolved.lock_origins:
        lines.append("locked:")
        lines += [_commented(f"  - {lock}", f"from {origin}") for lock, origin in resolved.lock_origins.items()]
    else:
        lines.append("locked: []")
    return "\n".join(lines) + "\n"


def _mapping(data: dict[str, Any], resolved: ResolvedTemplate, prefix: str, depth: int) -> list[str]:
    out: list[str] = []
    pad = "  " * depth
    for key, value in data.items():
        dotted, key = f"{prefix}{key}", _scalar(key)  # `on` must stay a string key
        if isinstance(value, dict) and value:
            origin = resolved.origins.get(dotted)
            out.append(_commented(f"{pad}{key}:", f"from {origin}") if origin and not _has_children(
                resolved, dotted) else f"{pad}{key}:")
            out += _mapping(value, resolved, dotted + ".", depth + 1)
            continue
        note = f"from {resolved.origins[dotted]}" if dotted in resolved.origins else BUILT_IN
        if dotted.startswith("fonts.") and isinstance(value, str):
            note += f" -> {_font_file(resolved, value)}"
        out.append(_commented(f"{pad}{key}: {_scalar(value)}", note))
    return out


def _has_children(resolved: ResolvedTemplate, dotted: str) -> bool:
    return any(k.startswith(dotted + ".") for k in resolved.origins)


def _scalar(value: Any) -> str:
    text = yaml.safe_dump(value, default_flow_style=True, allow_unicode=True, width=10**6)
    return text.removesuffix("\n...\n").strip()


def _commented(line: str, note: str) -> str:
    return f"{line.ljust(_COMMENT_COLUMN - 1)} # {note}"


def _font_file(resolved: ResolvedTemplate, ref: str) -> str:
    try:
        return resolve_font(ref, *(resolved.folder.parent / c for c in resolved.chain)).name
    except FileNotFoundError:
        return "not found"
