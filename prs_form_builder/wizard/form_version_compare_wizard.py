from markupsafe import Markup, escape

from odoo import _, api, fields, models
from odoo.exceptions import UserError

from ..tools.tree_diff import compare_trees


class FormVersionCompareWizard(models.TransientModel):
    _name = "form.version.compare.wizard"
    _description = "Compare Form Versions"

    form_id = fields.Many2one("form.form", required=True, ondelete="cascade")
    version_from_id = fields.Many2one(
        "form.form.version",
        string="From",
        ondelete="cascade",
        domain="[('form_id', '=', form_id)]",
    )
    version_to_id = fields.Many2one(
        "form.form.version",
        string="To",
        ondelete="cascade",
        domain="[('form_id', '=', form_id)]",
        help="Leave empty to compare with the current draft.",
    )
    diff_html = fields.Html(compute="_compute_diff_html", sanitize=False, string="Differences")

    @api.depends("version_from_id", "version_to_id", "form_id")
    def _compute_diff_html(self):
        for wizard in self:
            wizard.diff_html = wizard._prs_render(wizard._prs_diff()) if wizard.form_id else ""

    def _prs_diff(self):
        self.ensure_one()
        old = self.version_from_id.tree or {}
        if self.version_to_id:
            new = self.version_to_id.tree
        else:
            new = self.form_id._prs_build_tree()
        return compare_trees(old, new)

    @staticmethod
    def _prs_value(value):
        if value in (None, False, "", [], {}):
            return Markup("<em>-</em>")
        return escape(str(value))

    def _prs_render(self, diff):
        """HTML of a diff; every value is escaped."""
        if not any(diff.values()):
            return Markup("<p>%s</p>") % _("No differences.")
        rows = []
        for title, key in ((_("Added"), "added"), (_("Removed"), "removed")):
            for node in diff[key]:
                rows.append(
                    Markup("<tr><td>%s</td><td>%s</td><td>%s</td><td colspan='3'></td></tr>")
                    % (title, node["kind"], node["path"])
                )
        for node in diff["changed"]:
            for change in node["changes"]:
                rows.append(
                    Markup(
                        "<tr><td>%s</td><td>%s</td><td>%s</td><td>%s</td><td>%s</td>"
                        "<td>%s</td></tr>"
                    )
                    % (
                        _("Changed"),
                        node["kind"],
                        node["path"],
                        change["setting"],
                        self._prs_value(change["old"]),
                        self._prs_value(change["new"]),
                    )
                )
        head = Markup(
            "<table class='table table-sm o_prs_diff'><thead><tr><th>%s</th><th>%s</th>"
            "<th>%s</th><th>%s</th><th>%s</th><th>%s</th></tr></thead><tbody>"
        ) % (_("Change"), _("Node"), _("Path"), _("Setting"), _("Old"), _("New"))
        return head + Markup("").join(rows) + Markup("</tbody></table>")

    def action_restore_from(self):
        """Restore the From version as the form's draft."""
        self.ensure_one()
        if not self.version_from_id:
            raise UserError(_("Choose the version to restore."))
        return self.version_from_id.action_restore()
