"""The members of the Redis contract's schemas, for the evolution check.

``members(name)`` walks the JSON Schema in file ``name`` and returns ``{path: {"type",
"required"}}`` for every member of every object, required or optional
(``$.program.capacity.state``; array items as ``[]``, the values of a map such as
``names`` as ``.*``). Every ``$ref`` is resolved, local (``#/$defs/code``) or to another
schema (the step's form tree), so ``type`` is what the member really is: its ``type``,
``const``, ``enum`` and ``format``, or the types of its ``oneOf``/``anyOf`` options.

Within one contract version (``prs.step/1``...) members may be added, never removed
or retyped, and a required member stays required: ``breaks(snapshot, current)`` lists
the changes that break that rule. The tests compare the schemas with the committed
snapshot ``tests/data/contract_required.json``
(``python -m odoo.addons.prs_cache_sync.tools.contract`` prints a new one, to commit
only after *adding* members).
"""

import json
import sys

from . import schemas

CONTRACT_SCHEMAS = (
    "prs.step.1.json",
    "prs.program.1.json",
    "prs.catalogue.1.json",
    "prs.master.1.json",
    "prs.event.1.json",
    "form.tree.1.json",
)
TYPE_KEYS = ("type", "const", "enum", "format")
MAX_DEPTH = 40


def _resolve(node, resolver, seen=()):
    """``(node, resolver, refs)``: ``node`` with its ``$ref`` chain followed (sibling
    keywords kept over the target's), the resolver of the document it lives in and the
    references followed."""
    refs = list(seen)
    while isinstance(node, dict) and isinstance(node.get("$ref"), str):
        resolved = resolver.lookup(node["$ref"])
        target = id(resolved.contents)  # the schemas are loaded once (cached)
        if target in refs:  # a recursive schema: stop here
            break
        refs.append(target)
        siblings = {key: value for key, value in node.items() if key != "$ref"}
        node, resolver = dict(resolved.contents, **siblings), resolved.resolver
    return node, resolver, refs


def _kind(node, resolver, refs=(), depth=0):
    """The type of a schema node, ``$ref`` resolved: its ``type``, ``const``, ``enum``,
    ``format`` and the kinds of its ``oneOf``/``anyOf`` options (None: any)."""
    node, resolver, refs = _resolve(node, resolver, refs)
    if not isinstance(node, dict):
        return node
    kind = {}
    for key in TYPE_KEYS:
        if key in node:
            value = node[key]
            kind[key] = sorted(value) if key == "type" and isinstance(value, list) else value
    for key in ("oneOf", "anyOf"):
        if key in node and depth < MAX_DEPTH:
            options = {
                json.dumps(_kind(option, resolver, refs, depth + 1), sort_keys=True): None
                for option in node[key]
            }
            kind[key] = [json.loads(text) for text in sorted(options)]
    return kind or None


def _type_of(node, resolver, refs=()):
    """Canonical text of the type of a schema node (``any`` when unconstrained)."""
    kind = _kind(node, resolver, refs)
    return json.dumps(kind, sort_keys=True) if kind is not None else "any"


def _walk(node, resolver, path, found, refs=(), depth=0):
    node, resolver, refs = _resolve(node, resolver, refs)
    if not isinstance(node, dict) or depth > MAX_DEPTH:
        return
    required = set(node.get("required", ()))
    for name, member in node.get("properties", {}).items():
        member_path = f"{path}.{name}"
        entry = {"type": _type_of(member, resolver, refs), "required": name in required}
        previous = found.get(member_path)
        if previous:  # the same member in several oneOf/anyOf options
            types = sorted(set(previous["type"].split(" | ")) | {entry["type"]})
            entry = {
                "type": " | ".join(types),
                "required": previous["required"] and entry["required"],
            }
        found[member_path] = entry
        _walk(member, resolver, member_path, found, refs, depth + 1)
    for name in required - set(node.get("properties", {})):
        found.setdefault(f"{path}.{name}", {"type": "any", "required": True})
    # an array's items (``[]``) and a map's values (``.*``) are members too
    for key, suffix in (("items", "[]"), ("additionalProperties", ".*")):
        if isinstance(node.get(key), dict):
            found.setdefault(
                f"{path}{suffix}",
                {"type": _type_of(node[key], resolver, refs), "required": False},
            )
            _walk(node[key], resolver, f"{path}{suffix}", found, refs, depth + 1)
    for option in [*node.get("oneOf", ()), *node.get("anyOf", ())]:
        _walk(option, resolver, path, found, refs, depth + 1)


def members(schema, resolver=None):
    """``{path: {"type": text, "required": bool}}`` of every member of ``schema`` (a
    file name of the contract, or a schema dict with an optional ``resolver``)."""
    if isinstance(schema, str):
        schema, resolver = schemas.load(schema), schemas.resolver(schema)
    if resolver is None:
        from referencing import Registry
        from referencing.jsonschema import DRAFT202012

        resolver = Registry().resolver_with_root(DRAFT202012.create_resource(schema))
    found = {}
    _walk(schema, resolver, "$", found)
    return found


def snapshot():
    """``{schema file: {path: {"type", "required"}}}`` of the contract's schemas now."""
    return {name: members(name) for name in CONTRACT_SCHEMAS}


def breaks(before, after):
    """The changes from snapshot ``before`` to ``after`` that a version may not make:
    ``[(schema file, path, what)]`` for a member removed, retyped or no longer
    required (added members and members made required are allowed)."""
    found = []
    for name, old_members in sorted(before.items()):
        new_members = after.get(name, {})
        for path, old in sorted(old_members.items()):
            new = new_members.get(path)
            if new is None:
                found.append((name, path, "removed"))
            elif new["type"] != old["type"]:
                found.append((name, path, f"retyped {old['type']} -> {new['type']}"))
            elif old["required"] and not new["required"]:
                found.append((name, path, "no longer required"))
    return found


if __name__ == "__main__":  # pragma: no cover
    sys.stdout.write(json.dumps(snapshot(), indent=2, sort_keys=True) + "\n")
