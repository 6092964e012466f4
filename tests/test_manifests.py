"""Each PRS manifest's ``depends`` equals the modules the addon uses.

An addon *uses* a module when its code (tests, ``readme/`` and ``static/`` aside) or its
manifest refers to something of that module:

- Python: ``import odoo.addons.X`` / ``from odoo.addons.X ...``; ``ref("X.id")``,
  ``env.ref("X.id")``, ``has_group("X.id")``, ``groups="X.id,..."``; a model named in
  ``_name`` (as a mixin), ``_inherit``, ``_inherits``, a relational field's comodel or
  ``env["model"]``, given as a string or as a constant (of the file, else of the addon);
  the fields read (attributes, field paths in strings: ``related=``, ``depends``,
  domains, ``mapped``...);
- XML: ``ref``, ``inherit_id``, ``parent``, ``action``, ``groups``, ``t-call``,
  ``t-inherit`` and ``ref('X.id')`` inside ``eval``; the ``model`` of a ``<record>``; the
  text of ``<field name="model|res_model|src_model">``; the fields read (``<field
  name>``, domains and contexts, ``invisible``/``readonly``/``required`` expressions);
- CSV: every ``...:id`` column (``model_id:id``, ``group_id:id``);
- ``model_xxx`` XML ids (``ref``, ``model_id:id``, ``eval``): the model they name;
- ``static/src``: JavaScript imports of ``@X/...`` and the XML attributes above in
  templates;
- the manifest: ``assets`` bundles (``web.assets_backend`` uses ``web``) and asset paths
  (``X/static/...``).

A model belongs to the addon whose ``_name`` defines it (read from the PRS addons), or
to the core module given by :data:`CORE_MODELS` (its prefix). A field whose name starts
with ``prs_`` and that one PRS addon defines (on its own model or on a core model such as
``event.event``) belongs to that addon: reading it uses the addon. Implied modules: ``base``
and ``web`` come with every Odoo module, so they need not be declared
(:data:`ALWAYS_IMPLIED`); every other module used directly is declared directly, even
when a dependency already brings it (the manifest says what the code relies on). An
application bundle (:data:`BUNDLES`: ``prs_suite``) may declare modules it does not
use: installing them is its purpose.
"""

import ast
import csv
import re
import tempfile
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
# any XML id given to ref(): its model_xxx ids name models
EVAL_ANY_REF_RE = re.compile(r"ref\(\s*['\"]([\w.]+)['\"]")
RELATIONAL = frozenset({"Many2one", "One2many", "Many2many"})
REF_CALLS = frozenset({"ref", "has_group", "_for_xml_id"})
XML_REF_ATTRIBUTES = ("ref", "inherit_id", "parent", "action", "groups", "t-call", "t-inherit")
# record fields whose text is a model name (views, actions, rules, templates)
XML_MODEL_FIELDS = frozenset({"model", "res_model", "src_model"})
MODEL_NAME_RE = re.compile(r"^[a-z][a-z0-9_]*(\.[a-z0-9_]+)+$")
# XML attributes and record fields holding expressions over field names
XML_EXPRESSION_ATTRIBUTES = frozenset(
    {
        "domain",
        "filter_domain",
        "context",
        "invisible",
        "readonly",
        "required",
        "column_invisible",
        "options",
    }
)
XML_EXPRESSION_FIELDS = frozenset({"domain", "domain_force", "context", "filter_domain"})
# a string that is a field path ("event_id.prs_code"), and the prs_ names in expressions
FIELD_PATH_RE = re.compile(r"^[a-z_][a-z0-9_]*(\.[a-z_][a-z0-9_]*)*$")
PRS_FIELD_RE = re.compile(r"\b(prs_[a-z0-9_]+)\b")
JS_IMPORT_RE = re.compile(r"""(?:\bfrom|\bimport)\s*\(?\s*["']@([a-z_][a-z0-9_]*)/""")


def read_manifest(path):
    return ast.literal_eval((path / "__manifest__.py").read_text(encoding="utf-8"))


def source_files(path, suffix):
    for file in sorted(path.rglob(f"*{suffix}")):
        if not SKIPPED_DIRS.intersection(file.relative_to(path).parts[:-1]):
            yield file


def static_files(path, suffix):
    """The files of ``static/src`` (the addon's assets; its static tests aside)."""
    yield from sorted((path / "static" / "src").rglob(f"*{suffix}"))


def xmlid_modules(text):
    """Modules of the comma-separated XML ids in ``text`` (ids without a module: none)."""
    modules = set()
    for item in (text or "").split(","):
        match = XMLID_RE.match(item.strip())
        if match:
            modules.add(match.group(1))
    return modules


def model_xmlids(text):
    """The ``model_xxx`` names of the comma-separated XML ids in ``text`` (with or
    without a module)."""
    names = set()
    for item in (text or "").split(","):
        name = item.strip().lstrip("!").rsplit(".", 1)[-1]
        if name.startswith("model_"):
            names.add(name)
    return names


def path_fields(text):
    """The field names of a field path string (``"event_id.prs_code"``), or none."""
    return set(text.split(".")) if text and FIELD_PATH_RE.match(text) else set()


def _string(node):
    return node.value if isinstance(node, ast.Constant) and isinstance(node.value, str) else None


def _strings(node, constants=None):
    """The string constants of ``node``: a string, or a list/tuple of them; a name is
    looked up in ``constants`` (``{name: node}``)."""
    if isinstance(node, ast.Name) and constants and node.id in constants:
        return _strings(constants[node.id])
    if isinstance(node, ast.List | ast.Tuple):
        return [value for elt in node.elts for value in _strings(elt, constants)]
    value = _string(node)
    return [value] if value else []


def module_constants(tree):
    """``{name: value node}`` of the module-level assignments of a parsed file."""
    constants = {}
    for statement in tree.body:
        if isinstance(statement, ast.Assign) and len(statement.targets) == 1:
            target = statement.targets[0]
            if isinstance(target, ast.Name) and _strings(statement.value):
                constants[target.id] = statement.value
    return constants


class PythonUses(ast.NodeVisitor):
    """Modules imported, XML ids referred to, model names used and defined, fields read
    and defined by the files of one addon (``constants``: the addon's module-level
    constants, for names imported from another of its files)."""

    def __init__(self, constants=None):
        self.modules, self.models, self.defined = set(), set(), set()
        self.model_ids, self.fields, self.field_defs = set(), set(), set()
        self.addon_constants = constants or {}
        self.constants = dict(self.addon_constants)

    def visit_Module(self, node):
        self.constants = {**self.addon_constants, **module_constants(node)}
        self.generic_visit(node)

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
                    if _is_field(statement.value):
                        self.field_defs.add(target.id)
        inherit = _strings(values["_inherit"], self.constants) if "_inherit" in values else []
        self.models.update(inherit)
        if "_inherits" in values and isinstance(values["_inherits"], ast.Dict):
            for key in values["_inherits"].keys:
                self.models.update(_strings(key, self.constants))
        names = _strings(values["_name"], self.constants) if "_name" in values else []
        if names and names[0] not in inherit:
            self.defined.add(names[0])
        self.generic_visit(node)

    def visit_Call(self, node):
        func = node.func
        func_name = func.attr if isinstance(func, ast.Attribute) else getattr(func, "id", None)
        if func_name in REF_CALLS and node.args:
            self.modules.update(xmlid_modules(_string(node.args[0])))
            self.model_ids.update(model_xmlids(_string(node.args[0])))
        if func_name in RELATIONAL:
            comodel = node.args[0] if node.args else None
            for keyword in node.keywords:
                if keyword.arg == "comodel_name":
                    comodel = keyword.value
            self.models.update(_strings(comodel, self.constants) if comodel is not None else [])
        for keyword in node.keywords:
            if keyword.arg == "groups":
                self.modules.update(xmlid_modules(_string(keyword.value)))
        self.generic_visit(node)

    def visit_Subscript(self, node):
        value = node.value
        is_env = (isinstance(value, ast.Attribute) and value.attr == "env") or (
            isinstance(value, ast.Name) and value.id == "env"
        )
        if is_env:
            self.models.update(_strings(node.slice, self.constants))
        self.generic_visit(node)

    def visit_Attribute(self, node):
        # record.prs_code: a field read (only prs_ names defined by one addon count)
        self.fields.add(node.attr)
        self.generic_visit(node)

    def visit_Constant(self, node):
        # field paths: related="event_id.prs_code", depends, domains, mapped(...)
        if isinstance(node.value, str):
            self.fields |= path_fields(node.value)


def _is_field(node):
    """Whether ``node`` is a field declaration ``fields.Type(...)``."""
    return (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and isinstance(node.func.value, ast.Name)
        and node.func.value.id == "fields"
    )


def xml_uses(file):
    """(modules, models, model ids, fields read) an XML file refers to."""
    modules, models, model_ids, fields = set(), set(), set(), set()
    for element in ElementTree.parse(file).iter():
        for attribute in XML_REF_ATTRIBUTES:
            modules |= xmlid_modules(element.get(attribute))
            model_ids |= model_xmlids(element.get(attribute))
        eval_text = element.get("eval") or ""
        modules.update(EVAL_REF_RE.findall(eval_text))
        for xmlid in EVAL_ANY_REF_RE.findall(eval_text):
            model_ids |= model_xmlids(xmlid)
        if element.tag == "record" and element.get("model"):
            models.add(element.get("model"))
        name = element.get("name")
        text = (element.text or "").strip()
        if element.tag == "field" and name:
            fields.add(name)
            if name in XML_MODEL_FIELDS and MODEL_NAME_RE.match(text):
                models.add(text)
            if name in XML_EXPRESSION_FIELDS:
                fields.update(PRS_FIELD_RE.findall(text + " " + eval_text))
        for attribute, value in element.attrib.items():
            if attribute in XML_EXPRESSION_ATTRIBUTES or attribute.startswith("decoration-"):
                fields.update(PRS_FIELD_RE.findall(value))
    return modules, models, model_ids, fields


def csv_uses(file):
    """(modules, model ids) of the ``...:id`` columns of a CSV file."""
    modules, model_ids = set(), set()
    with file.open(encoding="utf-8") as handle:
        for row in csv.DictReader(handle):
            for column, value in row.items():
                if column and column.endswith(":id"):
                    modules |= xmlid_modules(value)
                    model_ids |= model_xmlids(value)
    return modules, model_ids


def js_modules(file):
    """Modules of the ``@X/...`` imports of a JavaScript file."""
    return set(JS_IMPORT_RE.findall(file.read_text(encoding="utf-8")))


def asset_modules(assets):
    """Modules of a manifest's ``assets``: each bundle's and each path's."""
    modules = set()
    for bundle, entries in assets.items():
        modules.add(bundle.split(".")[0])
        for entry in entries:
            for item in entry if isinstance(entry, list | tuple) else [entry]:
                if "/" in item:
                    modules.add(item.lstrip("/").split("/")[0])
                elif XMLID_RE.match(item):
                    modules.add(item.split(".")[0])
    return modules - {"include", "remove", "replace", "prepend", "before", "after"}


class Uses:
    """What one addon uses: ``modules``, ``models`` (names), ``model_ids`` (``model_xxx``
    XML ids), ``fields`` (names read), and what it defines: ``defined`` (models),
    ``field_defs`` (field names)."""

    def __init__(self, python):
        self.modules, self.models = set(python.modules), set(python.models)
        self.model_ids, self.fields = set(python.model_ids), set(python.fields)
        self.defined, self.field_defs = set(python.defined), set(python.field_defs)


def addon_uses(path, manifest):
    """The :class:`Uses` of one addon."""
    trees = [
        ast.parse(file.read_text(encoding="utf-8"), str(file)) for file in source_files(path, ".py")
    ]
    constants = {}
    for tree in trees:
        constants.update(module_constants(tree))
    python = PythonUses(constants)
    for tree in trees:
        python.visit(tree)
    uses = Uses(python)
    for file in [*source_files(path, ".xml"), *static_files(path, ".xml")]:
        xml_modules, xml_models, xml_model_ids, xml_fields = xml_uses(file)
        uses.modules |= xml_modules
        uses.models |= xml_models
        uses.model_ids |= xml_model_ids
        uses.fields |= xml_fields
    for file in source_files(path, ".csv"):
        csv_modules, csv_model_ids = csv_uses(file)
        uses.modules |= csv_modules
        uses.model_ids |= csv_model_ids
    for file in static_files(path, ".js"):
        uses.modules |= js_modules(file)
    uses.modules |= asset_modules(manifest.get("assets", {}))
    return uses


def model_module(model, defined_by):
    """The module defining ``model``, or None when it is unknown."""
    if model in defined_by:
        return defined_by[model]
    prefixes = [prefix for prefix in CORE_MODELS if model.startswith(prefix)]
    return CORE_MODELS[max(prefixes, key=len)] if prefixes else None


def xmlid_model(model_id, defined_by):
    """The model a ``model_xxx`` XML id names: a PRS model, else ``xxx`` with its core
    prefix's dots (``model_res_partner`` -> ``res.partner``), else None."""
    for model in defined_by:
        if model_id == "model_" + model.replace(".", "_"):
            return model
    rest = model_id.removeprefix("model_")
    for prefix in sorted(CORE_MODELS, key=len, reverse=True):
        underscored = prefix.replace(".", "_")
        if rest.startswith(underscored):
            return prefix + rest.removeprefix(underscored).replace("_", ".")
    return None


def field_owners(uses):
    """``{field name: addon}`` of the ``prs_`` fields one PRS addon defines (a name that
    two addons define belongs to neither)."""
    owners = {}
    for name, addon_uses_ in uses.items():
        for field in addon_uses_.field_defs:
            if field.startswith("prs_"):
                owners.setdefault(field, set()).add(name)
    return {field: names.pop() for field, names in owners.items() if len(names) == 1}


def used_modules(name, addon, defined_by, owners):
    """(modules, unknown models) that addon ``name`` (its :class:`Uses`) uses, given
    ``{model: defining addon}`` and :func:`field_owners`."""
    used, unknown = set(addon.modules), set()
    models = set(addon.models)
    for model_id in addon.model_ids:
        model = xmlid_model(model_id, defined_by)
        if model:
            models.add(model)
        else:
            unknown.add(model_id)
    for model in models - addon.defined:
        module = model_module(model, defined_by)
        if module:
            used.add(module)
        else:
            unknown.add(model)
    used.update(owners[field] for field in addon.fields - addon.field_defs if field in owners)
    return used - {name, "odoo"}, unknown


def manifest_problems():
    """{addon: message} for every addon whose ``depends`` is not what it uses."""
    manifests = {name: read_manifest(path) for name, path in ADDONS.items()}
    uses = {name: addon_uses(ADDONS[name], manifests[name]) for name in ADDONS}
    defined_by = {model: name for name, used in uses.items() for model in used.defined}
    owners = field_owners(uses)
    problems = {}
    for name, addon in uses.items():
        used, unknown = used_modules(name, addon, defined_by, owners)
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
        uses = addon_uses(ADDONS["prs_registration"], manifest)
        self.assertIn("prs_form_builder", uses.modules)  # odoo.addons imports
        self.assertIn("prs_base", uses.modules)  # groups in XML and CSV
        self.assertIn("event.registration", uses.models)  # _inherit
        self.assertIn("prs.intake.log", uses.defined)
        self.assertIn("model_prs_intake_log", uses.model_ids)  # CSV model_id:id
        self.assertIn("prs_code", uses.fields)  # a program's code read

    def test_scanner_sees_indirect_uses(self):
        """Constants, record fields naming models, model_xxx ids, t-inherit, JS imports,
        asset paths and prs_ fields of another addon (field paths, domains, views,
        attributes) each make a use."""
        manifests = {name: read_manifest(path) for name, path in ADDONS.items()}
        uses = {name: addon_uses(ADDONS[name], manifests[name]) for name in ADDONS}
        defined_by = {model: name for name, used in uses.items() for model in used.defined}
        owners = field_owners(uses)
        # a prs_ field on a core model belongs to the addon defining it
        self.assertEqual(owners["prs_code"], "prs_event_flow")
        files = {
            "models/constants.py": 'MIXIN = "mail.thread"\n',
            "models/a.py": (
                "from odoo import fields, models\n"
                "from .constants import MIXIN\n"
                'TARGET = "prs.cache.target"\n'
                "class A(models.Model):\n"
                '    _name = "x.a"\n'
                "    _inherit = MIXIN\n"
                "    target_id = fields.Many2one(TARGET)\n"
                '    code = fields.Char(related="event_id.prs_code")\n'
            ),
            "models/b.py": (
                "from odoo import models\n"
                "class B(models.Model):\n"
                '    _name = "x.b"\n'
                "    def fee(self):\n"
                "        return self.prs_fee\n"
            ),
            "models/c.py": (
                "from odoo import models\n"
                "class C(models.Model):\n"
                '    _name = "x.c"\n'
                "    def theme(self):\n"
                '        return self.search([("prs_theme_primary_color", "!=", False)])\n'
            ),
            "views/action.xml": (
                '<odoo><record id="a" model="ir.actions.act_window">'
                '<field name="res_model">event.flow</field></record></odoo>'
            ),
            "views/view.xml": (
                '<odoo><record id="v" model="ir.ui.view">'
                '<field name="model">form.form</field></record></odoo>'
            ),
            "views/rule.xml": (
                '<odoo><record id="r" model="ir.rule">'
                '<field name="model_id" ref="model_prs_intake_log"/>'
                "<field name=\"domain_force\">[('prs_coordinator_ids', 'in', user.ids)]</field>"
                "</record></odoo>"
            ),
            "views/arch.xml": (
                '<odoo><record id="w" model="ir.ui.view"><field name="arch" type="xml">'
                '<div invisible="not prs_is_program"/></field></record></odoo>'
            ),
            "static/src/a.xml": (
                '<templates><t t-name="x" t-inherit="mail.Chatter" '
                't-inherit-mode="extension"/></templates>'
            ),
            "static/src/a.js": 'import { tree } from "@prs_form_builder/designer/tree";\n',
        }
        expected = {
            "models/constants.py": None,  # only read through models/a.py
            "models/a.py": {"mail", "prs_cache_sync", "prs_event_flow"},
            "models/b.py": {"prs_event_flow"},  # prs_fee of event.event
            "models/c.py": {"prs_event_flow"},  # prs_theme_primary_color in a domain
            "views/action.xml": {"prs_event_flow"},
            "views/view.xml": {"prs_form_builder"},
            "views/rule.xml": {"prs_registration", "prs_event_flow"},
            "views/arch.xml": {"prs_event_flow"},
            "static/src/a.xml": {"mail"},
            "static/src/a.js": {"prs_form_builder"},
        }
        with tempfile.TemporaryDirectory() as directory:
            root = Path(directory)
            for name, text in files.items():
                (root / name).parent.mkdir(parents=True, exist_ok=True)
                (root / name).write_text(text, encoding="utf-8")
            seen = addon_uses(root, {"assets": {"web.assets_backend": ["prs_base/static/x.js"]}})
            used, unknown = used_modules("x", seen, defined_by, owners)
            self.assertFalse(unknown)
            self.assertLessEqual({"web", "prs_base"}, used)  # bundle and asset path
            for name, modules in expected.items():
                if modules is None:
                    continue
                keep = {key: text for key, text in files.items() if key == name}
                if name == "models/a.py":
                    keep["models/constants.py"] = files["models/constants.py"]
                for other in files:
                    if other not in keep:
                        (root / other).unlink(missing_ok=True)
                for key, text in keep.items():
                    (root / key).write_text(text, encoding="utf-8")
                one, unknown = used_modules("x", addon_uses(root, {}), defined_by, owners)
                self.assertFalse(unknown, name)
                self.assertLessEqual(modules, one, name)
                self.assertFalse(one - modules - ALWAYS_IMPLIED, name)
