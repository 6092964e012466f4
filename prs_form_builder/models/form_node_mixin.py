from odoo import _, api, models
from odoo.exceptions import UserError

from odoo.addons.prs_base.tools.codes import slugify_code, unique_code


class FormNodeMixin(models.AbstractModel):
    """Behaviour shared by the nodes of a form tree (pages, sections, fields, choices,
    rules, messages): codes generated from the label, writes refused while the form is
    published, and the form-wide logic checks run once after a (nested) save."""

    _name = "form.node.mixin"
    _description = "Registration Form Node"

    # name of the field a code is generated from; False for nodes without a code
    _prs_code_source = False
    _prs_code_fallback = "node"

    # ------------------------------------------------------------------ compute
    @api.depends(lambda self: (self._prs_code_source,) if self._prs_code_source else ())
    def _compute_code(self):
        """A node without a code takes one generated from its label (``_prs_code_source``);
        the models declaring ``code`` compute it with this method."""
        for node in self:
            source = node[node._prs_code_source]
            node.code = node.code or (source and slugify_code(source, node._prs_code_fallback))

    # ------------------------------------------------------------------ helpers
    def _prs_get_forms(self):
        """The forms these nodes belong to."""
        return self.mapped("form_id")

    @api.model
    def _prs_forms_from_vals(self, vals_list):
        """{index in vals_list: form id} for new nodes (overridden per model)."""
        return {}

    def _prs_check_editable(self, forms=None):
        if self.env.context.get("prs_allow_published_write"):
            return
        forms = self._prs_get_forms() if forms is None else forms
        published = forms.filtered(lambda form: form.state == "published")
        if published:
            raise UserError(
                _(
                    "Form %s is published and read-only. Click New Version to edit a draft.",
                    published[0].display_name,
                )
            )

    def _prs_generate_codes(self, vals_list):
        """Fill missing codes in ``vals_list`` from the label, unique within each form."""
        missing = [
            index
            for index, vals in enumerate(vals_list)
            if self._prs_code_source and not vals.get("code")
        ]
        if not missing:
            return
        form_by_index = self._prs_forms_from_vals(vals_list)
        form_ids = {form_by_index[i] for i in missing if form_by_index.get(i)}
        used = {form_id: set() for form_id in form_ids}
        if form_ids:
            rows = self.with_context(active_test=False).search_read(
                [("form_id", "in", list(form_ids))], ["form_id", "code"]
            )
            for row in rows:
                used[row["form_id"][0]].add(row["code"])
        for index, vals in enumerate(vals_list):
            if vals.get("code") and form_by_index.get(index):
                used[form_by_index[index]].add(vals["code"])
        for index in missing:
            vals = vals_list[index]
            code = slugify_code(vals.get(self._prs_code_source), self._prs_code_fallback)
            vals["code"] = unique_code(code, used.setdefault(form_by_index.get(index), set()))

    def _prs_run_deferred(self, forms):
        """Run the form-wide checks unless an outer save will run them."""
        if not self.env.context.get("prs_defer_form_check"):
            forms.exists()._prs_check_logic()

    # ------------------------------------------------------------------ CRUD
    @api.model_create_multi
    def create(self, vals_list):
        self._prs_generate_codes(vals_list)
        outer = not self.env.context.get("prs_defer_form_check")
        records = super(FormNodeMixin, self.with_context(prs_defer_form_check=True)).create(
            vals_list
        )
        records = records.with_env(self.env)
        forms = records._prs_get_forms()
        records._prs_check_editable(forms)
        if outer:
            forms._prs_check_logic()
        return records

    def write(self, vals):
        self._prs_check_editable()
        outer = not self.env.context.get("prs_defer_form_check")
        forms_before = self._prs_get_forms()
        result = super(FormNodeMixin, self.with_context(prs_defer_form_check=True)).write(vals)
        forms = forms_before | self._prs_get_forms()
        self._prs_check_editable(forms)
        if outer:
            forms._prs_check_logic()
        return result

    @api.ondelete(at_uninstall=False)
    def _unlink_except_published(self):
        self._prs_check_editable()

    def unlink(self):
        forms = self._prs_get_forms()
        result = super().unlink()
        # a removed node may leave expressions naming codes that no longer exist
        self._prs_run_deferred(forms)
        return result
