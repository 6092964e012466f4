from markupsafe import Markup, escape

from odoo import Command, _, api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.tools import SQL, html_sanitize

from odoo.addons.prs_base.tools.codes import CODE_RE, RESERVED_CODES, free_code

from ..tools import form_checks, form_tree, serializer, validation
from .form_field_settings_mixin import SETTINGS_FIELDS

# form.form fields that make up the published tree: read-only while published
TREE_FIELDS = frozenset({"code", "title", "page_ids", "rule_ids", "section_ids", "field_ids"})

PAGE_READ = ["form_id", "code", "title", "help", "condition"]
SECTION_READ = ["page_id", "code", "title", "help", "condition"]
# every setting a field shares with the field library, plus its place and logic
FIELD_READ = ["section_id", "code", "required_if", "condition", *SETTINGS_FIELDS]
# every model the serializer reads (read rights checked before its raw queries)
TREE_MODELS = (
    "form.form",
    "form.page",
    "form.section",
    "form.field",
    "form.field.choice",
    "form.field.message",
    "form.rule",
    "prs.master",
    "res.currency",
)


class FormForm(models.Model):
    _name = "form.form"
    _description = "Registration Form"
    _inherit = ["mail.thread", "mail.activity.mixin"]
    _order = "name, id"

    name = fields.Char(required=True, translate=True, tracking=True)
    code = fields.Char(required=True, index=True, tracking=True)
    title = fields.Char(translate=True, help="Title shown to participants; the name if empty.")
    description = fields.Html(translate=True)
    active = fields.Boolean(default=True, tracking=True)
    state = fields.Selection(
        [("draft", "Draft"), ("published", "Published"), ("archived", "Archived")],
        default="draft",
        required=True,
        tracking=True,
        copy=False,
        help="Draft: editable. Published: read-only, the current version is live. A draft "
        "with a published version keeps that version live until the next publish.",
    )
    page_ids = fields.One2many("form.page", "form_id", string="Pages", copy=True)
    section_ids = fields.One2many("form.section", "form_id", string="Sections")
    field_ids = fields.One2many("form.field", "form_id", string="Fields")
    rule_ids = fields.One2many(
        "form.rule",
        "form_id",
        string="Form Rules",
        domain=[("section_id", "=", False)],
        copy=True,
    )
    version_ids = fields.One2many("form.form.version", "form_id", string="Versions")
    current_version_id = fields.Many2one(
        "form.form.version",
        string="Published Version",
        ondelete="restrict",
        copy=False,
        tracking=True,
    )
    version = fields.Integer(
        related="current_version_id.version",
        string="Version Number",
        store=True,
        tracking=True,
    )
    version_count = fields.Integer(compute="_compute_counts", string="Versions #")
    field_count = fields.Integer(compute="_compute_counts", string="Fields #")
    is_template = fields.Boolean(
        string="Form Template", help="Offered in New Form from Template.", tracking=True
    )
    template_id = fields.Many2one(
        "form.form",
        string="Created From",
        ondelete="set null",
        copy=False,
        domain=[("is_template", "=", True)],
    )
    company_id = fields.Many2one(
        "res.company", default=lambda self: self.env.company, ondelete="restrict"
    )

    _sql_constraints = [
        ("code_uniq", "unique(code, company_id)", "The form code must be unique."),
    ]

    @api.depends("name", "code")
    def _compute_display_name(self):
        for form in self:
            form.display_name = f"[{form.code}] {form.name}" if form.code else form.name

    @api.depends("version_ids", "field_ids")
    def _compute_counts(self):
        for form in self:
            form.version_count = len(form.version_ids)
            form.field_count = len(form.field_ids)

    # ------------------------------------------------------------------ CRUD
    @api.model_create_multi
    def create(self, vals_list):
        if not self.env.su and any("current_version_id" in vals for vals in vals_list):
            raise AccessError(_("The published version of a form is set by publishing only."))
        if not self.env.su and any(vals.get("state", "draft") != "draft" for vals in vals_list):
            raise AccessError(_("A new form is a draft; it is published by Publish."))
        outer = not self.env.context.get("prs_defer_form_check")
        forms = super(FormForm, self.with_context(prs_defer_form_check=True)).create(vals_list)
        forms = forms.with_env(self.env)
        if outer:
            forms._prs_check_logic()
        return forms

    def write(self, vals):
        if "current_version_id" in vals and not self.env.su:
            # a version set by hand would skip sanitising and every publish check
            raise AccessError(_("The published version of a form is set by publishing only."))
        if "state" in vals and not self.env.su:
            # Publish, New Version, Archive and Restore change the state (as superuser,
            # after their checks): a state written by hand would skip them
            raise AccessError(
                _("A form's state changes through Publish, New Version and Archive only.")
            )
        tree_change = TREE_FIELDS.intersection(vals)
        if tree_change and not self.env.context.get("prs_allow_published_write"):
            published = self.filtered(lambda form: form.state == "published")
            if published:
                raise UserError(
                    _(
                        "Form %s is published and read-only. Click New Version to edit a draft.",
                        published[0].display_name,
                    )
                )
        outer = not self.env.context.get("prs_defer_form_check")
        result = super(FormForm, self.with_context(prs_defer_form_check=True)).write(vals)
        if outer and tree_change:
            self._prs_check_logic()
        return result

    def copy_data(self, default=None):
        default = dict(default or {})
        vals_list = super().copy_data(default=default)
        for form, vals in zip(self, vals_list, strict=True):
            if "code" not in default:
                vals["code"] = free_code(self, "code", f"{form.code}_copy")
            if "name" not in default:
                vals["name"] = _("%s (copy)", form.name)
        return vals_list

    @api.ondelete(at_uninstall=False)
    def _unlink_except_published(self):
        if any(form.state == "published" for form in self):
            raise UserError(_("A published form cannot be deleted: archive it instead."))

    def action_archive(self):
        result = super().action_archive()
        # sudo: the caller archived these forms with his own rights just above
        self.sudo().with_context(prs_allow_published_write=True).write({"state": "archived"})
        return result

    def action_unarchive(self):
        result = super().action_unarchive()
        for form in self.filtered(lambda f: f.state == "archived"):
            # sudo: the caller unarchived the form with his own rights just above
            form.sudo().state = "published" if form.current_version_id else "draft"
        return result

    # ------------------------------------------------------------------ checks
    @api.model
    def _prs_check_codes(self, nodes, kind):
        """Check the format of ``nodes``' codes and their uniqueness within each form."""
        for node in nodes:
            if not CODE_RE.match(node.code or "") or node.code in RESERVED_CODES:
                raise ValidationError(
                    _(
                        "%(kind)s %(code)r: a code is made of lower-case letters, digits and _,"
                        " starts with a letter or _, and is none of %(reserved)s.",
                        kind=kind,
                        code=node.code,
                        reserved=", ".join(sorted(RESERVED_CODES)),
                    )
                )
        rows = (
            nodes.with_context(active_test=False)
            .browse()
            .search_read([("form_id", "in", nodes.form_id.ids)], ["form_id", "code"], load=None)
        )
        seen = set()
        for row in rows:
            key = (row["form_id"], row["code"])
            if key in seen:
                form = self.browse(row["form_id"])
                raise ValidationError(
                    _(
                        "%(kind)s code %(code)r is used more than once in form %(form)s.",
                        kind=kind,
                        code=row["code"],
                        form=form.display_name,
                    )
                )
            seen.add(key)

    def _prs_logic_problems(self, publish=False, trees=None):
        """Return the translated problems of each form: {form id: [message, ...]}.

        ``trees`` ({form id: tree}) spares building the trees again when the caller
        already has them (publishing checks the very tree it freezes)."""
        from ..tools import expression

        trees = trees or self._prs_build_trees()
        masters = self.env["prs.master"]._prs_allowed_values(form_tree.master_codes(trees.values()))
        result = {}
        for form in self:
            problems = form_checks.check_tree(
                trees[form.id], expression, masters=masters, publish=publish
            )
            result[form.id] = [form._prs_problem_message(*problem) for problem in problems]
        return result

    def _prs_problem_message(self, kind, code, problem, params):
        node = {
            "form": _("Form %s", code),
            "page": _("Page %s", code),
            "section": _("Section %s", code),
            "field": _("Field %s", code),
            "rule": _("Rule %s", code),
        }[kind]
        attr = {
            "condition": _("condition"),
            "required_if": _("required if"),
            "expr": _("expression"),
        }.get(params.get("attr"), params.get("attr"))
        if problem == "expression":
            return _(
                "%(node)s, %(attr)s: %(problem)s", node=node, attr=attr, problem=params["problem"]
            )
        if problem == "self_reference":
            return _("%(node)s: its %(attr)s refers to itself.", node=node, attr=attr)
        if problem == "cycle":
            return _(
                "%(node)s: the display conditions form a cycle: %(path)s.",
                node=node,
                path=params["path"],
            )
        if problem == "never_shown":
            return _(
                "%(node)s can never be shown: its condition %(expr)s is always false.",
                node=node,
                expr=params["expr"],
            )
        if problem == "never_passes":
            return _(
                "%(node)s can never pass: %(expr)s is always false.", node=node, expr=params["expr"]
            )
        if problem == "unknown_choice":
            return _(
                "%(node)s, %(attr)s: %(value)r is not a choice of field %(field)s.",
                node=node,
                attr=attr,
                value=params["value"],
                field=params["field"],
            )
        if problem == "empty_form":
            return _("%s has no fields.", node)
        if problem == "no_choices":
            return _("%s: a choice field needs choices or a master list.", node)
        if problem == "no_master":
            return _("%s: choose the master list it takes its choices from.", node)
        return f"{node}: {problem}"

    def _prs_check_logic(self, publish=False, trees=None):
        """Raise a ValidationError listing every problem of the forms' logic."""
        if not self:
            return
        problems = self._prs_logic_problems(publish=publish, trees=trees)
        messages = []
        for form in self:
            if problems[form.id]:
                messages.append(_("Form %s:", form.display_name))
                messages.extend(f"- {message}" for message in problems[form.id])
        if messages:
            raise ValidationError("\n".join(messages))

    # ------------------------------------------------------------------ serializer
    def _prs_tree_select(self, model, columns):
        """The select list of the tree's ``columns`` of ``model`` (table alias ``t``):
        translated columns in the context language with the ORM's own fallback
        (``_field_to_sql``: the language, then en_US), each named after its field."""
        records = self.env[model]
        # pending writes of what the query reads reach the database first
        records.flush_model(
            [fname for fname in (*columns, "sequence", "active") if fname in records._fields]
        )
        return SQL(", ").join(
            SQL(
                "%s AS %s",
                records._field_to_sql("t", fname)
                if records._fields[fname].translate
                else SQL.identifier("t", fname),
                SQL.identifier(fname),
            )
            for fname in ("id", *columns)
        )

    def _prs_tree_active(self, model):
        """Archived rows of ``model`` are left out unless ``active_test`` is off (as
        ``search_read`` does)."""
        if "active" in self.env[model]._fields and self.env.context.get("active_test", True):
            return SQL("t.active")
        return SQL("TRUE")

    def _prs_build_trees(self):
        """{form id: tree} for these forms, read in a fixed number of queries.

        Each level below the forms (pages, sections, fields with their currency and
        master codes and custom messages, choices, rules) is one query that selects
        only the tree's columns, without ``search_read``'s per-value formatting.
        Reading raw rows is safe: the caller's read right on every model read is
        checked first and the forms are read through the ORM (their record rules
        apply); the node models have no record rules of their own (a node is read
        through its form; ``test_form_serializer`` fails if one is added); the rows are
        those ``search_read`` would return (archived nodes left out as it does); and
        the values only go into the JSON tree, whose encoder escapes them.
        """
        if not self:
            return {}
        env = self.env
        cr = env.cr
        for model in TREE_MODELS:
            env[model].check_access_rights("read")
        env["res.currency"].flush_model(["name"])
        env["prs.master"].flush_model(["code"])

        def rows(query):
            cr.execute(query)
            return cr.dictfetchall()

        # the forms through the ORM: their row is usually cached already (no query)
        forms = self.read(["code", "title", "name"], load=None)
        pages = rows(
            SQL(
                "SELECT %s FROM form_page t WHERE t.form_id = ANY(%s::int[]) AND %s"
                " ORDER BY t.sequence, t.id",
                self._prs_tree_select("form.page", PAGE_READ),
                self.ids,
                self._prs_tree_active("form.page"),
            )
        )
        page_ids = [row["id"] for row in pages]
        sections = rows(
            SQL(
                "SELECT %s FROM form_section t WHERE t.page_id = ANY(%s::int[]) AND %s"
                " ORDER BY t.sequence, t.id",
                self._prs_tree_select("form.section", SECTION_READ),
                page_ids,
                self._prs_tree_active("form.section"),
            )
        )
        section_ids = [row["id"] for row in sections]
        # the currency's and the master's codes are joined (archived ones included),
        # the custom messages come as one {rule: message} object per field (json, not
        # jsonb: it keeps the rules in order)
        env["form.field.message"].flush_model(["field_id", "rule", "message"])
        field_rows = rows(
            SQL(
                "SELECT %s, cur.name AS currency_code, m.code AS master_code,"
                " (SELECT json_object_agg(msg.rule, %s ORDER BY msg.rule)"
                "    FROM form_field_message msg WHERE msg.field_id = t.id) AS messages"
                " FROM form_field t"
                " LEFT JOIN res_currency cur ON cur.id = t.currency_id"
                " LEFT JOIN prs_master m ON m.id = t.master_id"
                " WHERE t.section_id = ANY(%s::int[]) AND %s ORDER BY t.sequence, t.id",
                self._prs_tree_select("form.field", FIELD_READ),
                env["form.field.message"]._field_to_sql("msg", "message"),
                section_ids,
                self._prs_tree_active("form.field"),
            )
        )
        field_ids = [row["id"] for row in field_rows]
        messages = [
            {"field_id": row["id"], "rule": rule, "message": message}
            for row in field_rows
            for rule, message in (row.pop("messages") or {}).items()
        ]
        choices = rows(
            SQL(
                "SELECT %s FROM form_field_choice t WHERE t.field_id = ANY(%s::int[]) AND %s"
                " ORDER BY t.sequence, t.id",
                self._prs_tree_select("form.field.choice", ["field_id", "value", "label"]),
                field_ids,
                self._prs_tree_active("form.field.choice"),
            )
        )
        rules = rows(
            SQL(
                "SELECT %s FROM form_rule t WHERE t.form_id = ANY(%s::int[])"
                " AND (t.section_id IS NULL OR t.section_id = ANY(%s::int[])) AND %s"
                " ORDER BY t.sequence, t.id",
                self._prs_tree_select(
                    "form.rule", ["form_id", "section_id", "code", "expr", "message"]
                ),
                self.ids,
                section_ids,
                self._prs_tree_active("form.rule"),
            )
        )
        master_codes = {row["master_id"]: row["master_code"] for row in field_rows}
        page_form = {row["id"]: row["form_id"] for row in pages}
        section_form = {row["id"]: page_form[row["page_id"]] for row in sections}
        field_form = {row["id"]: section_form[row["section_id"]] for row in field_rows}
        trees = {}
        for form in forms:
            form_id = form["id"]
            form["title"] = form["title"] or form["name"]
            own_fields = [row for row in field_rows if field_form[row["id"]] == form_id]
            own_field_ids = {row["id"] for row in own_fields}
            trees[form_id] = serializer.build_tree(
                form,
                [row for row in pages if row["form_id"] == form_id],
                [row for row in sections if section_form[row["id"]] == form_id],
                own_fields,
                [row for row in choices if row["field_id"] in own_field_ids],
                [row for row in rules if row["form_id"] == form_id],
                [row for row in messages if row["field_id"] in own_field_ids],
                master_codes,
            )
        return trees

    def _prs_build_tree(self):
        """The form tree (TEAM contract) of this form's current content.

        ``version`` and ``checksum`` are None: publishing fills them.
        """
        self.ensure_one()
        return self._prs_build_trees()[self.id]

    # ------------------------------------------------------------------ versions
    def action_publish(self):
        """Check the forms and freeze each tree into a new published version.

        Versions are created here only (configurators have no create right on
        ``form.form.version``): the caller's write right on the forms is checked, then
        the version and the form's current version are written as superuser.
        """
        self.check_access_rights("write")
        self.check_access_rule("write")
        for form in self:
            if form.state == "published":
                raise UserError(_("Form %s is already published.", form.display_name))
            if not form.active:
                raise UserError(_("Form %s is archived.", form.display_name))
            tree = form._prs_build_tree()
            form._prs_check_logic(publish=True, trees={form.id: tree})
            # max() in SQL: reading version_ids would load every earlier frozen tree
            [(latest,)] = self.env["form.form.version"]._read_group(
                [("form_id", "=", form.id)], aggregates=["version:max"]
            )
            tree["version"] = (latest or 0) + 1
            tree["checksum"] = form_tree.tree_checksum(tree)
            lang = self.env.lang or "en_US"
            # sudo: the only creation of versions, with the tree just built and checked
            # from the form the caller may write (checked above)
            version = (
                self.env["form.form.version"]
                .sudo()
                .create(
                    {
                        "form_id": form.id,
                        "version": tree["version"],
                        "tree": tree,
                        "checksum": tree["checksum"],
                        "lang": lang,
                        "tree_translations": form._prs_translated_trees(tree["version"], lang),
                    }
                )
            )
            # sudo: write() refuses current_version_id to anyone but the publish code
            form.sudo().with_context(prs_allow_published_write=True).write(
                {"current_version_id": version.id, "state": "published"}
            )
            # a note without notification work (followers, recipients): the publish is
            # logged, nobody is notified of it (as message_post's note did)
            form._message_log(body=escape(_("Version %s published.", version.version)))
        return True

    def _prs_translated_trees(self, number, skip_lang):
        """{lang: tree} in every other installed language, each with its own checksum."""
        self.ensure_one()
        trees = {}
        for lang, _name in self.env["res.lang"].get_installed():
            if lang == skip_lang:
                continue
            tree = self.with_context(lang=lang)._prs_build_tree()
            tree["version"] = number
            tree["checksum"] = form_tree.tree_checksum(tree)
            trees[lang] = tree
        return trees or False

    def action_new_version(self):
        """Reopen a published form as a draft; its current version stays live until the
        next publish."""
        self.check_access_rights("write")
        self.check_access_rule("write")
        for form in self:
            if form.state != "published":
                raise UserError(_("Only a published form can get a new version."))
            # sudo: write right checked above; write() refuses the state to direct writes
            form.sudo().state = "draft"
            form.message_post(
                body=_("Draft of a new version opened (version %s stays live).", form.version)
            )
        return True

    def action_restore_version(self, version):
        """Replace the draft's tree by the tree of ``version`` (a form.form.version record
        or id of this form)."""
        self.check_access_rights("write")
        self.check_access_rule("write")
        self.ensure_one()
        if not isinstance(version, models.BaseModel):
            version = self.env["form.form.version"].browse(int(version))
        if version.form_id != self:
            raise UserError(_("Version %s is not a version of this form.", version.version))
        if self.state == "published":
            self.action_new_version()
        elif self.state != "draft":
            raise UserError(_("Only a draft can be restored from a version."))
        self._prs_load_tree(version.tree)
        self.message_post(body=_("Draft restored from version %s.", version.version))
        return True

    def _prs_load_tree(self, tree):
        """Replace this draft form's pages and rules by the nodes of ``tree``."""
        self.ensure_one()
        master_ids = self._prs_master_ids(tree)
        this = self.with_context(active_test=False)
        commands_pages = [Command.delete(page.id) for page in this.page_ids]
        commands_rules = [Command.delete(rule.id) for rule in this.rule_ids]
        for index, page in enumerate(form_tree.tree_pages(tree)):
            commands_pages.append(Command.create(self._prs_page_values(page, index, master_ids)))
        for index, rule in enumerate(form_tree.node_rules(tree)):
            commands_rules.append(Command.create(self._prs_rule_values(rule, index)))
        self.write(
            {
                "title": tree.get("title") or False,
                "page_ids": commands_pages,
                "rule_ids": commands_rules,
            }
        )

    @api.model
    def _prs_master_ids(self, tree):
        """{master code: id} of the masters ``tree``'s fields name (archived ones too)."""
        masters = (
            self.env["prs.master"]
            .with_context(active_test=False)
            .search([("code", "in", list(form_tree.master_codes([tree])))])
        )
        return {master.code: master.id for master in masters}

    @api.model
    def _prs_page_values(self, page, index, master_ids):
        """Create values of a form.page (with its sections) from its tree node."""
        return dict(
            self._prs_node_values(page, index),
            section_ids=[
                Command.create(self._prs_section_values(section, i, master_ids))
                for i, section in enumerate(form_tree.page_sections(page))
            ],
        )

    @api.model
    def _prs_rule_values(self, rule, index):
        return {
            "sequence": (index + 1) * 10,
            "code": rule["code"],
            "expr": rule["expr"],
            "message": rule.get("message") or rule["code"],
        }

    @api.model
    def _prs_node_values(self, node, index):
        """The values a page or a section of a frozen tree gives its record."""
        return {
            "sequence": (index + 1) * 10,
            "code": node["code"],
            "title": node.get("title") or node["code"],
            "help": node.get("help") or False,
            "condition": node.get("condition") or False,
        }

    @api.model
    def _prs_section_values(self, section, index, master_ids):
        return {
            **self._prs_node_values(section, index),
            "field_ids": [
                Command.create(self._prs_field_values(field, i, master_ids))
                for i, field in enumerate(form_tree.section_fields(section))
            ],
            "rule_ids": [
                Command.create(self._prs_rule_values(rule, i))
                for i, rule in enumerate(form_tree.node_rules(section))
            ],
        }

    @api.model
    def _prs_field_values(self, field, index, master_ids):
        """Create values of a form.field from its tree node (inverse of the serializer)."""
        validation = field.get("validation") or {}
        default = field.get("default")
        if isinstance(default, bool):
            default = "true" if default else "false"
        elif isinstance(default, list):
            default = ",".join(str(item) for item in default)
        elif default is not None:
            default = str(default)
        max_size = validation.get("max_file_size")
        return {
            "sequence": (index + 1) * 10,
            "code": field["code"],
            "field_type": field["type"],
            "label": field.get("label") or field["code"],
            "help": field.get("help") or False,
            "placeholder": field.get("placeholder") or False,
            "required": bool(field.get("required")),
            "required_if": field.get("required_if") or False,
            "condition": field.get("condition") or False,
            "default_value": default or False,
            "transform": field.get("transform") or False,
            "maps_to": field.get("maps_to") or False,
            "sensitive": bool(field.get("sensitive")),
            "consent_text": field.get("consent_text") or False,
            "content": field.get("content") or False,
            "master_id": master_ids.get(field.get("master")) or False,
            "min_length": validation.get("min_length") or 0,
            "max_length": validation.get("max_length") or 0,
            "pattern": validation.get("pattern") or False,
            "pattern_message": validation.get("pattern_message") or False,
            "min_value": _number_text(validation.get("min_value")),
            "max_value": _number_text(validation.get("max_value")),
            "min_date": validation.get("min_date") or False,
            "max_date": validation.get("max_date") or False,
            "file_types": ", ".join(validation.get("file_types") or []) or False,
            "max_file_size_mb": max_size / (1024 * 1024) if max_size else 0.0,
            "digits": validation.get("digits") or 0,
            "choice_ids": [
                Command.create({"sequence": (i + 1) * 10, "value": c["value"], "label": c["label"]})
                for i, c in enumerate(field.get("choices") or [])
            ],
            "message_ids": [
                Command.create({"rule": rule, "message": message})
                for rule, message in (validation.get("messages") or {}).items()
            ],
        }

    # ------------------------------------------------------------------ UI actions
    def action_view_versions(self):
        self.check_access_rights("read")
        self.check_access_rule("read")
        self.ensure_one()
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "prs_form_builder.form_form_version_action"
        )
        action["domain"] = [("form_id", "=", self.id)]
        action["context"] = {"default_form_id": self.id}
        return action

    def action_compare_versions(self):
        self.check_access_rights("read")
        self.check_access_rule("read")
        self.ensure_one()
        versions = self.version_ids.sorted("version", reverse=True)
        return {
            "type": "ir.actions.act_window",
            "name": _("Compare Versions"),
            "res_model": "form.version.compare.wizard",
            "view_mode": "form",
            "target": "new",
            "context": {
                "default_form_id": self.id,
                "default_version_from_id": versions[:1].id,
            },
        }

    def action_preview(self):
        """Open the participant preview of the draft (or of the current version)."""
        self.check_access_rights("read")
        self.check_access_rule("read")
        self.ensure_one()
        return {
            "type": "ir.actions.act_url",
            "url": f"/prs_form_builder/preview/{self.id}",
            "target": "new",
        }

    def action_new_from_template(self):
        self.check_access_rights("read")
        self.check_access_rule("read")
        self.ensure_one()
        return {
            "type": "ir.actions.act_window",
            "name": _("New Form from Template"),
            "res_model": "form.form.from.template.wizard",
            "view_mode": "form",
            "target": "new",
            "context": {"default_template_id": self.id},
        }

    def _prs_render_preview(self, version_id=None, answers=None, script_nonce=None):
        """Render the participant preview (QWeb, escaped) of the draft or of a version.

        With ``answers`` ({code: value}), nodes hidden by their conditions are shown as
        hidden and the validator's errors are listed next to the fields. With
        ``script_nonce`` (the page's CSP nonce) the page re-applies its answers whenever
        one changes.
        """
        self.ensure_one()
        self.check_access_rights("read")
        self.check_access_rule("read")
        if version_id:
            version = self.env["form.form.version"].browse(version_id)
            if version.form_id != self:
                raise UserError(_("Version %s is not a version of this form.", version_id))
            tree, label = version._prs_get_tree(), _("Version %s", version.version)
        else:
            # a published form's records are its current version (read-only until New
            # Version): say so rather than "Draft"
            label = _("Version %s", self.version) if self.state == "published" else _("Draft")
            tree = self._prs_build_tree()
        hidden, errors = set(), {}
        if answers is not None:
            hidden = form_tree.visibility(tree, answers).hidden
            masters = self.env["prs.master"]._prs_allowed_values(form_tree.master_codes([tree]))
            _values, error_list = validation.validate_answers(tree, answers, masters=masters)
            for error in error_list:
                errors.setdefault(error["field"] or "", []).append(error["message"])
        selected = {}
        for _page, _section, field in form_tree.iter_fields(tree):
            # rich text blocks are HTML by design: sanitized again, then rendered as markup
            for key in ("content", "consent_text"):
                if field.get(key):
                    field[key] = Markup(html_sanitize(field[key]))
            value = (answers or {}).get(field["code"], field["default"])
            if not isinstance(value, list):
                value = [] if value in (None, False, "") else [value]
            selected[field["code"]] = [str(item) for item in value]
        return self.env["ir.qweb"]._render(
            "prs_form_builder.form_preview_page",
            {
                "tree": tree,
                "form": self,
                "preview_label": label,
                "version_id": version_id,
                "answers": answers or {},
                "applied": answers is not None,
                "hidden": hidden,
                "errors": errors,
                "error_count": sum(len(messages) for messages in errors.values()),
                "selected": selected,
                "script_nonce": script_nonce,
            },
        )

    def _prs_copy_from_template(self, name, code):
        """Create a draft form copying this template's whole tree."""
        self.ensure_one()
        return self.copy({"name": name, "code": code, "is_template": False, "template_id": self.id})


def _number_text(value):
    if value is None:
        return False
    return str(value)
