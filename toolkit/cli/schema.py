"""`reel schema`: the JSON Schema of the storyboard (or template) language."""

from __future__ import annotations

import json

import click


def storyboard_schema() -> dict:
    """JSON Schema generated from the storyboard models."""
    from toolkit.film.spec.models import Storyboard

    schema = _link(Storyboard.model_json_schema(by_alias=True))
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "Reel storyboard"
    return schema


def _link(node):
    """Replace `{"x-reel-ref": Name}` markers (see models.shorthands) with real $refs."""
    if isinstance(node, dict):
        if set(node) == {"x-reel-ref"}:
            return {"$ref": f"#/$defs/{node['x-reel-ref']}"}
        return {k: _link(v) for k, v in node.items()}
    if isinstance(node, list):
        return [_link(v) for v in node]
    return node


def template_schema() -> dict:
    """JSON Schema generated from the template models."""
    from toolkit.film.template.models import Template

    schema = Template.model_json_schema(by_alias=True)
    schema["$schema"] = "https://json-schema.org/draft/2020-12/schema"
    schema["title"] = "Reel brand template"
    return schema


@click.command()
@click.option("--template", "for_template", is_flag=True, help="Print the template schema instead.")
@click.option("--plan", "for_plan", is_flag=True, help="Print the schema of `reel plan --json` instead.")
def schema(for_template: bool, for_plan: bool) -> None:
    """Print the JSON Schema of the storyboard language (for editors' autocompletion).

    The examples point VS Code's YAML extension at schema/storyboard.schema.json with a
    `# yaml-language-server: $schema=...` first line. The schemas of every `--json` output
    are in schema/ too (validate, lint, helplines, plan, check-flash, grade)."""
    if for_template and for_plan:
        raise click.UsageError("choose one of --template and --plan")
    if for_plan:
        from toolkit.cli.plan_schema import plan_schema

        data = plan_schema()
    else:
        data = template_schema() if for_template else storyboard_schema()
    click.echo(json.dumps(data, indent=2, sort_keys=True))
