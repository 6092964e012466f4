import base64
import binascii
import logging
from datetime import timedelta

import psycopg2
from markupsafe import Markup, escape

from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.service.model import PG_CONCURRENCY_ERRORS_TO_RETRY
from odoo.tools import config

from ..tools import intake, privacy
from .event_registration_mixin import PRS_TO_ODOO_STATE

_logger = logging.getLogger(__name__)

ODOO_TO_PRS_STATE = {
    "draft": "submitted",
    "open": "confirmed",
    "done": "confirmed",
    "cancel": "cancelled",
}
# maps_to value of a form field -> column of event.registration it fills
STATIC_COLUMNS = {
    "name": "name",
    "email": "email",
    "phone": "phone",
    "company_name": "company_name",
    "company": "company_name",
    "first_name": "prs_first_name",
    "last_name": "prs_last_name",
    "country": "prs_country_code",
    "city": "prs_city",
    "language": "prs_language",
    "gender": "prs_gender",
    "birthdate": "prs_birthdate",
    "date_of_birth": "prs_birthdate",
}
STATE_MAIL_TEMPLATES = {
    "confirmed": "prs_registration.mail_template_registration_confirmed",
    "waitlisted": "prs_registration.mail_template_registration_waitlisted",
    "rejected": "prs_registration.mail_template_registration_rejected",
    "changes_requested": "prs_registration.mail_template_registration_changes_requested",
}
REVEAL_WINDOW = timedelta(minutes=15)
DEFAULT_VERSION_GRACE_MINUTES = 60


class PrsConfigurationError(UserError):
    """The server is not configured for this operation (e.g. no encryption key)."""


class IntakeError(Exception):
    """A refused submission: carries the structured errors returned to the caller."""

    def __init__(self, errors):
        super().__init__(errors)
        self.errors = errors


def iter_tree_fields(tree):
    """Yield ``(page, section, field)`` of a form tree in display order."""
    for page in (tree or {}).get("pages") or []:
        for section in page.get("sections") or []:
            for field in section.get("fields") or []:
                yield page, section, field


class EventRegistration(models.Model):
    _name = "event.registration"
    _inherit = ["event.registration", "event.registration.mixin"]

    submission_ids = fields.One2many(
        "event.registration.submission", "registration_id", string="Submissions", readonly=True
    )
    prs_changes_message = fields.Text(
        string="Requested Changes", help="Message sent to the participant with the request."
    )
    prs_review_html = fields.Html(
        string="Answers Review",
        compute="_compute_prs_review_html",
        sanitize=False,
        groups="prs_base.group_prs_coordinator",
        help="The answers laid out like the form (escaped; sensitive values masked).",
    )
    prs_has_sensitive = fields.Boolean(
        string="Has Sensitive Answers", compute="_compute_prs_has_sensitive"
    )
    prs_reveal_log_ids = fields.One2many(
        "prs.reveal.log", "registration_id", string="Reveal Log", readonly=True
    )

    # ------------------------------------------------------------------
    # State synchronisation with Odoo's own ``state``
    # ------------------------------------------------------------------

    @api.model_create_multi
    def create(self, vals_list):
        now = fields.Datetime.now()
        for vals in vals_list:
            if vals.get("prs_state"):
                vals.setdefault("state", PRS_TO_ODOO_STATE[vals["prs_state"]])
            else:
                vals["prs_state"] = ODOO_TO_PRS_STATE[vals.get("state") or "open"]
            vals.setdefault("prs_state_changed_at", now)
        return super().create(vals_list)

    def write(self, vals):
        if "prs_state" in vals:
            vals = dict(vals, prs_state_changed_at=fields.Datetime.now())
            vals.setdefault("state", PRS_TO_ODOO_STATE[vals["prs_state"]])
            changed = self.filtered(lambda r: r.prs_state != vals["prs_state"])
            # a seat freed by a real confirmed registration goes to the waitlist
            freed = changed.filtered(lambda r: r.prs_state == "confirmed" and not r.prs_is_test)
            res = super().write(vals)
            if not self.env.context.get("prs_no_mail"):
                changed._prs_send_state_mail()
            if freed:
                freed.event_id._prs_promote_waitlist()
            return res
        if vals.get("state") in ODOO_TO_PRS_STATE:
            # Odoo's own buttons (confirm, cancel, reset, attended) move the PRS state.
            target = ODOO_TO_PRS_STATE[vals["state"]]
            moved = self.filtered(lambda r: PRS_TO_ODOO_STATE[r.prs_state] != vals["state"])
            if vals["state"] == "done":  # attended: still a confirmed registration
                moved = moved.filtered(lambda r: r.prs_state != "confirmed")
            res = super().write(vals)
            if moved:
                moved.write({"prs_state": target, "state": vals["state"]})
            return res
        return super().write(vals)

    def _prs_send_state_mail(self):
        """Send the mail template matching each registration's (new) PRS state."""
        for registration in self.filtered(lambda r: r.email and not r.prs_is_test):
            xmlid = STATE_MAIL_TEMPLATES.get(registration.prs_state)
            template = xmlid and self.env.ref(xmlid, raise_if_not_found=False)
            if template:
                # sudo: coordinators may not read mail templates; the template is ours
                # and rendered for this one registration they are allowed to act on.
                template_sudo = template.sudo()
                template_sudo.send_mail(registration.id, force_send=False)

    # ------------------------------------------------------------------
    # Capacity
    # ------------------------------------------------------------------

    @api.model
    def _prs_count_by_state(self, programs, states):
        """``{(program id, prs_state): count}`` of non-test registrations."""
        # sudo: capacity counts every registration of the program, also those the
        # current user's record rules hide; only counts leave this method.
        groups = self.sudo()._read_group(
            [
                ("event_id", "in", programs.ids),
                ("prs_state", "in", list(states)),
                ("prs_is_test", "=", False),
            ],
            ["event_id", "prs_state"],
            ["__count"],
        )
        return {(program.id, state): count for program, state, count in groups}

    @api.model
    def _prs_capacity_left(self, program, counts):
        """Seats left (None: unlimited) and waitlist places left (None: unlimited)."""
        seats = None
        if program.seats_limited and program.seats_max:
            seats = program.seats_max - counts.get((program.id, "confirmed"), 0)
        waitlist = 0
        if program.prs_waitlist_allowed:
            waitlist = None
            if program.prs_waitlist_max:
                waitlist = program.prs_waitlist_max - counts.get((program.id, "waitlisted"), 0)
        return seats, waitlist

    # ------------------------------------------------------------------
    # Lifecycle
    # ------------------------------------------------------------------

    def _prs_check_states(self, allowed, action):
        wrong = self.filtered(lambda r: r.prs_state not in allowed)
        if wrong:
            states = dict(self._fields["prs_state"]._description_selection(self.env))
            raise UserError(
                _(
                    "Cannot %(action)s %(names)s: the registration is %(state)s.",
                    action=action,
                    names=", ".join(wrong.mapped("display_name")),
                    state=states[wrong[0].prs_state],
                )
            )

    def action_prs_submit(self):
        """Mark in-progress registrations (or reopened ones) as submitted."""
        self._prs_check_states({"in_progress", "changes_requested"}, _("submit"))
        self.write(
            {
                "prs_state": "submitted",
                "next_step_id": False,
                "reopened_step_ids": [fields.Command.clear()],
                "prs_submitted_at": fields.Datetime.now(),
            }
        )
        return True

    def action_prs_confirm(self):
        """Confirm; beyond capacity go to the waitlist when allowed, else refuse."""
        self._prs_check_states({"submitted", "waitlisted"}, _("confirm"))
        counts = self._prs_count_by_state(self.event_id, {"confirmed", "waitlisted"})
        to_confirm, to_waitlist = self.browse(), self.browse()
        for registration in self.sorted(lambda r: (r.prs_state_changed_at or r.create_date, r.id)):
            program = registration.event_id
            if registration.prs_is_test:
                to_confirm |= registration
                continue
            seats, waitlist = self._prs_capacity_left(program, counts)
            if seats is None or seats > 0:
                to_confirm |= registration
                counts[(program.id, "confirmed")] = counts.get((program.id, "confirmed"), 0) + 1
                if registration.prs_state == "waitlisted":
                    counts[(program.id, "waitlisted")] -= 1
            elif registration.prs_state == "waitlisted":
                continue  # stays on the waitlist
            elif waitlist is None or waitlist > 0:
                to_waitlist |= registration
                counts[(program.id, "waitlisted")] = counts.get((program.id, "waitlisted"), 0) + 1
            else:
                raise UserError(
                    _(
                        "The program %s is full and its waitlist is full or not allowed.",
                        program.display_name,
                    )
                )
        to_confirm.write({"prs_state": "confirmed"})
        to_waitlist.write({"prs_state": "waitlisted"})
        return True

    def action_prs_waitlist(self):
        self._prs_check_states({"submitted"}, _("waitlist"))
        counts = self._prs_count_by_state(self.event_id, {"waitlisted"})
        for registration in self.filtered(lambda r: not r.prs_is_test):
            program = registration.event_id
            __, waitlist = self._prs_capacity_left(program, counts)
            if waitlist is not None and waitlist <= 0:
                raise UserError(
                    _("The waitlist of %s is full or not allowed.", program.display_name)
                )
            counts[(program.id, "waitlisted")] = counts.get((program.id, "waitlisted"), 0) + 1
        self.write({"prs_state": "waitlisted"})
        return True

    def action_prs_reject(self):
        self._prs_check_states(
            {"in_progress", "submitted", "changes_requested", "waitlisted"}, _("reject")
        )
        self.write({"prs_state": "rejected"})
        return True

    def action_prs_cancel(self):
        """Cancel; each confirmed seat freed promotes the oldest waitlisted registration."""
        self._prs_check_states(
            {"in_progress", "submitted", "changes_requested", "waitlisted", "confirmed"},
            _("cancel"),
        )
        self.write({"prs_state": "cancelled"})
        return True

    def action_prs_request_changes(self):
        self._prs_check_states({"submitted", "waitlisted"}, _("request changes of"))
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "prs_registration.event_registration_request_changes_action"
        )
        action["context"] = {"default_registration_ids": self.ids}
        return action

    def _prs_request_changes(self, steps, message):
        """Reopen ``steps`` of each registration and tell the participant why."""
        self._prs_check_states({"submitted", "waitlisted"}, _("request changes of"))
        for registration in self:
            reopened = steps.filtered(lambda s, r=registration: s.flow_id == r.flow_id)
            if not reopened:
                raise UserError(
                    _("Choose at least one step of the flow of %s.", registration.display_name)
                )
            registration.write(
                {
                    "reopened_step_ids": [fields.Command.set(reopened.ids)],
                    "next_step_id": reopened.sorted(lambda s: (s.sequence, s.id))[:1].id,
                    "prs_changes_message": message,
                    "prs_state": "changes_requested",
                }
            )
            registration.message_post(
                body=Markup("<p>%s</p><p>%s</p>")
                % (
                    _("Changes requested on: %s", ", ".join(reopened.mapped("name"))),
                    message or "",
                ),
                subtype_xmlid="mail.mt_note",
            )
        return True

    # ------------------------------------------------------------------
    # Intake (the RPC contract of DESIGN.md "Intake contract")
    # ------------------------------------------------------------------

    @api.model
    def prs_submit(self, payload):
        """Validate and store the answers of one step; see README "Intake contract".

        :return: ``{"ok": True, "registration_id": int, "next_step_id": int|False}`` or
            ``{"ok": False, "errors": [{"field", "code", "message"}]}``
        """
        if not (self.env.su or self.env.user.has_group("prs_base.group_prs_api")):
            raise AccessError(_("Only the API integration user may submit registrations."))
        # sudo: the caller is the API integration user, whose group has no other access
        # on purpose; everything below reads/writes only the program, flow, step and
        # registration named in the payload, after checking them.
        self_sudo = self.sudo()
        errors = intake.check_payload(payload, max_bytes=self._prs_max_payload_bytes())
        if errors:
            return {"ok": False, "errors": errors}
        submission_id = payload["submission_id"]
        payload_hash = intake.fingerprint(payload)
        # Serialise calls carrying the same submission id: a second concurrent call waits
        # here until the first commits, then finds its stored result below.
        self.env.cr.execute("SELECT pg_advisory_xact_lock(hashtext(%s))", [submission_id])
        replay = self_sudo._prs_replay(submission_id, payload_hash)
        if replay:
            return replay
        try:
            with self.env.cr.savepoint():
                return self_sudo._prs_intake(payload, payload_hash)
        except IntakeError as exc:
            return {"ok": False, "errors": exc.errors}
        except psycopg2.IntegrityError:
            # the unique submission id won a race the advisory lock did not cover
            replay = self_sudo._prs_replay(submission_id, payload_hash)
            if not replay:
                # The winner committed after this transaction's snapshot was taken (before
                # the advisory lock): read its stored result in a fresh transaction.
                with self.pool.cursor() as fresh_cr:
                    replay = self_sudo.with_env(self_sudo.env(cr=fresh_cr))._prs_replay(
                        submission_id, payload_hash
                    )
            if replay:
                return replay
            _logger.exception("prs_submit: integrity error for %s", submission_id)
            return self._prs_error("conflict", _("The submission conflicts with another one."))
        except PrsConfigurationError as exc:
            _logger.error("prs_submit: %s", exc.args[0] if exc.args else exc)
            return self._prs_error("configuration", str(exc.args[0] if exc.args else exc))
        except (UserError, ValidationError) as exc:
            return self._prs_error("invalid", str(exc.args[0] if exc.args else exc))
        except psycopg2.OperationalError as exc:
            if exc.pgcode in PG_CONCURRENCY_ERRORS_TO_RETRY:
                # a concurrent call changed the same rows: let Odoo's RPC layer retry the
                # whole call in a new transaction (it then finds the stored result)
                raise
            _logger.exception("prs_submit: database failure for %s", submission_id)
            return self._prs_error(
                "internal_error", _("The submission could not be stored; nothing was saved.")
            )
        except Exception:
            _logger.exception("prs_submit: unexpected failure for %s", submission_id)
            return self._prs_error(
                "internal_error", _("The submission could not be stored; nothing was saved.")
            )

    @api.model
    def _prs_error(self, code, message, field=False):
        return {"ok": False, "errors": [intake.error(code, message, field)]}

    @api.model
    def _prs_max_payload_bytes(self):
        # sudo: a technical setting, read by the API user who has no access to it
        value = self.env["ir.config_parameter"].sudo().get_param("prs_registration.max_payload")
        try:
            return int(value) if value else intake.MAX_PAYLOAD_BYTES
        except ValueError:
            return intake.MAX_PAYLOAD_BYTES

    @api.model
    def _prs_replay(self, submission_id, payload_hash):
        """The stored result of an accepted submission id, or an error for another body."""
        submission = self.env["event.registration.submission"].search(
            [("submission_id", "=", submission_id)], limit=1
        )
        if not submission:
            return None
        if submission.payload_hash != payload_hash:
            return self._prs_error(
                "duplicate_submission",
                _("The submission id %s was already used with another payload.", submission_id),
            )
        return submission.result

    @api.model
    def _prs_intake(self, payload, payload_hash):
        program, flow, step = self._prs_intake_resolve(payload)
        registration = self._prs_intake_registration(payload, program, flow)
        version = self._prs_intake_version(step, payload["form_version"])
        tree = self._prs_version_tree(version)
        self._prs_intake_navigation(registration, flow, step)
        if not registration:
            self._prs_intake_capacity(program, payload.get("test", False))
        values = self._prs_intake_validate(step, tree, payload["answers"])
        if not registration:
            registration = self.create(
                {
                    "event_id": program.id,
                    "flow_id": flow.id,
                    "prs_state": "in_progress",
                    "prs_is_test": payload.get("test", False),
                    "answers": {},
                    "step_versions": {},
                }
            )
        registration._prs_store_step(step, version, tree, values)
        next_step = registration.next_step_id
        result = {
            "ok": True,
            "registration_id": registration.id,
            "next_step_id": next_step.id or False,
        }
        self.env["event.registration.submission"].create(
            {
                "submission_id": payload["submission_id"],
                "registration_id": registration.id,
                "step_id": step.id,
                "form_version": payload["form_version"],
                "payload_hash": payload_hash,
                "result": result,
            }
        )
        self.env.flush_all()
        return result

    @api.model
    def _prs_intake_resolve(self, payload):
        program = self.env["event.event"].browse(payload["program_id"]).exists()
        if not program or not program.prs_is_program:
            raise IntakeError([intake.error("unknown_program", _("There is no such program."))])
        flow = self.env["event.flow"].browse(payload["flow_id"]).exists()
        if not flow or flow.event_id != program:
            raise IntakeError([intake.error("unknown_flow", _("The program has no such flow."))])
        if flow.state != "published" or not flow.active:
            raise IntakeError(
                [intake.error("not_published", _("The flow %s is not published.", flow.code))]
            )
        step = self.env["event.flow.step"].browse(payload["step_id"]).exists()
        if not step or step.flow_id != flow:
            raise IntakeError([intake.error("unknown_step", _("The flow has no such step."))])
        is_open, reason = program._prs_is_open()
        if not is_open:
            raise IntakeError([intake.error("closed", reason)])
        return program, flow, step

    @api.model
    def _prs_intake_registration(self, payload, program, flow):
        if not payload.get("registration_id"):
            return self.browse()
        registration = self.browse(payload["registration_id"]).exists()
        if not registration or registration.event_id != program or registration.flow_id != flow:
            raise IntakeError(
                [
                    intake.error(
                        "unknown_registration",
                        _("There is no such registration in this program and flow."),
                    )
                ]
            )
        if registration.prs_state not in ("in_progress", "changes_requested"):
            raise IntakeError(
                [
                    intake.error(
                        "registration_closed",
                        _(
                            "The registration takes no more answers (it is %s).",
                            registration.prs_state,
                        ),
                    )
                ]
            )
        return registration

    @api.model
    def _prs_intake_version(self, step, number):
        """The published form version named by the payload, when the step has a form."""
        form = step.form_id
        if not form:
            return self.env["form.form.version"]
        if form.state != "published" or not form.current_version_id:
            raise IntakeError(
                [intake.error("not_published", _("The form of this step is not published."))]
            )
        version = form.version_ids.filtered(lambda v: v.version == number)
        if not version or not self._prs_version_accepted(form, version):
            raise IntakeError(
                [
                    intake.error(
                        "unknown_version",
                        _(
                            "Form version %(version)s is not accepted; the current version "
                            "is %(current)s.",
                            version=number,
                            current=form.current_version_id.version,
                        ),
                    )
                ]
            )
        return version

    @api.model
    def _prs_version_tree(self, version, lang=None):
        """The tree of a published version (labels in ``lang`` when translated)."""
        if not version:
            return {}
        return version._prs_get_tree(lang=lang) or {}

    @api.model
    def _prs_version_accepted(self, form, version):
        """The current version, or an older one superseded less than the grace period ago."""
        if version == form.current_version_id:
            return True
        if "active" in version._fields and not version.active:
            return False
        if version.version > form.current_version_id.version:
            return False
        # sudo: a technical setting, read by the API user who has no access to it
        param = (
            self.env["ir.config_parameter"]
            .sudo()
            .get_param("prs_registration.version_grace_minutes")
        )
        try:
            grace = int(param) if param else DEFAULT_VERSION_GRACE_MINUTES
        except ValueError:
            grace = DEFAULT_VERSION_GRACE_MINUTES
        newer = form.version_ids.filtered(lambda v: v.version > version.version)
        superseded_at = min(newer.mapped("published_at") or [fields.Datetime.now()])
        return fields.Datetime.now() <= superseded_at + timedelta(minutes=grace)

    @api.model
    def _prs_intake_navigation(self, registration, flow, step):
        answers = registration._prs_plain_answers() if registration else {}
        if registration.prs_state == "changes_requested":
            nav = flow._prs_navigation(answers)
            expected = registration.reopened_step_ids
        else:
            nav = flow._prs_navigation(answers, current_step=registration.current_step_id or None)
            expected = nav["next_step"]
        if step not in nav["steps"]:
            raise IntakeError(
                [
                    intake.error(
                        "step_skipped",
                        _("The step %s is skipped for these answers.", step.code),
                    )
                ]
            )
        if step not in expected:
            raise IntakeError(
                [
                    intake.error(
                        "step_order",
                        _(
                            "The step %(step)s is not the next one (expected: %(expected)s).",
                            step=step.code,
                            expected=", ".join(expected.mapped("code")) or _("none"),
                        ),
                    )
                ]
            )

    @api.model
    def _prs_intake_capacity(self, program, is_test):
        if is_test:
            return
        counts = self._prs_count_by_state(program, {"confirmed", "waitlisted"})
        seats, waitlist = self._prs_capacity_left(program, counts)
        if seats is not None and seats <= 0 and waitlist is not None and waitlist <= 0:
            raise IntakeError(
                [intake.error("full", _("The program %s is full.", program.display_name))]
            )

    @api.model
    def _prs_get_masters(self, tree):
        """``{master code: set of values}`` for the masters the tree refers to."""
        codes = {field.get("master") for __, __, field in iter_tree_fields(tree)} - {None, ""}
        if not codes or "prs.master" not in self.env:
            return {}
        return self.env["prs.master"]._prs_allowed_values(codes)

    @api.model
    def _prs_master_labels(self, trees):
        """``{master code: {value: label}}`` for the master-backed fields of ``trees``."""
        codes = {
            field.get("master")
            for tree in trees
            for __, __, field in iter_tree_fields(tree)
            if field.get("master")
        }
        if not codes or "prs.master.item" not in self.env:
            return {}
        # sudo: master items are public reference data (countries, languages, ...).
        items = (
            self.env["prs.master.item"]
            .sudo()
            .with_context(active_test=False)
            .search_read([("master_code", "in", list(codes))], ["master_code", "value", "label"])
        )
        labels = {}
        for item in items:
            labels.setdefault(item["master_code"], {})[item["value"]] = item["label"]
        return labels

    @api.model
    def _prs_intake_validate(self, step, tree, answers):
        from odoo.addons.prs_form_builder.tools import validation

        if not step.form_id:
            if answers:
                raise IntakeError([intake.error("unknown_field", _("This step takes no answers."))])
            return {}
        values, errors = validation.validate_answers(
            tree, answers, masters=self._prs_get_masters(tree)
        )
        if errors:
            raise IntakeError(errors)
        return values

    def _prs_store_step(self, step, version, tree, values):
        """Store one step's validated answers: files, encryption, static columns, next."""
        self.ensure_one()
        fields_by_code = {field["code"]: field for __, __, field in iter_tree_fields(tree)}
        values = dict(values)
        codes = privacy.sensitive_codes(tree)
        for code, value in values.items():
            if fields_by_code.get(code, {}).get("type") == "file" and value:
                values[code] = self._prs_store_files(value, encrypt=code in codes)
        stored = values
        if codes & set(values):
            stored = privacy.encrypt_answers(self._prs_fernet(), values, codes)
        answers = dict(self.answers or {}, **{step.code: stored})
        step_versions = dict(self.step_versions or {})
        if version:
            step_versions[step.code] = version.version
        vals = {
            "answers": answers,
            "step_versions": step_versions,
            "current_step_id": step.id,
        }
        vals.update(self._prs_static_values(fields_by_code, values, codes))
        plain = dict(self._prs_plain_answers(), **{step.code: values})
        if self.prs_state == "changes_requested":
            remaining = (self.reopened_step_ids - step).sorted(lambda s: (s.sequence, s.id))
            vals["reopened_step_ids"] = [fields.Command.set(remaining.ids)]
            next_step = remaining[:1]
        else:
            next_step = self.flow_id._prs_navigation(plain, current_step=step)["next_step"]
        vals["next_step_id"] = next_step.id
        if not next_step:
            vals.update(prs_state="submitted", prs_submitted_at=fields.Datetime.now())
        self.write(vals)

    def _prs_store_files(self, value, encrypt=False):
        """Store file answers as attachments; keep only references in the answers.

        Files of sensitive fields are stored encrypted (the attachment holds the Fernet
        token); ``_prs_read_sensitive_file`` decrypts them for users with the reveal right.
        """
        files = value if isinstance(value, list) else [value]
        fernet = self._prs_fernet() if encrypt else None
        refs = []
        for file in files:
            if not isinstance(file, dict) or "data" not in file:
                refs.append(file)
                continue
            try:
                raw = base64.b64decode(file["data"], validate=True)
            except (binascii.Error, ValueError, TypeError) as exc:
                raise IntakeError([intake.error("type", _("A file is not valid base64."))]) from exc
            name = file.get("name") or "file"
            mimetype = file.get("mimetype") or "application/octet-stream"
            attachment = self.env["ir.attachment"].create(
                {
                    "name": f"{name}.enc" if fernet else name,
                    "mimetype": "application/octet-stream" if fernet else mimetype,
                    "raw": fernet.encrypt(raw) if fernet else raw,
                    "res_model": self._name,
                    "res_id": self.id,
                }
            )
            ref = {
                "attachment_id": attachment.id,
                "name": name,
                "mimetype": mimetype,
                "size": len(raw),
            }
            if fernet:
                ref["encrypted"] = True
            refs.append(ref)
        return refs if isinstance(value, list) else refs[0]

    @api.model
    def _prs_static_values(self, fields_by_code, values, sensitive):
        """Column values from fields mapped to static columns (never sensitive ones)."""
        vals = {}
        for code, field in fields_by_code.items():
            column = STATIC_COLUMNS.get(field.get("maps_to") or "")
            if not column or code in sensitive or code not in values:
                continue
            value = values[code]
            if isinstance(value, list):
                value = ", ".join(str(v) for v in value)
            elif isinstance(value, bool):
                value = value and _("Yes") or False
            if self._fields[column].type == "date":
                value = value or False
            else:
                value = False if value in (None, "") else str(value)
            vals[column] = value
        if "name" not in vals and (vals.get("prs_first_name") or vals.get("prs_last_name")):
            vals["name"] = " ".join(
                filter(None, [vals.get("prs_first_name"), vals.get("prs_last_name")])
            )
        return vals

    # ------------------------------------------------------------------
    # Privacy
    # ------------------------------------------------------------------

    @api.model
    def _prs_fernet(self):
        try:
            return privacy.get_fernet(config.misc)
        except privacy.KeyMissingError as exc:
            raise PrsConfigurationError(str(exc)) from exc

    def _prs_plain_answers(self):
        """Answers per step with sensitive values decrypted (needs the key)."""
        self.ensure_one()
        # sudo: answers are restricted to coordinators at field level; callers are the
        # intake (already sudo) and methods that check the reveal right themselves.
        answers = self.sudo().answers or {}
        encrypted = any(
            privacy.is_encrypted(value)
            for step_answers in answers.values()
            for value in (step_answers or {}).values()
        )
        if not encrypted:
            return {code: dict(step_answers or {}) for code, step_answers in answers.items()}
        fernet = self._prs_fernet()
        return {
            code: privacy.decrypt_answers(fernet, step_answers or {})
            for code, step_answers in answers.items()
        }

    @api.depends("answers")
    def _compute_prs_has_sensitive(self):
        for registration in self:
            # sudo: only tells whether encrypted values exist, never reads them
            registration.prs_has_sensitive = any(
                privacy.is_encrypted(value)
                for step_answers in (registration.sudo().answers or {}).values()
                for value in (step_answers or {}).values()
            )

    def _prs_can_reveal(self):
        """True when the user has the reveal right and revealed this record recently."""
        self.ensure_one()
        if not self.env.context.get("prs_reveal") or not self.env.user.has_group(
            "prs_registration.group_prs_reveal"
        ):
            return False
        # sudo: the user's own recent reveal, in a log only administrators read
        return bool(
            self.env["prs.reveal.log"]
            .sudo()
            .search_count(
                [
                    ("registration_id", "=", self.id),
                    ("user_id", "=", self.env.uid),
                    ("create_date", ">=", fields.Datetime.now() - REVEAL_WINDOW),
                ],
                limit=1,
            )
        )

    def action_prs_reveal(self):
        """Log the reveal of the sensitive answers, post it, and show them."""
        self.ensure_one()
        if not self.env.user.has_group("prs_registration.group_prs_reveal"):
            raise AccessError(_("You are not allowed to reveal sensitive answers."))
        self._prs_log_reveal(_("Form view"))
        return {
            "type": "ir.actions.act_window",
            "name": _("Revealed answers"),
            "res_model": self._name,
            "res_id": self.id,
            "view_mode": "form",
            "views": [
                (self.env.ref("prs_registration.event_registration_view_form_reveal").id, "form")
            ],
            "target": "new",
            "context": {"prs_reveal": True},
        }

    def _prs_read_sensitive_file(self, attachment_id):
        """``(name, mimetype, bytes)`` of an encrypted file answer; needs the reveal right
        and logs the reveal."""
        self.ensure_one()
        if not self.env.user.has_group("prs_registration.group_prs_reveal"):
            raise AccessError(_("You are not allowed to reveal sensitive answers."))
        self.check_access_rights("read")
        self.check_access_rule("read")
        fernet = self._prs_fernet()
        for step_answers in self._prs_plain_answers().values():
            for value in step_answers.values():
                for ref in value if isinstance(value, list) else [value]:
                    if (
                        isinstance(ref, dict)
                        and ref.get("encrypted")
                        and ref.get("attachment_id") == attachment_id
                    ):
                        # sudo: the attachment belongs to this registration, which the
                        # user may read and reveal (checked above).
                        attachment = self.env["ir.attachment"].sudo().browse(attachment_id)
                        if attachment.res_model != self._name or attachment.res_id != self.id:
                            break
                        self._prs_log_reveal(_("File %s", ref.get("name")))
                        return ref.get("name"), ref.get("mimetype"), fernet.decrypt(attachment.raw)
        raise AccessError(_("This file is not a sensitive answer of this registration."))

    def _prs_log_reveal(self, purpose):
        """Log (model + chatter) that the current user revealed these sensitive answers."""
        logs = self.env["prs.reveal.log"]
        for registration in self:
            # sudo: only the codes of the encrypted answers are read
            codes = sorted(
                {
                    code
                    for step_answers in (registration.sudo().answers or {}).values()
                    for code, value in (step_answers or {}).items()
                    if privacy.is_encrypted(value)
                }
            )
            # sudo: the log is append-only for everyone; only administrators read it.
            logs |= logs.sudo().create(
                {
                    "registration_id": registration.id,
                    "user_id": self.env.uid,
                    "field_codes": ", ".join(codes),
                    "purpose": purpose,
                }
            )
            registration.message_post(
                body=_(
                    "Sensitive answers (%(codes)s) revealed by %(user)s (%(purpose)s).",
                    codes=", ".join(codes) or _("none"),
                    user=self.env.user.name,
                    purpose=purpose,
                ),
                subtype_xmlid="mail.mt_note",
            )
        return logs

    # ------------------------------------------------------------------
    # Review
    # ------------------------------------------------------------------

    def _prs_step_trees(self):
        """``{step code: tree}`` of the form versions the steps were answered with."""
        self.ensure_one()
        versions = self.step_versions or {}
        steps = self.flow_id.step_ids.filtered(lambda s: s.form_id and s.code in versions)
        # sudo: the published trees are configuration, readable by any reviewer.
        all_versions = (
            self.env["form.form.version"].sudo().search([("form_id", "in", steps.form_id.ids)])
        )
        trees = {}
        for step in steps:
            version = all_versions.filtered(
                lambda v, s=step: v.form_id == s.form_id and v.version == versions[s.code]
            )[:1]
            if version:
                trees[step.code] = self._prs_version_tree(version, lang=self.env.lang)
        return trees

    @api.depends("answers", "step_versions", "flow_id")
    @api.depends_context("prs_reveal", "uid", "lang")
    def _compute_prs_review_html(self):
        for registration in self:
            registration.prs_review_html = registration._prs_render_answers()

    def _prs_display_value(self, field, value, reveal, master_labels=None):
        """One answer as escaped HTML: choice labels, files, booleans, masks."""
        if privacy.is_encrypted(value):
            if not reveal:
                return Markup('<span class="text-muted">%s</span>') % privacy.MASK
            value = privacy.decrypt_value(self._prs_fernet(), value)
        labels = {str(c.get("value")): c.get("label") for c in field.get("choices") or []}
        labels.update((master_labels or {}).get(field.get("master"), {}))
        ftype = field.get("type")
        if ftype == "file":
            files = value if isinstance(value, list) else [value]
            return Markup(", ").join(
                Markup('<a href="%s">%s</a>')
                % (
                    f"/prs_registration/file/{self.id}/{f.get('attachment_id')}"
                    if f.get("encrypted")
                    else f"/web/content/{f.get('attachment_id')}?download=true",
                    f.get("name"),
                )
                for f in files
                if isinstance(f, dict)
            )
        if ftype in ("boolean", "consent"):
            if ftype == "consent":
                return escape(_("Accepted") if value else _("Not accepted"))
            return escape(_("Yes") if value else _("No"))
        if isinstance(value, list):
            return escape(", ".join(str(labels.get(str(v), v)) for v in value))
        if value is None or value == "":
            return Markup('<span class="text-muted">-</span>')
        return escape(str(labels.get(str(value), value)))

    def _prs_render_answers(self):
        """The answers laid out like the form: steps, pages, sections, labels, values."""
        from odoo.addons.prs_form_builder.tools import expression

        self.ensure_one()
        # sudo: the review field is itself restricted to coordinators; sensitive values
        # stay masked unless _prs_can_reveal()
        answers = self.sudo().answers or {}
        if not answers:
            return Markup('<p class="text-muted">%s</p>') % _("No answers yet.")
        reveal = self._prs_can_reveal()
        trees = self._prs_step_trees()
        master_labels = self._prs_master_labels(trees.values())
        parts = []
        for step in self.flow_id.step_ids.sorted(lambda s: (s.sequence, s.id)):
            if step.code not in answers or step.code not in trees:
                continue
            step_answers = answers[step.code] or {}
            # conditions read the plain answers only when they do not involve sensitive
            # values (encrypted values evaluate as objects, i.e. truthy)
            context = {
                code: value
                for code, value in step_answers.items()
                if not privacy.is_encrypted(value)
            }
            parts.append(Markup('<h3 class="o_prs_step">%s</h3>') % step.name)
            for page in trees[step.code].get("pages") or []:
                if not expression.is_true(page.get("condition"), context):
                    continue
                page_parts = []
                for section in page.get("sections") or []:
                    if not expression.is_true(section.get("condition"), context):
                        continue
                    rows = [
                        Markup("<tr><th>%s</th><td>%s</td></tr>")
                        % (
                            field.get("label") or field["code"],
                            self._prs_display_value(
                                field, step_answers[field["code"]], reveal, master_labels
                            ),
                        )
                        for field in section.get("fields") or []
                        if field.get("type") not in ("hidden", "static")
                        and field["code"] in step_answers
                    ]
                    if rows:
                        page_parts.append(
                            Markup('<h5 class="o_prs_section">%s</h5>')
                            % (section.get("title") or "")
                            + Markup('<table class="table table-sm o_prs_answers">%s</table>')
                            % Markup("").join(rows)
                        )
                if page_parts:
                    parts.append(
                        Markup('<h4 class="o_prs_page">%s</h4>') % (page.get("title") or "")
                        + Markup("").join(page_parts)
                    )
        return Markup('<div class="o_prs_review">%s</div>') % Markup("").join(parts)

    # ------------------------------------------------------------------
    # Export
    # ------------------------------------------------------------------

    def _prs_export_columns(self):
        """Field codes in order of first appearance over every version of the forms of
        the exported flows (steps in flow order, versions oldest first): the columns do
        not move when a form gets a new version."""
        codes = []
        # sudo: published trees are configuration, read to name the columns.
        versions = (
            self.env["form.form.version"]
            .sudo()
            .search(
                [("form_id", "in", self.flow_id.step_ids.form_id.ids)], order="version asc, id asc"
            )
        )
        for flow in self.flow_id.sorted("id"):
            for step in flow.step_ids.sorted(lambda s: (s.sequence, s.id)):
                for version in versions.filtered(lambda v, s=step: v.form_id == s.form_id):
                    tree = self._prs_version_tree(version)
                    for __, __, field in iter_tree_fields(tree):
                        if field.get("type") != "static" and field["code"] not in codes:
                            codes.append(field["code"])
        return codes

    def _prs_export_table(self, reveal=False):
        """Return ``(header, rows)``; sensitive values masked unless ``reveal``."""
        static = [
            ("id", _("ID")),
            ("event_id", _("Program")),
            ("flow_id", _("Flow")),
            ("prs_state", _("Registration State")),
            ("prs_is_test", _("Test")),
            ("name", _("Name")),
            ("email", _("Email")),
            ("phone", _("Phone")),
            ("company_name", _("Company")),
            ("prs_first_name", _("First Name")),
            ("prs_last_name", _("Last Name")),
            ("prs_country_code", _("Country")),
            ("prs_city", _("City")),
            ("prs_language", _("Language")),
            ("prs_gender", _("Gender")),
            ("prs_birthdate", _("Date of Birth")),
            ("prs_submitted_at", _("Submitted On")),
        ]
        codes = self._prs_export_columns()
        header = [label for __, label in static] + codes
        states = dict(self._fields["prs_state"]._description_selection(self.env))
        fernet = None
        rows = []
        for registration in self.sorted("id"):
            row = []
            for fname, __ in static:
                value = registration[fname]
                if fname == "prs_state":
                    value = states.get(value, value)
                elif isinstance(value, models.BaseModel):
                    value = value.display_name or ""
                elif fname == "prs_is_test":
                    value = _("Yes") if value else _("No")
                elif value is False or value is None:
                    value = ""
                elif not isinstance(value, int | float | str):
                    value = str(value)
                row.append(value)
            merged = {}
            # sudo: the record was read above with the user's rights (static columns);
            # sensitive values stay masked unless revealed (right checked by the wizard)
            for step_answers in (registration.sudo().answers or {}).values():
                for code, value in (step_answers or {}).items():
                    merged.setdefault(code, value)
            for code in codes:
                value = merged.get(code, "")
                if privacy.is_encrypted(value):
                    if reveal:
                        fernet = fernet or self._prs_fernet()
                        value = privacy.decrypt_value(fernet, value)
                    else:
                        value = privacy.MASK
                row.append(self._prs_export_cell(value))
            rows.append(row)
        return header, rows

    @api.model
    def _prs_export_cell(self, value):
        if isinstance(value, dict):
            return value.get("name") or ""
        if isinstance(value, list):
            return "; ".join(str(self._prs_export_cell(v)) for v in value)
        if value is None:
            return ""
        if isinstance(value, bool):
            return _("Yes") if value else _("No")
        return value

    def action_prs_export(self):
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "prs_registration.event_registration_export_action"
        )
        action["context"] = {"default_registration_ids": self.ids}
        return action
