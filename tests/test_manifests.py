"""Each PRS manifest's ``depends`` equals the modules the addon uses.

An addon *uses* a module when its code (tests, ``readme/`` and ``static/`` aside) or its
manifest refers to something of that module:

- Python: ``import odoo.addons.X`` / ``from odoo.addons.X ...``; ``ref("X.id")``,
  ``env.ref("X.id")``, ``has_group("X.id")``, ``groups="X.id,..."``; a model named in
  ``_name`` (as a mixin), ``_inherit``, ``_inherits``, a relational field's comodel or
  ``env["model"]``;
- XML: ``ref``, ``inherit_id``, ``parent``, ``action``, ``groups``, ``t-call`` and
  ``ref('X.id')`` inside ``eval``; the ``model`` of a ``<record>``;
- CSV: every ``...:id`` column (``model_id:id``, ``group_id:id``);
- the manifest: ``assets`` bundles (``web.assets_backend`` uses ``web``).

A model belongs to the addon whose ``_name`` defines it (read from the PRS addons), or
to the core module given by :data:`CORE_MODELS` (its prefix). Implied modules: ``base``
and ``web`` come with every Odoo module, so they need not be declared
(:data:`ALWAYS_IMPLIED`); every other module used directly is declared directly, even
when a dependency already brings it (the manifest says what the code relies on). An
application bundle (:data:`BUNDLES`: ``prs_suite``) may declare modules it does not
use: installing them is its purpose.
"""

import ast
import csv
import re
from pathlib import Path
from xml.etree import ElementTree

from odoo.tests import BaseCase, tagged

ROOT = Path(__file__).resolve().parent.parent
ADDONS = {
    "prs_base": ROOT / "addons" / "prs_base",
    "prs_form_builder": ROOT / "prs_form_builder",
    "prs_event_flow": ROOT / "prs_event_flow",
    "prs_registration": ROOT / "prs_registration",
    "prs_cache_sync": ROOT / "prs_cache_sync",
    "prs_suite": ROOT / "addons" / "prs_suite",
}
# core models by prefix (the longest prefix wins)
CORE_MODELS = {
    "res.": "base",
    "ir.": "base",
    "base.": "base",
    "report.": "base",
    "mail.": "mail",
    "bus.": "bus",
    "event.": "event",
    "website.": "website",
    "portal.": "portal",
    "utm.": "utm",
}
ALWAYS_IMPLIED = frozenset({"base", "web"})
# applications whose depends are the suite they install: may declare what they do not use
BUNDLES = frozenset({"prs_suite"})
SKIPPED_DIRS = frozenset({"tests", "readme", "static", "i18n", "__pycache__"})
XMLID_RE = re.compile(r"^!?([a-z][a-z0-9_]*)\.([A-Za-z0-9_.]+)$")
EVAL_REF_RE = re.compile(r"ref\(\s*['\"]([a-z][a-z0-9_]*)\.[\w.]+['\"]")
RELATIONAL = frozenset({"Many2one", "One2many", "Many2many"})
REF_CALLS = frozenset({"ref", "has_group", "_for_xml_id"})
XML_REF_ATTRIBUTES = ("ref", "inherit_id", "parent", "action", "groups", "t-call")


def read_manifest(path):
    return ast.literal_eval((path / "__manifest__.py").read_text(encoding="utf-8"))


def source_files(path, suffix):
    for file in sorted(path.rglob(f"*{suffix}")):
        if not SKIPPED_DIRS.intersection(file.relative_to(path).parts[:-1]):
            yield file


def xmlid_modules(text):
    """Modules of the comma-separated XML ids in ``text`` (ids without a module: none)."""
    modules = set()
    for item in (text or "").split(","):
        match = XMLID_RE.match(item.strip())
        if match:
            modules.add(match.group(1))
    return modules


def _string(node):
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def _strings(node):
    """The string constants of ``node``: a string, or a list/tuple of them."""
    if isinstance(node, ast.List | ast.Tuple):
        return [value for value in map(_string, node.elts) if value]
    value = _string(node)
    return [value] if value else []


class PythonUses(ast.NodeVisitor):
    """Modules imported, XML ids referred to, model names used and defined by a file."""

    def __init__(self):
        self.modules, self.models, self.defined = set(), set(), set()

    def visit_Import(self, node):
        for alias in node.names:
            self._import(alias.name)

    def visit_ImportFrom(self, node):
        if node.level == 0 and node.module:
            self._import(node.module)
            if node.module == "odoo.addons":
                self.modules.update(alias.name for alias in node.names)

    def _import(self, name):
        parts = name.split(".")
        if parts[:2] == ["odoo", "addons"] and len(parts) > 2:
            self.modules.add(parts[2])

    def visit_ClassDef(self, node):
        values = {}
        for statement in node.body:
            if isinstance(statement, ast.Assign) and len(statement.targets) == 1:
                target = statement.targets[0]
                if isinstance(target, ast.Name):
                    values[target.id] = statement.value
        inherit = _strings(values["_inherit"]) if "_inherit" in values else []
        self.models.update(inherit)
        if "_inherits" in values and isinstance(values["_inherits"], ast.Dict):
            self.models.update(filter(None, map(_string, values["_inherits"].keys)))
        name = _string(values["_name"]) if "_name" in values else None
        if name and name not in inherit:
            self.defined.add(name)
        self.generic_visit(node)

    def visit_Call(self, node):
        func = node.func
        func_name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
        if func_name in REF_CALLS and node.args:
            self.modules.update(xmlid_modules(_string(node.args[0])))
        if func_name in RELATIONAL:
            comodel = node.args[0] if node.args else None
            for keyword in node.keywords:
                if keyword.arg == "comodel_name":
                    comodel = keyword.value
            self.models.update(_strings(comodel) if comodel is not None else [])
        for keyword in node.keywords:
            if keyword.arg == "groups":
                self.modules.update(xmlid_modules(_string(keyword.value)))
        self.generic_visit(node)

    def visit_Subscript(self, node):
        value = node.value
        is_env = (isinstance(value, ast.Attribute) and value.attr == "env") or (
            isinstance(value, ast.Name) and value.id == "env"
        )
        if is_env and _string(node.slice):
            self.models.add(node.slice.value)
        self.generic_visit(node)


def xml_uses(file):
    """(modules, models) an XML data file refers to."""
    modules, models = set(), set()
    for element in ElementTree.parse(file).iter():
        for attribute in XML_REF_ATTRIBUTES:
            modules |= xmlid_modules(element.get(attribute))
        modules.update(EVAL_REF_RE.findall(element.get("eval") or ""))
        if element.tag == "record" and element.get("model"):
            models.add(element.get("model"))
    return modules, models


def csv_uses(file):
    modules = set()
    with file.open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            for column, value in row.items():
                if column and column.endswith(":id"):
                    modules |= xmlid_modules(value)
    return modules


def addon_uses(path, manifest):
    """(modules, models used, models defined) of one addon."""
    python = PythonUses()
    for file in source_files(path, ".py"):
        python.visit(ast.parse(file.read_text(encoding="utf-8"), str(file)))
    modules, models = set(python.modules), set(python.models)
    for file in source_files(path, ".xml"):
        xml_modules, xml_models = xml_uses(file)
        modules |= xml_modules
        models |= xml_models
    for file in source_files(path, ".csv"):
        modules |= csv_uses(file)
    for bundle in manifest.get("assets", {}):
        modules.add(bundle.split(".")[0])
    return modules, models, python.defined


def model_module(model, defined_by):
    """The module defining ``model``, or None when it is unknown."""
    if model in defined_by:
        return defined_by[model]
    prefixes = [prefix for prefix in CORE_MODELS if model.startswith(prefix)]
    return CORE_MODELS[max(prefixes, key=len)] if prefixes else None


def manifest_problems():
    """{addon: message} for every addon whose ``depends`` is not what it uses."""
    manifests = {name: read_manifest(path) for name, path in ADDONS.items()}
    uses = {name: addon_uses(ADDONS[name], manifests[name]) for name in ADDONS}
    defined_by = {model: name for name, (__, __, defined) in uses.items() for model in defined}
    problems = {}
    for name, (modules, models, defined) in uses.items():
        used = set(modules)
        unknown = set()
        for model in models - defined:
            module = model_module(model, defined_by)
            if module:
                used.add(module)
            else:
                unknown.add(model)
        used -= {name, "odoo"}
        declared = set(manifests[name].get("depends", []))
        missing = sorted(used - declared - ALWAYS_IMPLIED)
        unused = sorted(declared - used) if name not in BUNDLES else []
        if missing or unused or unknown:
            problems[name] = (
                f"uses without declaring {missing}, declares without using {unused}"
                + (f", models of no known module {sorted(unknown)}" if unknown else "")
            )
    return problems


@tagged("post_install", "-at_install", "prs", "prs_manifests")
class TestManifests(BaseCase):
    def test_depends_are_what_each_addon_uses(self):
        """Every addon declares each module it uses directly, and nothing else."""
        problems = manifest_problems()
        self.assertFalse(
            problems,
            "\n".join(f"{name}: {problem}" for name, problem in sorted(problems.items())),
        )

    def test_scanner_sees_each_kind_of_use(self):
        """The scanner finds imports, XML ids and models (it would pass vacuously
        otherwise)."""
        manifest = read_manifest(ADDONS["prs_registration"])
        modules, models, defined = addon_uses(ADDONS["prs_registration"], manifest)
        self.assertIn("prs_form_builder", modules)  # odoo.addons imports
        self.assertIn("prs_base", modules)  # groups in XML and CSV
        self.assertIn("event.registration", models)  # _inherit
        self.assertIn("prs.intake.log", defined)
