"""JSON Schemas of the Redis contract (``prs_cache_sync/schemas/``).

``prs.step.1.json`` refers to the form builder's ``form.tree.1.json`` by its ``$id``
instead of copying it: ``validator()`` resolves references from a registry of both
directories.
"""

import functools
import json
from pathlib import Path

from odoo.tools.misc import file_path

SCHEMA_DIRS = ("prs_cache_sync/schemas", "prs_form_builder/schemas")


@functools.cache
def _schemas():
    """``{file name: schema}`` of every schema of both directories."""
    schemas = {}
    for directory in SCHEMA_DIRS:
        for path in sorted(Path(file_path(directory)).glob("*.json")):
            schemas[path.name] = json.loads(path.read_text(encoding="utf-8"))
    return schemas


def load(name):
    """The schema in file ``name`` (``prs.step.1.json``, ``form.tree.1.json``...)."""
    return _schemas()[name]


@functools.cache
def _registry():
    from referencing import Registry, Resource

    return Registry().with_resources(
        (schema["$id"], Resource.from_contents(schema)) for schema in _schemas().values()
    )


@functools.cache
def validator(name):
    """A jsonschema validator of the schema in file ``name``, its ``$ref`` to the other
    schemas resolved, with format checks."""
    import jsonschema

    schema = load(name)
    validator_class = jsonschema.validators.validator_for(schema)
    validator_class.check_schema(schema)
    return validator_class(
        schema, registry=_registry(), format_checker=validator_class.FORMAT_CHECKER
    )


def validate(payload, name):
    """Raise ``jsonschema.ValidationError`` unless ``payload`` matches schema ``name``."""
    validator(name).validate(payload)


def resolver(name):
    """A ``referencing`` resolver based at the schema in file ``name``: its ``$ref``
    (local or to the other schemas) resolve as the validator resolves them."""
    return _registry().resolver(base_uri=load(name)["$id"])
