import functools

from cryptography.fernet import InvalidToken

from odoo import _, api, fields, models
from odoo.osv import expression
from odoo.tools import format_datetime

from ..tools import export, history, privacy
from .event_registration import PrsConfigurationError


class EventRegistrationAnswerHistory(models.Model):
    """One replaced answer set of a step: the answers a participant gave before
    answering the step again (requested changes, going back), exactly as ``answers``
    stored them (sensitive values encrypted). Written by the intake only, read by the
    coordinators of the program, never changed."""

    _name = "event.registration.answer.history"
    _description = "Registration Answer History"
    _order = "replaced_on desc, id desc"
    _rec_name = "step_code"

    registration_id = fields.Many2one(
        "event.registration", required=True, readonly=True, ondelete="cascade", index=True
    )
    step_id = fields.Many2one("event.flow.step", readonly=True, ondelete="set null")
    step_code = fields.Char(required=True, readonly=True)
    form_version = fields.Integer(
        readonly=True, help="The form version the replaced answers were given with."
    )
    answers = fields.Json(
        string="Replaced Answers",
        readonly=True,
        groups="prs_base.group_prs_coordinator",
        help="The step's answers as they were stored: {field code: value} (sensitive "
        "values encrypted, files as attachment references).",
    )
    step_date = fields.Date(
        string="Validated With Date",
        readonly=True,
        help="The 'today' intake validated the replaced answers with.",
    )
    replaced_on = fields.Datetime(required=True, readonly=True)
    submission_id = fields.Char(
        string="Replaced By Submission",
        readonly=True,
        help="The submission id of the intake call that replaced these answers.",
    )
    change = fields.Selection(
        [("resubmitted", "Answered Again"), ("dropped", "Step Now Hidden")],
        required=True,
        readonly=True,
        default="resubmitted",
        help="Answered again: the participant answered the step again. Step now hidden: "
        "new answers to another step hide this one, so its answers were dropped.",
    )

    # ------------------------------------------------------------------
    # Intake
    # ------------------------------------------------------------------

    @api.model
    def _prs_history_values(self, registration, step, old_answers, version, step_date, **values):
        """Create values of one replaced answer set; everything comes from memory (the
        registration's answers as the intake read them), nothing is read again."""
        vals = {
            "registration_id": registration.id,
            "step_id": step.id,
            "step_code": step.code,
            "form_version": version or 0,
            "answers": old_answers,
            "step_date": step_date or False,
        }
        vals.update(values)
        return vals

    @api.model
    def _prs_record(self, vals_list):
        """Keep replaced answer sets: one INSERT for all of them."""
        if not vals_list:
            return self
        # sudo: history rows are created by the intake only (which runs as superuser
        # after its own checks); no user has the create right on them
        return self.sudo().create(vals_list)

    # ------------------------------------------------------------------
    # Review
    # ------------------------------------------------------------------

    def _prs_trees(self, registration, pairs):
        """``{(step code, version): tree}`` of ``pairs`` ``{(step code, version)}``: one
        search of the versions, labels in the user's language."""
        steps = {step.code: step for step in registration.flow_id.step_ids if step.form_id}
        wanted = [(steps[code], number) for code, number in pairs if code in steps and number]
        if not wanted:
            return {}
        # sudo: published trees are configuration, readable by any reviewer; only the
        # versions of the shown answers are read
        versions = (
            self.env["form.form.version"]
            .sudo()
            .search(
                expression.OR(
                    [
                        [("form_id", "=", step.form_id.id), ("version", "=", number)]
                        for step, number in wanted
                    ]
                )
            )
        )
        by_key = {(version.form_id.id, version.version): version for version in versions}
        trees = {}
        for step, number in wanted:
            version = by_key.get((step.form_id.id, number))
            if version:
                trees[step.code, number] = registration._prs_version_tree(
                    version, lang=self.env.lang
                )
        return trees

    def _prs_render(self, registration):
        """The history of ``registration`` (these are its rows) as a diff, newest first:
        each replaced answer set against the answers that replaced it (the next replaced
        set of the step, or its current answers). Sensitive values stay masked."""
        registration.ensure_one()
        rows = self.sorted(lambda h: (h.replaced_on, h.id))
        # sudo: the answers of the registration (a field of coordinators, who read this
        # page) are compared; sensitive values are never shown
        current = registration.sudo().answers or {}
        current_versions = registration.step_versions or {}
        codes = {row.step_code for row in rows}
        # the form's published version of each step: a field made sensitive since the
        # answers were given is masked too (README "Answer history")
        published = {
            step.code: step.form_id.version
            for step in registration.flow_id.step_ids
            if step.code in codes and step.form_id
        }
        pairs = {(row.step_code, row.form_version) for row in rows}
        pairs |= {(code, current_versions.get(code)) for code in codes}
        pairs |= set(published.items())
        trees = self._prs_trees(registration, pairs)
        # the review's display, never revealing: history values stay masked
        show = registration.with_context(prs_reveal=False)._prs_review_display(trees)
        try:
            fernet = registration._prs_fernet()
            decrypt = functools.partial(privacy.decrypt_value, fernet)
        except PrsConfigurationError:
            fernet = decrypt = None  # no key: sensitive values count as changed, masked
        digest = self._prs_file_digest(
            [row.answers for row in rows] + [current.get(code) for code in codes],
            fernet,
            decrypt,
        )
        texts = {
            "field": _("Field"),
            "before": _("Before"),
            "after": _("After"),
            "unchanged": _("No answer changed."),
            "other": _("Other answers"),
        }
        entries = []
        for index, row in enumerate(rows):
            later = rows[index + 1 :].filtered(lambda h, r=row: h.step_code == r.step_code)[:1]
            if later:
                new, new_version = later.answers or {}, later.form_version
            else:
                new, new_version = (
                    current.get(row.step_code) or {},
                    current_versions.get(row.step_code),
                )
            title = _(
                "%(step)s: %(change)s on %(date)s (submission %(submission)s)",
                step=row.step_id.name or row.step_code,
                change=dict(self._fields["change"]._description_selection(self.env))[row.change],
                date=format_datetime(self.env, row.replaced_on),
                submission=row.submission_id or "-",
            )
            entries.append(
                history.render_entry(
                    title,
                    row.answers,
                    new,
                    trees.get((row.step_code, row.form_version), {}),
                    trees.get((row.step_code, new_version), {}),
                    show,
                    texts,
                    decrypt=decrypt,
                    sensitive=privacy.sensitive_codes(
                        trees.get((row.step_code, published.get(row.step_code)), {})
                    ),
                    digest=digest,
                )
            )
        return history.render_history(entries[::-1], _("No answers were replaced yet."))

    @api.model
    def _prs_file_digest(self, answer_sets, fernet=None, decrypt=None):
        """``digest(ref)``: the content of a file reference of ``answer_sets`` (answers
        ``{field code: value}`` shown in the history), for comparing files by content.

        The checksums of all their attachments are read in one query. A plain file's
        digest is its attachment's checksum (sha1 of the content); an encrypted file's
        attachment holds a Fernet token, new at every upload, so its digest is the sha1
        of the decrypted content, computed (and kept) only when asked, that is when two
        files have the same name, type and size (:func:`..tools.history.changed`). A
        file whose attachment is gone (or cannot be decrypted) has a digest of its own."""
        refs = [ref for answers in answer_sets for ref in history.file_refs(answers, decrypt)]
        ids = sorted({ref["attachment_id"] for ref in refs if ref.get("attachment_id")})
        # sudo: only the checksum (a hash, never the content) of the attachments these
        # answers reference; files of sensitive fields are attachments of the
        # registration that coordinators may not read directly, and they are not shown
        Attachment = self.env["ir.attachment"].sudo()
        checksums = {
            found["id"]: found["checksum"]
            for found in Attachment.search_read([("id", "in", ids)], ["checksum"])
        }
        plain = {}

        def digest(ref):
            attachment_id = ref.get("attachment_id")
            if attachment_id not in checksums:
                return ("missing", attachment_id)
            if not ref.get("encrypted"):
                return checksums[attachment_id]
            if attachment_id not in plain:
                raw = None
                if fernet is not None:
                    try:
                        # decrypted to be compared only (like the sensitive values); the
                        # content is never shown
                        raw = fernet.decrypt(Attachment.browse(attachment_id).raw)
                    except InvalidToken:  # not encrypted with a configured key
                        raw = None
                plain[attachment_id] = (
                    ("missing", attachment_id) if raw is None else Attachment._compute_checksum(raw)
                )
            return plain[attachment_id]

        return digest

    # ------------------------------------------------------------------
    # Export
    # ------------------------------------------------------------------

    @api.model
    def _prs_export_rows(self, registrations, header, rows, reveal=False):
        """``(header, rows)`` of the export with the answer history: *Step*, *Change*,
        *Submission* and *Replaced On* columns, and after each registration's row the
        rows of its replaced answer sets (oldest first,
        :func:`..tools.export.history_rows`): the registration id, empty static cells,
        the replaced step's answers (whole). The history is read per batch of
        registration rows as they stream, and dropped from the cache after it, so the
        memory used does not grow with the history count. Read with the user's rights:
        the wizard checked the registrations; sensitive values (also those of a field
        made sensitive after they were given) masked unless ``reveal`` (right checked
        and logged by the wizard)."""
        trees = registrations._prs_export_trees()
        columns = export.answer_columns(trees)
        changes = dict(self._fields["change"]._description_selection(self.env))

        def entries_for(registration_ids):
            found = self.search(
                [("registration_id", "in", registration_ids)],
                order="registration_id, replaced_on asc, id asc",
            )
            entries = {}
            for entry in found.read(
                [
                    "registration_id",
                    "step_id",
                    "step_code",
                    "change",
                    "submission_id",
                    "answers",
                    "replaced_on",
                ]
            ):
                entries.setdefault(entry["registration_id"][0], []).append(
                    (
                        entry["step_id"][1] if entry["step_id"] else entry["step_code"],
                        changes.get(entry["change"], entry["change"]),
                        entry["submission_id"] or "",
                        fields.Datetime.to_string(entry["replaced_on"]),
                        entry["step_code"],
                        entry["answers"],
                    )
                )
            found.invalidate_recordset()
            return entries

        fernet = []  # built once, at the first revealed value

        def decrypt(value):
            fernet[:] = fernet or [registrations._prs_fernet()]
            return privacy.decrypt_value(fernet[0], value)

        return [
            *header,
            _("Step"),
            _("Change"),
            _("Submission"),
            _("Replaced On"),
        ], export.history_rows(
            rows,
            len(header) - len(columns),
            entries_for,
            columns,
            yes=_("Yes"),
            no=_("No"),
            decrypt=decrypt if reveal else None,
            sensitive=export.sensitive_columns(trees),
        )
