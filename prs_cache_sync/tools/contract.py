"""The required members of the Redis contract's schemas, for the evolution check.

``required_members(schema)`` walks a JSON Schema and returns ``{path: type}`` for every
member an object requires (``$.program.capacity.state``; array items as ``[]``), its
type the schema's ``type``/``const``/``enum``/``$ref`` text. Within one contract
version (``prs.step/1``...) members may be added, never removed or retyped: the tests
compare the schemas with the committed snapshot ``tests/data/contract_required.json``
(``python -m odoo.addons.prs_cache_sync.tools.contract`` prints a new one when a member
is *added* as required).
"""

import json
import sys

from . import schemas

CONTRACT_SCHEMAS = (
    "prs.step.1.json",
    "prs.program.1.json",
    "prs.catalogue.1.json",
    "prs.master.1.json",
    "form.tree.1.json",
)


def _type_of(node):
    for key in ("type", "const", "enum", "$ref", "oneOf", "anyOf"):
        if key in node:
            value = node[key]
            return json.dumps({key: value}, sort_keys=True) if key != "oneOf" else "oneOf"
    return "any"


def _resolve(node, root):
    ref = node.get("$ref")
    if isinstance(ref, str) and ref.startswith("#/"):
        target = root
        for part in ref[2:].split("/"):
            target = target[part]
        return target
    return node


def required_members(schema):
    """``{path: type}`` of every required member of ``schema`` (local refs followed)."""
    found = {}

    def walk(node, path, depth=0):
        node = _resolve(node, schema)
        if not isinstance(node, dict) or depth > 20:
            return
        properties = node.get("properties", {})
        for name in node.get("required", ()):
            member = properties.get(name, {})
            found[f"{path}.{name}"] = _type_of(member)
        for name, member in properties.items():
            walk(member, f"{path}.{name}", depth + 1)
        if isinstance(node.get("items"), dict):
            walk(node["items"], f"{path}[]", depth + 1)
        for option in [*node.get("oneOf", ()), *node.get("anyOf", ())]:
            walk(option, path, depth + 1)

    walk(schema, "$")
    return found


def snapshot():
    """``{schema file: {path: type}}`` of the contract's schemas as they are now."""
    return {name: required_members(schemas.load(name)) for name in CONTRACT_SCHEMAS}


if __name__ == "__main__":  # pragma: no cover
    sys.stdout.write(json.dumps(snapshot(), indent=2, sort_keys=True) + "\n")
