"""The designer's server side: one read of the whole outline, one call per edit.

The designer (``static/src/designer/``) reads :meth:`FormForm.prs_designer_data` once,
then sends every change as one :meth:`FormForm.prs_designer_edit` call, which writes
through the ORM as the user (access rights, constraints, the logic check and the
chatter behave as in the standard views) and answers the fresh outline with the
operation that undoes the change.
"""

import json

from odoo import Command, _, api, models
from odoo.exceptions import UserError

from odoo.addons.prs_base.tools.codes import free_code, slugify_code, unique_code

from ..tools import expression, form_checks, form_tree
from .form_field_settings_mixin import SETTINGS_FIELDS

# the node models the designer edits, with the field naming their parent
NODE_PARENTS = {"form.page": "form_id", "form.section": "page_id", "form.field": "section_id"}
NODE_KINDS = {"form.page": "page", "form.section": "section", "form.field": "field"}
NODE_VALUES = {
    "form.page": {"code", "title", "help", "condition"},
    "form.section": {"code", "title", "help", "condition"},
    "form.field": {"code", "required_if", "condition", "choice_ids", *SETTINGS_FIELDS},
}
# what a create may carry besides: a deleted node comes back with its children (undo),
# a field from the library
CREATE_EXTRA = {
    "form.page": {"sequence", "section_ids"},
    "form.section": {"sequence", "field_ids", "rule_ids"},
    "form.field": {"sequence", "message_ids", "template_id"},
}
# the values a nested x2many create command may carry, per x2many field: only new
# records ([0, 0, {...}]), so a create never links or moves another form's node
CHOICE_VALUES = {"sequence", "value", "label"}
NESTED_VALUES = {
    "section_ids": NODE_VALUES["form.section"] | CREATE_EXTRA["form.section"],
    "field_ids": NODE_VALUES["form.field"] | CREATE_EXTRA["form.field"],
    "rule_ids": {"sequence", "code", "expr", "message"},
    "message_ids": {"rule", "message"},
    "choice_ids": CHOICE_VALUES,
}
CHOICE_TYPES = set(form_tree.CHOICE_TYPES) - set(form_tree.MASTER_TYPES)


class FormForm(models.Model):
    _inherit = "form.form"

    # ------------------------------------------------------------------ read
    def prs_designer_data(self):
        """Everything the designer shows, read in a fixed number of queries: the form,
        its outline (pages > sections > fields with their choices), the problems of each
        node, and the palette (field types, field library, masters, form templates)."""
        self.ensure_one()
        env = self.env
        pages = env["form.page"].search_read(
            [("form_id", "=", self.id)],
            ["code", "title", "help", "condition"],
            order="sequence, id",
        )
        sections = env["form.section"].search_read(
            [("form_id", "=", self.id)],
            ["page_id", "code", "title", "help", "condition"],
            order="sequence, id",
            load=None,
        )
        field_rows = env["form.field"].search_read(
            [("form_id", "=", self.id)],
            ["section_id", "code", "required_if", "condition", *SETTINGS_FIELDS],
            order="sequence, id",
            load=None,
        )
        choices = env["form.field.choice"].search_read(
            [("form_id", "=", self.id)],
            ["field_id", "value", "label"],
            order="sequence, id",
            load=None,
        )
        by_field = {}
        for choice in choices:
            by_field.setdefault(choice.pop("field_id"), []).append(choice)
        by_section = {}
        for row in field_rows:
            row["choices"] = by_field.get(row["id"], [])
            by_section.setdefault(row["section_id"], []).append(row)
        by_page = {}
        for section in sections:
            section["fields"] = by_section.get(section["id"], [])
            by_page.setdefault(section["page_id"], []).append(section)
        for page in pages:
            page["sections"] = by_page.get(page["id"], [])
        field_model = env["form.field"]
        return {
            "form": {
                "id": self.id,
                "name": self.name,
                "code": self.code,
                "state": self.state,
                "version": self.version,
                "readonly": self.state != "draft" or not self._prs_designer_can_write(),
            },
            "pages": pages,
            "problems": self._prs_designer_problems(),
            "palette": {
                "types": field_model.fields_get(["field_type"])["field_type"]["selection"],
                "maps_to": field_model.fields_get(["maps_to"])["maps_to"]["selection"],
                "transforms": field_model.fields_get(["transform"])["transform"]["selection"],
                "library": env["form.field.template"].search_read([], ["name", "field_type"]),
                "masters": env["prs.master"].search_read([], ["code", "name"]),
                "templates": self.search_read([("is_template", "=", True)], ["name", "code"]),
            },
        }

    def _prs_designer_can_write(self):
        return self.env["form.field"].check_access_rights("write", raise_exception=False)

    def _prs_designer_problems(self, tree=None, publish=True):
        """{"kind:code": [problem, ...]}: the logic lint of the tree per node, keyed by its
        kind and code (a page, a section, a field and a rule may share a code); publish
        checks too, so a node shows what would stop publishing while it is edited."""
        tree = tree or self._prs_build_tree()
        masters = self.env["prs.master"]._prs_allowed_values(form_tree.master_codes([tree]))
        problems = {}
        for problem in form_checks.check_tree(tree, expression, masters=masters, publish=publish):
            kind, code = problem[0], problem[1]
            problems.setdefault(f"{kind}:{code or ''}", []).append(
                {
                    "kind": kind,
                    "problem": problem[2],
                    "message": self._prs_problem_message(*problem),
                }
            )
        return problems

    def prs_designer_lint(self, kind, code, attr, expr):
        """Problems per node code if the ``attr`` expression of node ``code`` were
        ``expr`` (nothing is written): the condition editor's check while typing."""
        self.ensure_one()
        tree = self._prs_build_tree()
        nodes = {("form", tree["code"]): tree}
        for page in form_tree.tree_pages(tree):
            nodes[("page", page["code"])] = page
            for section in form_tree.page_sections(page):
                nodes[("section", section["code"])] = section
                for field in form_tree.section_fields(section):
                    nodes[("field", field["code"])] = field
        node = nodes.get((kind, code))
        if node is None or attr not in ("condition", "required_if"):
            raise UserError(_("Unknown node %s.", code))
        node[attr] = expr or None
        return self._prs_designer_problems(tree, publish=False)

    # ------------------------------------------------------------------ edit
    def prs_designer_edit(self, operation):
        """Apply one designer operation and return ``{"data", "undo", "node"}``: the new
        outline, the operation undoing this one, and the node to select.

        Operations (``op`` key): ``write`` (model, id, values), ``create`` (model,
        values, index), ``delete`` (model, id), ``move`` (model, id, parent_id, index),
        ``add_template`` (template_id, section_id, index), ``save_template`` (model, id),
        ``new_version``.
        """
        self.ensure_one()
        self.check_access_rights("write")
        self.check_access_rule("write")
        if not isinstance(operation, dict):
            raise UserError(_("A designer operation is a mapping."))
        op = operation.get("op")
        handler = {
            "write": self._prs_designer_write,
            "create": self._prs_designer_create,
            "delete": self._prs_designer_delete,
            "move": self._prs_designer_move,
            "add_template": self._prs_designer_add_template,
            "save_template": self._prs_designer_save_template,
            "new_version": self._prs_designer_new_version,
        }.get(op)
        if handler is None:
            raise UserError(_("Unknown designer operation %s.", op))
        undo, node = handler(operation)
        return {"data": self.prs_designer_data(), "undo": undo, "node": node}

    def _prs_designer_node(self, model, node_id):
        if not isinstance(model, str) or model not in NODE_PARENTS:
            raise UserError(_("The designer does not edit %s.", model))
        node = self.env[model].browse(_designer_id(node_id)).exists()
        if not node or node.form_id != self:
            raise UserError(_("This node is not part of form %s.", self.display_name))
        return node

    def _prs_designer_parent(self, model, parent_id):
        if not isinstance(model, str) or model not in NODE_PARENTS:
            raise UserError(_("The designer does not edit %s.", model))
        parent_model = self.env[model]._fields[NODE_PARENTS[model]].comodel_name
        parent = self.env[parent_model].browse(_designer_id(parent_id)).exists()
        form = parent if parent_model == "form.form" else parent.form_id
        if not parent or form != self:
            raise UserError(_("This node is not part of form %s.", self.display_name))
        return parent

    def _prs_designer_values(self, model, values, create=False):
        if not isinstance(values, dict):
            raise UserError(_("The designer sends the values of a node as a mapping."))
        allowed = NODE_VALUES[model] | {NODE_PARENTS[model]}
        if create:
            allowed |= CREATE_EXTRA[model]
        _check_keys(values, allowed)
        values = dict(values)
        for name in NESTED_VALUES:
            if name in values and (create or name != "choice_ids"):
                # a write's choices are checked against the field's own
                values[name] = _nested_creates(name, values[name])
        return values

    def _prs_designer_state(self, node, names):
        """What an undo expects of ``node``: the values of ``names`` ("choice_ids": its
        choices; "place": its parent and position; "children": its children), as they
        travel through JSON."""
        state = {}
        names = set(names)
        plain = [n for n in names if n in node._fields and n != "choice_ids"]
        if plain:
            state.update(node.read(plain, load=None)[0])
            state.pop("id", None)
        if "choice_ids" in names and "choice_ids" in node._fields:
            state["choice_ids"] = [[c.sequence, c.value, c.label] for c in node.choice_ids]
        if "place" in names:
            parent = node[NODE_PARENTS[node._name]]
            # ordered again: the cached x2many keeps its order from before a renumbering
            siblings = parent[_children_field(node._name)].sorted(lambda r: (r.sequence, r.id))
            state["place"] = [parent.id, siblings.ids.index(node.id)]
        if "children" in names and node._name != "form.field":
            state["children"] = node[_children_field(_child_model(node._name))].ids
        return json.loads(json.dumps(state, default=str))

    def _prs_designer_check_expected(self, node, operation):
        """An undo applies only to the node as the change left it: refused when it was
        changed since (in another tab, or by another configurator)."""
        expected = operation.get("expected")
        if expected is None:
            return
        if not isinstance(expected, dict):
            raise UserError(_("The designer sent an invalid undo."))
        current = self._prs_designer_state(node, expected)
        if current != json.loads(json.dumps(expected, default=str)):
            raise UserError(
                _(
                    "%s was changed since (in another window or by another configurator):"
                    " the undo is refused; reload the designer to see the change.",
                    node.display_name,
                )
            )

    def _prs_designer_write(self, operation):
        model = operation.get("model")
        node = self._prs_designer_node(model, operation.get("id"))
        self._prs_designer_check_expected(node, operation)
        values = self._prs_designer_values(model, operation.get("values"))
        values.pop(NODE_PARENTS[model], None)
        if "choice_ids" in values:
            values["choice_ids"] = self._prs_designer_check_choices(node, values["choice_ids"])
        old = node.read([name for name in values if name != "choice_ids"], load=None)[0]
        old.pop("id")
        if "choice_ids" in values:
            old["choice_ids"] = [Command.clear()] + [
                Command.create({"sequence": c.sequence, "value": c.value, "label": c.label})
                for c in node.choice_ids
            ]
        node.write(values)
        undo = {
            "op": "write",
            "model": model,
            "id": node.id,
            "values": old,
            "expected": self._prs_designer_state(node, values),
        }
        return undo, {"model": model, "id": node.id}

    def _prs_designer_check_choices(self, field, commands):
        """Choices are created, updated, removed or cleared, only the field's own: a
        command never links or moves a choice of another field."""
        own = set(field.choice_ids.ids)
        if not isinstance(commands, (list, tuple)):
            raise UserError(_("The designer edits choices one by one."))
        checked = []
        for command in commands:
            kind = command[0] if isinstance(command, (list, tuple)) and command else None
            if kind not in (Command.CREATE, Command.UPDATE, Command.DELETE, Command.CLEAR):
                raise UserError(_("The designer edits choices one by one."))
            if kind in (Command.UPDATE, Command.DELETE) and (
                len(command) < 2 or command[1] not in own
            ):
                raise UserError(_("This choice is not a choice of field %s.", field.code))
            if kind == Command.CREATE:
                checked.extend(_nested_creates("choice_ids", [command]))
            elif kind == Command.UPDATE:
                # a choice's own values only: never its field (which would move it)
                values = command[2] if len(command) > 2 else None
                if not isinstance(values, dict):
                    raise UserError(_("The designer edits choices one by one."))
                _check_keys(values, CHOICE_VALUES)
                checked.append(Command.update(command[1], dict(values)))
            elif kind == Command.DELETE:
                checked.append(Command.delete(command[1]))
            else:
                checked.append(Command.clear())
        # a new choice goes last unless it says where
        last = max(field.choice_ids.mapped("sequence"), default=0)
        for command in checked:
            if command[0] == Command.CREATE and "sequence" not in command[2]:
                last += 10
                command[2]["sequence"] = last
        return checked

    def _prs_designer_create(self, operation):
        model = operation.get("model")
        if not isinstance(model, str) or model not in NODE_PARENTS:
            raise UserError(_("The designer does not edit %s.", model))
        values = self._prs_designer_values(model, operation.get("values"), create=True)
        parent_field = NODE_PARENTS[model]
        self._prs_designer_parent(model, values.get(parent_field) or 0)
        if model == "form.field":
            values.setdefault("label", self._prs_designer_type_label(values.get("field_type")))
            if values.get("field_type") in CHOICE_TYPES and "choice_ids" not in values:
                values["choice_ids"] = [
                    Command.create({"sequence": 10 * i, "label": _("Option %s", i)}) for i in (1, 2)
                ]
        elif model == "form.section":
            values.setdefault("title", _("New Section"))
        else:
            values.setdefault("title", _("New Page"))
        # the move below renumbers the siblings: one logic check for both
        node = self.env[model].with_context(prs_defer_form_check=True).create(values)
        node = node.with_env(self.env)
        if operation.get("index") is not None:
            self._prs_designer_place(node, node[parent_field], _designer_index(operation["index"]))
        self._prs_check_logic()
        undo = {
            "op": "delete",
            "model": model,
            "id": node.id,
            "expected": self._prs_designer_state(
                node, (NODE_VALUES[model] & set(node._fields)) | {"choice_ids", "children"}
            ),
        }
        return undo, {"model": model, "id": node.id}

    def _prs_designer_type_label(self, field_type):
        selection = dict(
            self.env["form.field"]._fields["field_type"]._description_selection(self.env)
        )
        return selection.get(field_type) or _("New Field")

    def _prs_designer_delete(self, operation):
        model = operation.get("model")
        node = self._prs_designer_node(model, operation.get("id"))
        self._prs_designer_check_expected(node, operation)
        parent_field = NODE_PARENTS[model]
        parent = node[parent_field]
        siblings = parent[_children_field(model)]
        index = list(siblings.ids).index(node.id)
        values = self._prs_designer_snapshot(node, index)
        values[parent_field] = parent.id
        node.unlink()
        undo = {"op": "create", "model": model, "values": values, "index": index}
        return undo, {"model": self._name, "id": self.id}

    def _prs_designer_snapshot(self, node, index):
        """Create values recreating ``node`` with its children (for undoing a delete)."""
        tree = self._prs_build_tree()
        master_ids = self._prs_master_ids(tree)
        for page in form_tree.tree_pages(tree):
            if node._name == "form.page" and page["code"] == node.code:
                return self._prs_page_values(page, index, master_ids)
            for section in form_tree.page_sections(page):
                if node._name == "form.section" and section["code"] == node.code:
                    return self._prs_section_values(section, index, master_ids)
                for field in form_tree.section_fields(section):
                    if node._name == "form.field" and field["code"] == node.code:
                        return self._prs_field_values(field, index, master_ids)
        raise UserError(_("This node is not part of form %s.", self.display_name))

    def _prs_designer_move(self, operation):
        model = operation.get("model")
        node = self._prs_designer_node(model, operation.get("id"))
        self._prs_designer_check_expected(node, operation)
        parent_field = NODE_PARENTS[model]
        old_parent = node[parent_field]
        old_index = list(old_parent[_children_field(model)].ids).index(node.id)
        parent = self._prs_designer_parent(model, operation.get("parent_id"))
        self._prs_designer_place(node, parent, _designer_index(operation.get("index")))
        self._prs_check_logic()
        undo = {
            "op": "move",
            "model": model,
            "id": node.id,
            "parent_id": old_parent.id,
            "index": old_index,
            "expected": self._prs_designer_state(node, {"place"}),
        }
        return undo, {"model": model, "id": node.id}

    def _prs_designer_place(self, node, parent, index):
        """Put ``node`` at ``index`` among ``parent``'s children, renumbering only the
        sequences that change (checks deferred to the caller)."""
        model = node._name
        parent_field = NODE_PARENTS[model]
        children = parent[_children_field(model)].filtered(lambda child: child != node)
        ordered = list(children)
        ordered.insert(max(0, min(index, len(ordered))), node)
        deferred = self.with_context(prs_defer_form_check=True).env
        if node[parent_field] != parent:
            node.with_env(deferred).write({parent_field: parent.id})
        for position, child in enumerate(ordered):
            sequence = (position + 1) * 10
            if child.sequence != sequence:
                child.with_env(deferred).sequence = sequence

    def _prs_designer_add_template(self, operation):
        template_id = _designer_id(operation.get("template_id"))
        template = self.env["form.field.template"].browse(template_id).exists()
        if not template:
            raise UserError(_("This field library entry no longer exists."))
        section = self._prs_designer_parent("form.field", operation.get("section_id"))
        values = template._prs_prepare_field_values(section)
        if values.get("code"):
            # a library entry saved from this very form keeps its code only while free
            taken = set(self.with_context(active_test=False).field_ids.mapped("code"))
            values["code"] = unique_code(values["code"], taken)
        return self._prs_designer_create(
            {"model": "form.field", "values": values, "index": operation.get("index")}
        )

    def _prs_designer_save_template(self, operation):
        """Save a field, or each field of a section, to the field library."""
        model = operation.get("model")
        node = self._prs_designer_node(model, operation.get("id"))
        fields_ = node if model == "form.field" else node.field_ids
        if model == "form.page" or not fields_:
            raise UserError(_("Save a field or a section with fields to the field library."))
        prefix = f"{node.title}: " if model == "form.section" else ""
        templates = self.env["form.field.template"].create(
            [
                dict(
                    field._prs_settings_values(),
                    name=f"{prefix}{field.label}",
                    code=field.code,
                    choice_ids=[
                        Command.create({"sequence": c.sequence, "value": c.value, "label": c.label})
                        for c in field.choice_ids
                    ],
                )
                for field in fields_
            ]
        )
        undo = {"op": "noop", "templates": templates.ids}
        return undo, {"model": model, "id": node.id}

    def _prs_designer_new_version(self, operation):
        self.action_new_version()
        return {"op": "noop"}, {"model": self._name, "id": self.id}

    @api.model
    def prs_designer_from_template(self, template_id, name, code=None):
        """Create a draft form from a form template; return its id (the designer opens it)."""
        self.check_access_rights("create")
        template = self.browse(int(template_id)).exists()
        if not template or not template.is_template:
            raise UserError(_("Choose a form template."))
        code = free_code(self, "code", code or slugify_code(name, "form"))
        return template._prs_copy_from_template(name, code).id

    @api.model
    def _prs_preview_theme(self, program_id):
        """CSS styling the participant preview like the renderer of program
        ``program_id`` (prs_event_flow knows programs' themes); empty here."""
        return ""

    def action_prs_designer(self):
        """Open the designer on this form."""
        self.ensure_one()
        return {
            "type": "ir.actions.client",
            "tag": "prs_form_designer",
            "name": _("Design %s", self.display_name),
            "params": {"form_id": self.id, "program_id": self.env.context.get("prs_program_id")},
            "context": {"active_id": self.id},
        }


def _designer_id(value):
    """A record id sent by the designer (a forged one is a clear error, not a 500)."""
    if isinstance(value, bool) or not isinstance(value, int) or value <= 0:
        if not (isinstance(value, str) and value.isdigit()):
            raise UserError(_("The designer sent an invalid record id: %s.", value))
        value = int(value)
    return value


def _designer_index(value):
    if isinstance(value, bool) or not isinstance(value, int):
        raise UserError(_("The designer sent an invalid position: %s.", value))
    return value


def _check_keys(values, allowed):
    unknown = set(values) - allowed
    if unknown:
        raise UserError(_("The designer does not edit %s.", ", ".join(sorted(map(str, unknown)))))


def _nested_creates(name, commands):
    """``commands`` of x2many ``name`` checked recursively: new records only
    (``[0, 0, {values}]``) with the values the designer gives such a record."""
    if not isinstance(commands, (list, tuple)):
        raise UserError(_("The designer only creates new records in %s.", name))
    checked = []
    for command in commands:
        if not (
            isinstance(command, (list, tuple))
            and len(command) == 3
            and command[0] == Command.CREATE
            and isinstance(command[2], dict)
        ):
            raise UserError(_("The designer only creates new records in %s.", name))
        values = dict(command[2])
        _check_keys(values, NESTED_VALUES[name])
        for nested in NESTED_VALUES:
            if nested in values:
                values[nested] = _nested_creates(nested, values[nested])
        checked.append(Command.create(values))
    return checked


def _child_model(model):
    return {"form.page": "form.section", "form.section": "form.field"}[model]


def _children_field(model):
    return {"form.page": "page_ids", "form.section": "section_ids", "form.field": "field_ids"}[
        model
    ]
