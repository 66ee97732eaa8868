"""YAML documents with their marks, and errors located in them.

The low floor every reader of a YAML file stands on (storyboards, templates, rubrics, lint
rules, the helpline directory): `loader` parses with line:column marks, `nodes` bounds what a
document may hold, `paths` is the one gate for every file a document or a command names, and
`errors` turns a pydantic error into located issues in plain words. Nothing here knows what a
storyboard is: the caller passes its model (and its union vocabulary) in.
"""
