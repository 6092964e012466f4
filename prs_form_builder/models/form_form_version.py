import copy
import json

from odoo import _, api, fields, models
from odoo.exceptions import UserError

from ..tools.form_tree import tree_checksum
from ..tools.tree_diff import compare_trees

FROZEN_FIELDS = frozenset({"form_id", "version", "tree", "checksum", "lang", "tree_translations"})


class FormFormVersion(models.Model):
    _name = "form.form.version"
    _description = "Published Form Version"
    _order = "form_id, version desc"

    form_id = fields.Many2one("form.form", required=True, ondelete="cascade", index=True)
    version = fields.Integer(required=True, readonly=True)
    tree = fields.Json(readonly=True, help="The form tree as published (the Redis contract).")
    checksum = fields.Char(readonly=True, index=True)
    lang = fields.Char(string="Language", readonly=True, help="Language of the labels of the tree.")
    tree_translations = fields.Json(
        readonly=True,
        help="The same tree in the other installed languages: {lang: tree}.",
    )
    published_by_id = fields.Many2one(
        "res.users", readonly=True, ondelete="restrict", default=lambda self: self.env.user
    )
    published_at = fields.Datetime(readonly=True, default=fields.Datetime.now)
    is_current = fields.Boolean(compute="_compute_is_current", string="Current")
    tree_text = fields.Text(compute="_compute_tree_text", string="Tree (JSON)")

    _sql_constraints = [
        ("version_uniq", "unique(form_id, version)", "A form has one version per number."),
    ]

    @api.depends("form_id.current_version_id")
    def _compute_is_current(self):
        for version in self:
            version.is_current = version.form_id.current_version_id == version

    @api.depends("tree")
    def _compute_tree_text(self):
        for version in self:
            version.tree_text = json.dumps(version.tree, indent=2, ensure_ascii=False)

    @api.depends("form_id", "version")
    def _compute_display_name(self):
        for version in self:
            version.display_name = _(
                "%(form)s v%(version)s", form=version.form_id.code, version=version.version
            )

    @api.model_create_multi
    def create(self, vals_list):
        for vals in vals_list:
            # versions made outside action_publish (imports, tests) get their checksum too
            if vals.get("tree") and not vals.get("checksum"):
                vals["checksum"] = tree_checksum(vals["tree"])
        return super().create(vals_list)

    def write(self, vals):
        if FROZEN_FIELDS.intersection(vals):
            raise UserError(_("A published form version cannot be changed."))
        return super().write(vals)

    @api.ondelete(at_uninstall=False)
    def _unlink_except_current(self):
        if any(version.is_current for version in self):
            raise UserError(_("The current published version of a form cannot be deleted."))

    def _prs_get_tree(self, lang=None, copy_tree=True):
        """The published tree, with the labels of ``lang`` when the version was
        published with that language installed; else the tree as published.

        A copy, unless ``copy_tree`` is False: then the cached value itself, for callers
        that only read it (the Redis payloads); it must not be changed. Either way the
        trees are taken from the cache without ``fields.Json``'s copy on every access
        (a 1,000-field tree is about 90,000 objects)."""
        self.ensure_one()
        tree = None
        if lang and lang != self.lang:
            tree = (self._prs_cached_json("tree_translations") or {}).get(lang)
        tree = tree or self._prs_cached_json("tree")
        return copy.deepcopy(tree) if copy_tree else tree

    def _prs_cached_json(self, fname):
        """The cached value of the Json field ``fname`` (fetched when missing), without
        the copy ``fields.Json`` makes on each read: the caller must not change it."""
        field = self._fields[fname]
        if not self.env.cache.contains(self, field):
            self.fetch([fname])
        return self.env.cache.get(self, field) or None

    def _prs_compare(self, other):
        """Differences from this version to ``other`` (a version, or a tree dict):
        {"added": [...], "removed": [...], "changed": [{..., "changes": [...]}]}."""
        self.ensure_one()
        other_tree = other if isinstance(other, dict) else other.tree
        return compare_trees(self.tree, other_tree)

    def action_restore(self):
        """Restore this version's tree as the form's draft."""
        self.ensure_one()
        self.form_id.action_restore_version(self.id)
        return {
            "type": "ir.actions.act_window",
            "res_model": "form.form",
            "res_id": self.form_id.id,
            "view_mode": "form",
            "target": "current",
        }
