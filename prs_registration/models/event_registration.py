import base64
import binascii
import functools
import logging
import re
import time
from datetime import timedelta

import psycopg2
from markupsafe import Markup

from odoo import _, api, fields, models
from odoo.exceptions import AccessError, UserError, ValidationError
from odoo.http import request
from odoo.osv import expression
from odoo.service.model import PG_CONCURRENCY_ERRORS_TO_RETRY
from odoo.tools import SQL, config, split_every
from odoo.tools.sql import create_index

from odoo.addons.prs_base.tools.config import param_int
from odoo.addons.prs_form_builder.tools import form_tree, validation

from ..tools import (
    caller,
    capacity,
    contacts,
    export,
    file_content,
    intake,
    privacy,
    review,
    tree_cache,
)
from ..tools.intake import IntakeError
from .event_registration_mixin import PRS_TO_ODOO_STATE

# capacity counts by program and state (``EventRegistration.init``)
CAPACITY_INDEX = "event_registration_prs_capacity_index"

_logger = logging.getLogger(__name__)

ODOO_TO_PRS_STATE = {
    "draft": "submitted",
    "open": "confirmed",
    "done": "confirmed",
    "cancel": "cancelled",
}
# states that hold a seat or a waitlist place (the program's capacity state counts them)
CAPACITY_STATES = ("confirmed", "waitlisted")
STATE_MAIL_TEMPLATES = {
    "confirmed": "prs_registration.mail_template_registration_confirmed",
    "waitlisted": "prs_registration.mail_template_registration_waitlisted",
    "rejected": "prs_registration.mail_template_registration_rejected",
    "changes_requested": "prs_registration.mail_template_registration_changes_requested",
    # the receipt of the last step (no answer in it: README "Access")
    "submitted": "prs_registration.mail_template_registration_submitted",
    "cancelled": "prs_registration.mail_template_registration_cancelled",
}
# what a reject or a cancel may leave: the states they start from
REJECTABLE_STATES = frozenset({"in_progress", "submitted", "changes_requested", "waitlisted"})
CANCELLABLE_STATES = REJECTABLE_STATES | {"confirmed"}
# Lifecycle and answer fields of a program's registration: written by the intake and
# the review actions only (which check the caller's right, then write as superuser),
# never directly over RPC (that would skip validation, capacity and the audit trail).
PRS_ACTION_FIELDS = frozenset(
    {
        "prs_state",
        "state",
        "answers",
        "step_versions",
        "step_dates",
        "prs_is_test",
        "event_id",
        "flow_id",
        "current_step_id",
        "next_step_id",
        "reopened_step_ids",
        "prs_submitted_at",
        "prs_state_changed_at",
        "prs_changes_message",
        "prs_changes_deadline",
        # where a resubmission returns (a waitlisted registration: to its old place)
        "prs_changes_from_state",
        "prs_changes_from_changed_at",
        "prs_submitted_date",
        "prs_reason",
        "prs_cancelled_by_participant",
        "prs_token_hash",
        # the integration events' counter (README "Redis contract", Events)
        "prs_event_seq",
        # the state mail due after the commit (event_registration_mail.py)
        "prs_mail_pending",
        # archiving frees no seat (capacity counts archived registrations) and
        # unarchiving would take one without Confirm's check (breaker D2)
        "active",
    }
)
# on create, a coordinator picks the program (one he coordinates: record rules) and a
# flow of it for a hand-made registration; its state is the intake's initial one
# (HAND_MADE_STATE) and the answers come from the intake only
PRS_INTAKE_FIELDS = PRS_ACTION_FIELDS - {"event_id", "flow_id", "prs_state", "state", "active"}
# a registration made by hand starts where the intake starts one: in progress, holding
# no seat; it reaches the capacity check through Mark Submitted and Confirm
HAND_MADE_STATE = "in_progress"
REVEAL_WINDOW = timedelta(minutes=15)
# a reason (reject, cancel, request changes) is sent to the participant: characters that
# show nothing do not make one, and it is at most as long as the worker's cancel reason
# (schemas/prs.cancel.request.1.json)
INVISIBLE_CHARACTERS = "\u00a0\u115f\u1160\u180e\u200b\u200c\u200d\u2060\u2800\u3164\ufeff"
INVISIBLE_TABLE = dict.fromkeys(map(ord, INVISIBLE_CHARACTERS))
INVISIBLE_EDGES_RE = re.compile(rf"^[\s{INVISIBLE_CHARACTERS}]+|[\s{INVISIBLE_CHARACTERS}]+$")
REASON_MAX_LENGTH = 2000
DEFAULT_VERSION_GRACE_MINUTES = 60


class PrsConfigurationError(UserError):
    """The server is not configured for this operation (e.g. no encryption key)."""


class EventRegistration(models.Model):
    """Odoo's attendee as a PRS registration: fields and ORM glue here, the logic of
    intake, capacity, review, export and privacy in ``tools/`` (pure Python)."""

    _name = "event.registration"
    _inherit = ["event.registration", "event.registration.mixin"]

    submission_ids = fields.One2many(
        "event.registration.submission", "registration_id", string="Submissions", readonly=True
    )
    prs_changes_message = fields.Text(
        string="Requested Changes",
        copy=False,
        tracking=True,
        help="Message sent to the participant with the request.",
    )
    prs_reason = fields.Text(
        string="Reason",
        copy=False,
        tracking=True,
        help="Why the registration was rejected or cancelled; the participant reads it "
        "in the mail.",
    )
    prs_cancelled_by_participant = fields.Boolean(
        string="Cancelled by Participant",
        copy=False,
        tracking=True,
        help="The participant asked for the cancellation (through the external API).",
    )
    prs_changes_deadline = fields.Datetime(
        string="Changes Deadline",
        copy=False,
        help="Requested changes are answerable until then, even after the registration "
        "window closed (set with the request; default: the program start).",
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
    prs_answer_history_ids = fields.One2many(
        "event.registration.answer.history",
        "registration_id",
        string="Answer History",
        readonly=True,
        groups="prs_base.group_prs_coordinator",
    )
    prs_history_html = fields.Html(
        string="Answer History Diff",
        compute="_compute_prs_history_html",
        sanitize=False,
        groups="prs_base.group_prs_coordinator",
        help="Each replaced answer set against the answers that replaced it, laid out "
        "like the review (escaped; sensitive values always masked).",
    )
    prs_token_hash = fields.Char(
        string="Continuation Token Digest",
        readonly=True,
        copy=False,
        groups="base.group_system",
        help="sha256 of the continuation token returned with the first step (README "
        '"Intake contract"); the token itself is never stored in clear.',
    )

    # core's event_id keeps its database definition (required, so ondelete "restrict",
    # no index): the mixin's cascade and index are for other models using it.
    event_id = fields.Many2one(ondelete="restrict", index=False)

    # ------------------------------------------------------------------
    # State synchronisation with Odoo's own ``state``
    # ------------------------------------------------------------------

    @api.model_create_multi
    def create(self, vals_list):
        now = fields.Datetime.now()
        if not self.env.su:
            for vals in vals_list:
                self._prs_check_action_fields(vals, PRS_INTAKE_FIELDS)
                self._prs_check_hand_made_state(vals)
        for vals in vals_list:
            if vals.get("prs_state"):
                vals.setdefault("state", PRS_TO_ODOO_STATE[vals["prs_state"]])
            else:
                vals["prs_state"] = ODOO_TO_PRS_STATE[vals.get("state") or "open"]
            vals.setdefault("prs_state_changed_at", now)
        registrations = super().create(self._prs_initial_event_seq(vals_list))
        if not self.env.su:
            registrations._prs_check_hand_made()
        if not self.env.context.get("prs_creation_event_deferred"):
            # (the intake emits it with its first step: _prs_store_step)
            registrations._prs_emit_created_events()
        registrations._prs_capacity_touched()._prs_on_capacity_changed()
        return registrations

    @api.model
    def _prs_check_hand_made_state(self, vals):
        """A registration of a program created by hand (not by the intake, which runs as
        superuser) starts in :data:`HAND_MADE_STATE`: any other ``prs_state`` or Odoo
        ``state`` would skip the capacity check of Confirm. Without one, the hand-made
        registration gets that state (not the one Odoo's ``state`` default maps to)."""
        event_id = vals.get("event_id") or self.env.context.get("default_event_id")
        # sudo: only whether the event is a program is read
        if not event_id or not self.env["event.event"].browse(event_id).sudo().prs_is_program:
            return
        initial_odoo = PRS_TO_ODOO_STATE[HAND_MADE_STATE]
        if (
            vals.get("prs_state", HAND_MADE_STATE) != HAND_MADE_STATE
            or vals.get("state", initial_odoo) != initial_odoo
        ):
            raise AccessError(
                _(
                    "A registration of a program created by hand starts in progress; it "
                    "is submitted and confirmed through its actions (capacity is checked "
                    "there)."
                )
            )
        vals["prs_state"] = HAND_MADE_STATE

    def _prs_check_hand_made(self):
        """After a non-superuser create (context defaults included): a program's new
        registration is in its initial state, holds no answers, step or test flag, and
        its flow belongs to its program."""
        # sudo: the values just written are read back to check them (answers included)
        for registration in self.sudo().filtered("event_id.prs_is_program"):
            filled = sorted(
                name
                for name in PRS_INTAKE_FIELDS - {"prs_state_changed_at", "prs_event_seq"}
                if name in registration._fields and registration[name]
            )
            if (
                filled
                or registration.prs_state != HAND_MADE_STATE
                or registration.state != PRS_TO_ODOO_STATE[HAND_MADE_STATE]
                or (registration.flow_id and registration.flow_id.event_id != registration.event_id)
            ):
                raise AccessError(
                    _(
                        "A registration of a program created by hand starts in progress, "
                        "without answers, in a flow of its program; the intake and the "
                        "actions fill the rest."
                    )
                )

    def _prs_capacity_touched(self):
        """Programs where these real registrations hold (or held) a seat or a waitlist
        place: their capacity state may have changed. Plain Odoo events publish nothing:
        their registrations never queue a Redis write."""
        return self.filtered(
            lambda r: not r.prs_is_test and r.prs_state in CAPACITY_STATES
        ).event_id.filtered("prs_is_program")

    @api.ondelete(at_uninstall=False)
    def _unlink_prs_capacity_changed(self):
        """Deleted real registrations free their seat or waitlist place: the programs'
        capacity state follows, as on create and write (the hook only queues work for
        the commit, when these rows are gone)."""
        self._prs_capacity_touched()._prs_on_capacity_changed()

    def _prs_check_action_fields(self, vals, guarded):
        """Refuse a direct (non-superuser) write of lifecycle or answer fields on a
        program's registration, or moving a registration into a program."""
        names = guarded.intersection(vals)
        if not names:
            return
        programs = self.event_id
        if vals.get("event_id"):
            programs |= self.env["event.event"].browse(vals["event_id"])
        # sudo: only whether these events are programs is read
        if any(programs.sudo().mapped("prs_is_program")):
            raise AccessError(
                _(
                    "The fields %s of a program's registration change through its actions "
                    "(confirm, waitlist, reject, cancel, request changes) only.",
                    ", ".join(sorted(names)),
                )
            )

    def _prs_action_write(self, vals):
        """Write lifecycle fields for a review action: the caller must be allowed to
        change these registrations; the write itself runs as superuser because
        :meth:`write` refuses these fields to direct writes."""
        self.check_access_rights("write")
        self.check_access_rule("write")
        # sudo: rights checked just above; the action validated the state change
        return self.sudo().write(vals)

    def write(self, vals):
        if not self.env.su:
            self._prs_check_action_fields(vals, PRS_ACTION_FIELDS)
        if "prs_state" in vals:
            # a registration back on the waitlist after requested changes keeps its
            # place: _prs_store_step gives the time it joined the waitlist
            vals = dict(vals)
            vals.setdefault("prs_state_changed_at", fields.Datetime.now())
            vals.setdefault("state", PRS_TO_ODOO_STATE[vals["prs_state"]])
            changed = self.filtered(lambda r: r.prs_state != vals["prs_state"])
            old_states = {registration.id: registration.prs_state for registration in changed}
            event_seqs, vals = changed._prs_bump_event_seq(vals, self)
            # the state mail is marked in the same UPDATE, rendered after the commit
            vals = changed._prs_mark_state_mail(vals, self)
            # a seat freed by a real confirmed registration goes to the waitlist
            freed = changed.filtered(lambda r: r.prs_state == "confirmed" and not r.prs_is_test)
            touched = changed._prs_capacity_touched()
            res = super().write(vals)
            changed._prs_emit_events("state_changed", event_seqs, old_states)
            (touched | changed._prs_capacity_touched())._prs_on_capacity_changed()
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
        res = super().write(vals)
        if "event_id" in vals and not self.env.su:
            # rules are checked before a write only: the moved registration must still be
            # one the user may change
            self.check_access_rule("write")
        return res

    def _prs_mail_lang(self):
        """The language of the participant's mails (the templates' ``lang``): the
        registration's own ``prs_language`` when it names an installed language
        (``fr_FR``, ``fr-fr`` or ``fr``), else the contact's language, else the
        program's default language."""
        self.ensure_one()
        installed = [code for code, __ in self.env["res.lang"].get_installed()]
        lang = contacts.lang_code(self.prs_language, installed)
        if lang:
            return lang
        if self.partner_id.lang in installed:
            return self.partner_id.lang
        return self._prs_default_lang(installed)

    def _prs_default_lang(self, installed=None):
        """The program's default language (``event.event._prs_program_languages``);
        without a query when one language only is installed. ``installed``: the codes
        of the installed languages, when the caller has them."""
        self.ensure_one()
        if installed is None:
            installed = [code for code, __ in self.env["res.lang"].get_installed()]
        program = self.event_id
        if len(installed) == 1 or not program:
            # one language: the program's default is that one (no query for it)
            return installed[0]
        return program._prs_program_languages()[program.id][1]

    # ------------------------------------------------------------------
    # Capacity
    # ------------------------------------------------------------------

    def init(self):
        res = super().init()
        # the capacity count (``_prs_count_by_state``: one program's confirmed and
        # waitlisted registrations, on intake, on every seat change and when a program
        # index is published) reads this index instead of every registration in those
        # states (core's ``event_id`` has no index): 33 ms to 2 ms at 100,000
        # registrations. Its write cost on intake: README "Benchmarks" (bench/README.md).
        create_index(
            self.env.cr,
            CAPACITY_INDEX,
            self._table,
            ["event_id", "prs_state", "prs_is_test"],
        )
        return res

    @api.model
    def _prs_count_by_state(self, programs, states):
        """``{(program id, prs_state): count}`` of non-test registrations."""
        # sudo: capacity counts every registration of the program, also those the
        # current user's record rules hide; only counts leave this method. Archived
        # registrations count too: archiving is no way around the capacity.
        registrations = self.sudo().with_context(active_test=False)
        groups = registrations._read_group(
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
    def _prs_limits(self, program):
        """``(seats, waitlist)`` of a program as :mod:`..tools.capacity` reads them."""
        seats = program.seats_max if program.seats_limited and program.seats_max else None
        waitlist = (program.prs_waitlist_max or None) if program.prs_waitlist_allowed else 0
        return seats, waitlist

    @api.model
    def _prs_capacity_left(self, program, counts):
        """Seats left (None: unlimited) and waitlist places left (None: unlimited)."""
        return capacity.capacity_left(self._prs_limits(program), program.id, counts)

    # ------------------------------------------------------------------
    # Lifecycle
    # ------------------------------------------------------------------

    def _prs_check_states(self, allowed, action):
        # the PRS actions (and their mails) are for programs' registrations; a plain
        # Odoo event keeps Odoo's own confirm and cancel
        plain = self.filtered(lambda r: not r.event_id.prs_is_program)
        if plain:
            raise UserError(
                _(
                    "Cannot %(action)s %(names)s: %(event)s is not a program (use the "
                    "event's own attendee actions).",
                    action=action,
                    names=", ".join(plain.mapped("display_name")),
                    event=plain[0].event_id.display_name,
                )
            )
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
        now = fields.Datetime.now()
        vals = {
            "next_step_id": False,
            "reopened_step_ids": [fields.Command.clear()],
            "prs_submitted_at": now,
        }
        # changes requested of a waitlisted registration: back to its place on the
        # waitlist, as after the participant's resubmission (_prs_store_step)
        back = self.filtered(
            lambda r: (
                r.prs_state == "changes_requested" and r.prs_changes_from_state == "waitlisted"
            )
        )
        (self - back)._prs_action_write(dict(vals, prs_state="submitted"))
        for registration in back:
            since = registration.prs_changes_from_changed_at or now
            registration._prs_action_write(
                dict(vals, prs_state="waitlisted", prs_state_changed_at=since)
            )
        back.filtered(lambda r: not r.prs_is_test).event_id._prs_promote_waitlist()
        return True

    def action_prs_confirm(self):
        """Confirm; beyond capacity go to the waitlist when allowed, else refuse."""
        # sudo: the lock only rewrites the program rows unchanged (see _prs_lock_capacity)
        self.event_id.sudo()._prs_lock_capacity()
        self._prs_check_states({"submitted", "waitlisted"}, _("confirm"))
        counts = self._prs_count_by_state(self.event_id, {"confirmed", "waitlisted"})
        limits = {program.id: self._prs_limits(program) for program in self.event_id}
        ordered = self.sorted(lambda r: (r.prs_state_changed_at or r.create_date, r.id))
        # a newcomer never takes a seat before those already waiting for one: free seats
        # go to the program's waitlist first, in its order (a coordinator picking a
        # waitlisted registration by hand keeps that choice)
        ahead = self._prs_waitlist_ahead(ordered)
        try:
            to_confirm, to_waitlist = capacity.plan_confirm(
                [(r.id, r.event_id.id, r.prs_is_test, r.prs_state) for r in ahead + ordered],
                limits,
                counts,
            )
        except capacity.CapacityFull as full:
            raise UserError(
                _(
                    "The program %s is full and its waitlist is full or not allowed.",
                    self.event_id.browse(full.program_id).display_name,
                )
            ) from None
        self.browse(to_confirm)._prs_action_write({"prs_state": "confirmed"})
        self.browse(to_waitlist)._prs_action_write({"prs_state": "waitlisted"})
        staying = self - self.browse(to_confirm) - self.browse(to_waitlist)
        staying = staying.filtered(lambda r: r.prs_state == "waitlisted")
        if staying:
            # waitlisted ones left where they were (no seat free): say so, rather than
            # a button that seems to do nothing
            return {
                "type": "ir.actions.client",
                "tag": "display_notification",
                "params": {
                    "title": _("Still on the waitlist"),
                    "message": _(
                        "%s stays on the waitlist: the program is full.",
                        ", ".join(staying.mapped("display_name")),
                    ),
                    "type": "warning",
                    "sticky": False,
                    "next": {"type": "ir.actions.client", "tag": "soft_reload"},
                },
            }
        return True

    def _prs_waitlist_ahead(self, ordered):
        """The waitlisted registrations (not in ``self``) of the programs where ``self``
        confirms a newcomer (a real submitted registration), in waitlist order."""
        programs = ordered.filtered(
            lambda r: not r.prs_is_test and r.prs_state == "submitted"
        ).event_id
        if not programs:
            return self.browse()
        return self.search(
            [
                ("event_id", "in", programs.ids),
                ("prs_state", "=", "waitlisted"),
                ("prs_is_test", "=", False),
                ("id", "not in", self.ids),
            ],
            order="prs_state_changed_at asc, id asc",
        )

    def action_prs_waitlist(self):
        # sudo: the lock only rewrites the program rows unchanged (see _prs_lock_capacity)
        self.event_id.sudo()._prs_lock_capacity()
        self._prs_check_states({"submitted"}, _("waitlist"))
        counts = self._prs_count_by_state(self.event_id, {"waitlisted"})
        limits = {program.id: self._prs_limits(program) for program in self.event_id}
        try:
            capacity.check_waitlist([(r.event_id.id, r.prs_is_test) for r in self], limits, counts)
        except capacity.CapacityFull as full:
            raise UserError(
                _(
                    "The waitlist of %s is full or not allowed.",
                    self.event_id.browse(full.program_id).display_name,
                )
            ) from None
        self._prs_action_write({"prs_state": "waitlisted"})
        return True

    def action_prs_reject(self):
        """Ask for the reason of the rejection (:meth:`_prs_reject` applies it)."""
        self._prs_check_states(REJECTABLE_STATES, _("reject"))
        return self._prs_reason_action("reject")

    def action_prs_cancel(self):
        """Ask for the reason of the cancellation (:meth:`_prs_cancel` applies it)."""
        self._prs_check_states(CANCELLABLE_STATES, _("cancel"))
        return self._prs_reason_action("cancel")

    def _prs_reason_action(self, decision):
        """The reason wizard for ``decision`` (``reject`` or ``cancel``) on these
        registrations, which the user must be allowed to change."""
        self.check_access_rights("write")
        self.check_access_rule("write")
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "prs_registration.event_registration_reason_wizard_action"
        )
        action["context"] = {"default_registration_ids": self.ids, "default_decision": decision}
        action["name"] = (
            _("Reject Registrations") if decision == "reject" else _("Cancel Registrations")
        )
        return action

    @api.model
    def _prs_check_reason(self, reason):
        """The reason, stripped (of invisible characters too); an empty one or one
        longer than REASON_MAX_LENGTH is refused (it is sent to the participant)."""
        reason = INVISIBLE_EDGES_RE.sub("", reason) if isinstance(reason, str) else ""
        if not reason.translate(INVISIBLE_TABLE).strip():
            raise UserError(_("Give a reason: the participant reads it in the mail."))
        if len(reason) > REASON_MAX_LENGTH:
            raise UserError(
                _(
                    "The reason is too long (%(length)s characters): at most %(max)s.",
                    length=len(reason),
                    max=REASON_MAX_LENGTH,
                )
            )
        return reason

    def _prs_reject(self, reason):
        """Reject with ``reason`` (tracked, and sent to the participant in the mail)."""
        reason = self._prs_check_reason(reason)
        self._prs_check_states(REJECTABLE_STATES, _("reject"))
        self._prs_action_write({"prs_state": "rejected", "prs_reason": reason})
        return True

    def _prs_cancel(self, reason, by_participant=False):
        """Cancel with ``reason`` (tracked, and sent to the participant in the mail);
        ``by_participant``: the participant asked for it (through the worker), and
        need not give a reason. Each confirmed seat freed promotes the oldest waitlisted
        registration of the program."""
        if by_participant:
            reason = reason.strip() if isinstance(reason, str) else ""
        else:
            reason = self._prs_check_reason(reason)
        self._prs_check_states(CANCELLABLE_STATES, _("cancel"))
        self._prs_action_write(
            {
                "prs_state": "cancelled",
                "prs_reason": reason or False,
                "prs_cancelled_by_participant": bool(by_participant),
            }
        )
        return True

    def action_prs_request_changes(self):
        self._prs_check_states({"submitted", "waitlisted"}, _("request changes of"))
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "prs_registration.event_registration_request_changes_action"
        )
        action["context"] = {"default_registration_ids": self.ids}
        return action

    def _prs_request_changes(self, steps, message, deadline=None):
        """Reopen ``steps`` of each registration and tell the participant why; the
        participant may answer until ``deadline`` (default: the program start), even
        after the registration window closed. Only steps its answers show are reopened
        (a hidden one could never be answered). A deadline already past (given, or the
        program start by default) is refused; ``message`` (the reason, sent to the
        participant) is required."""
        message = self._prs_check_reason(message)
        self._prs_check_states({"submitted", "waitlisted"}, _("request changes of"))
        payment_steps = steps.filtered(lambda s: s.step_type == "payment")
        if payment_steps:
            # a payment is recorded once (prs_record_payment): its step is never reopened
            raise UserError(
                _(
                    "A payment step cannot be reopened: %s.",
                    ", ".join(payment_steps.mapped("name")),
                )
            )
        now = fields.Datetime.now()
        for registration in self:
            # a past deadline would leave the registration in changes requested, refusing
            # every answer with ``closed`` once the window closes (breaker D3)
            if (deadline or registration.event_id.date_begin) <= now:
                raise UserError(
                    _(
                        "The deadline for the changes of %(registration)s (%(deadline)s UTC)"
                        " is past: choose a later deadline.",
                        registration=registration.display_name,
                        deadline=fields.Datetime.to_string(
                            deadline or registration.event_id.date_begin
                        ),
                    )
                )
            visible = registration.flow_id._prs_navigation(registration._prs_plain_answers())
            reopened = steps.filtered(lambda s, v=visible["steps"]: s in v)
            if not reopened:
                raise UserError(
                    _(
                        "Choose at least one step of the flow of %s that its answers show.",
                        registration.display_name,
                    )
                )
            registration._prs_action_write(
                {
                    "reopened_step_ids": [fields.Command.set(reopened.ids)],
                    "next_step_id": reopened.sorted(lambda s: (s.sequence, s.id))[:1].id,
                    "prs_changes_message": message,
                    "prs_changes_deadline": deadline or registration.event_id.date_begin,
                    # a waitlisted registration returns to its place once resubmitted
                    "prs_changes_from_state": registration.prs_state,
                    "prs_changes_from_changed_at": registration.prs_state_changed_at,
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
                **registration._prs_note_author(),
            )
        return True

    def _prs_note_author(self):
        """``author_id`` and ``email_from`` of a note the current user posts on this
        registration: the user's contact, with its address, else the address of the
        program's company, else the mail's default (``email_from`` of the server), so
        that a coordinator (or the API user) without an email address can post."""
        partner = self.env.user.partner_id
        company = self.event_id.company_id or self.env.company
        email_from = (
            partner.email_formatted
            or company.email_formatted
            or self.env["ir.mail_server"]._get_default_from_address()
            or partner.name
        )
        return {"author_id": partner.id, "email_from": email_from}

    # ------------------------------------------------------------------
    # Intake (the RPC contract of DESIGN.md "Intake contract")
    # ------------------------------------------------------------------

    @api.model
    def prs_submit(self, payload):
        """Validate and store the answers of one step; see README "Intake contract".

        Every call, refused or not, leaves a row in ``prs.intake.log``.

        :return: ``{"ok": True, "registration_id": int, "next_step_id": int|False}`` or
            ``{"ok": False, "errors": [{"field", "code", "message"}]}``
        """
        return self._prs_logged_call("prs_submit", self._prs_submit, payload)

    @api.model
    def _prs_logged_call(self, method, run, payload):
        """``run(payload)``, recorded in ``prs.intake.log`` as a call of ``method``
        (``prs_submit`` or a worker method), refused or not, raising or not."""
        call_date = fields.Datetime.now()
        started = time.perf_counter()
        result = failure = None
        detail = None
        retried = False
        try:
            result = run(payload)
            if isinstance(result, dict):
                detail = result.pop(intake.DETAIL_KEY, None)
        except Exception as error:
            failure = error
            detail = type(error).__name__
            # a concurrent update: Odoo's RPC layer runs the call again in a new
            # transaction, whose row tells how the call ended (no failed row for a call
            # that then succeeds)
            retried = (
                isinstance(error, psycopg2.OperationalError)
                and error.pgcode in PG_CONCURRENCY_ERRORS_TO_RETRY
            )
            raise
        finally:
            duration_ms = int((time.perf_counter() - started) * 1000)
            if retried:
                _logger.info("%s: concurrent update (%s), retried by Odoo", method, detail)
            else:
                self._prs_log_intake(
                    payload, result, failure, call_date, duration_ms, detail, method=method
                )
        return result

    @api.model
    def _prs_submit(self, payload):
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
        payload_hash = intake.fingerprint(payload, self_sudo._prs_intake_secret())
        # Serialise calls carrying the same submission id: a second concurrent call waits
        # here until the first commits, then finds its stored result (one query for both).
        replay = self_sudo._prs_replay(submission_id, payload_hash, lock=True)
        if replay:
            return replay
        try:
            with self.env.cr.savepoint():
                return self_sudo._prs_intake(payload, payload_hash)
        except IntakeError as exc:
            return {"ok": False, "errors": exc.errors}
        except psycopg2.IntegrityError:
            # the unique submission id won a race the advisory lock did not cover
            replay = self_sudo._prs_replay_committed(submission_id, payload_hash)
            if replay:
                return replay
            _logger.exception("prs_submit: integrity error for %s", submission_id)
            return self._prs_error(
                "conflict", _("The submission conflicts with another one."), detail="IntegrityError"
            )
        except PrsConfigurationError as exc:
            # the caller learns that the server is not ready, never which setting is
            # missing: the detail goes to the server log and the intake log
            detail = str(exc.args[0] if exc.args else exc)
            _logger.error("prs_submit: %s: %s", submission_id, detail)
            return self._prs_error(
                "configuration",
                _("The server cannot store this answer yet; its administrators were told."),
                detail=detail,
            )
        except (UserError, ValidationError) as exc:
            # an ORM message may name models, records or users: log it, answer generically
            detail = f"{type(exc).__name__}: {exc.args[0] if exc.args else exc}"
            _logger.warning("prs_submit: %s refused: %s", submission_id, detail)
            return self._prs_error(
                "invalid", _("The submission was refused; nothing was saved."), detail=detail
            )
        except psycopg2.OperationalError as exc:
            if exc.pgcode in PG_CONCURRENCY_ERRORS_TO_RETRY:
                # a concurrent call with this submission id won (its contact lookup, say,
                # failed this one): its committed result is the answer, as on a retry
                replay = self_sudo._prs_replay_committed(submission_id, payload_hash)
                if replay:
                    return replay
                # a concurrent call changed the same rows: let Odoo's RPC layer retry the
                # whole call in a new transaction (it then finds the stored result)
                raise
            _logger.exception("prs_submit: database failure for %s", submission_id)
            return self._prs_error(
                "internal_error",
                _("The submission could not be stored; nothing was saved."),
                detail=f"OperationalError {exc.pgcode}",
            )
        except Exception as exc:
            _logger.exception("prs_submit: unexpected failure for %s", submission_id)
            return self._prs_error(
                "internal_error",
                _("The submission could not be stored; nothing was saved."),
                detail=type(exc).__name__,
            )

    @api.model
    def _prs_error(self, code, message, field=False, detail=None):
        """A refusal; ``detail`` (for the intake log, never for the caller) is taken off
        the response by :meth:`prs_submit`."""
        result = {"ok": False, "errors": [intake.error(code, message, field)]}
        if detail:
            result[intake.DETAIL_KEY] = detail
        return result

    @api.model
    def _prs_log_intake(
        self, payload, result, failure, call_date, duration_ms, detail=None, method="prs_submit"
    ):
        """Write the log row of one call of ``method``; never raises."""
        try:
            vals = self._prs_intake_log_values(payload, result, failure)
        except Exception:  # a strange payload or result must not break the call
            vals = {"result": "error", "error_codes": "unloggable"}
        vals.update(
            call_date=call_date, duration_ms=duration_ms, user_id=self.env.uid, method=method
        )
        if detail:
            vals["error_detail"] = str(detail)[:2000]
        return self.env["prs.intake.log"]._prs_write(vals)

    @api.model
    def _prs_intake_log_values(self, payload, result, failure):
        failure_code = None
        if failure is not None:
            failure_code = "access_denied" if isinstance(failure, AccessError) else "server_error"
        vals = intake.log_values(payload, result, failure_code)
        if request:
            address, agent, endpoint = caller.http_details(request.httprequest)
        else:
            address = caller.get_remote_addr()
            agent, endpoint = caller.get_http_details()
        vals.update(remote_addr=address or False, user_agent=agent or False)
        vals["endpoint"] = endpoint or False
        return vals

    @api.model
    def _prs_max_payload_bytes(self):
        return param_int(self.env, "prs_registration.max_payload", intake.MAX_PAYLOAD_BYTES)

    @api.model
    def _prs_intake_secret(self):
        """The database's intake secret (system parameter ``prs_registration.intake_secret``,
        created on install): it keys the submission fingerprints and seals the
        continuation tokens kept for replays. Only settings administrators read it."""
        # sudo: the API user and coordinators never read system parameters; the secret
        # leaves this method only as an HMAC key
        params = self.env["ir.config_parameter"].sudo()
        secret = params.get_param(intake.SECRET_PARAM)
        if not secret:
            secret = intake.new_secret()
            params.set_param(intake.SECRET_PARAM, secret)
        return secret

    @api.model
    def _prs_replay(self, submission_id, payload_hash, lock=False):
        """The stored result of an accepted submission id (with the continuation token of
        a first step, unsealed), or an error for another body. ``lock``: take the
        submission id's advisory lock (held until the transaction ends) in the same
        query, before the look-up (Odoo's REPEATABLE READ snapshot is the transaction's
        either way: a winner committed after it is caught by the unique constraint)."""
        submissions = self.env["event.registration.submission"]
        if lock:
            submissions.flush_model(["submission_id"])
            self.env.cr.execute(
                SQL(
                    """SELECT pg_advisory_xact_lock(hashtext(%s)),
                              (SELECT id FROM event_registration_submission
                                WHERE submission_id = %s ORDER BY id DESC LIMIT 1)""",
                    submission_id,
                    submission_id,
                )
            )
            submission = submissions.browse(self.env.cr.fetchone()[1] or ())
        else:
            submission = submissions.search([("submission_id", "=", submission_id)], limit=1)
        if not submission:
            return None
        if not intake.same_digest(submission.payload_hash, payload_hash):
            return self._prs_error(
                "duplicate_submission",
                _("The submission id %s was already used with another payload.", submission_id),
            )
        result = dict(submission.result)
        if submission.continuation_token_sealed:
            token = intake.unseal_token(
                self._prs_intake_secret(), submission.continuation_token_sealed
            )
            if token:
                result["continuation_token"] = token
        return result

    @api.model
    def _prs_replay_committed(self, submission_id, payload_hash):
        """:meth:`_prs_replay` after an integrity error on a submission (or operation)
        id: the winner of the race may have committed after this transaction's snapshot
        was taken (before the advisory lock), so its stored result is read in this
        snapshot, else in a fresh transaction. Shared by ``prs_submit`` and the worker
        methods."""
        replay = self._prs_replay(submission_id, payload_hash)
        if not replay:
            with self.pool.cursor() as fresh_cr:
                replay = self.with_env(self.env(cr=fresh_cr))._prs_replay(
                    submission_id, payload_hash
                )
        return replay

    @api.model
    def _prs_intake(self, payload, payload_hash):
        program, flow, step = self._prs_intake_resolve(payload)
        registration = self._prs_intake_registration(payload, program, flow)
        self._prs_intake_window(program, registration, flow)
        version = self._prs_intake_version(step, payload["form_version"])
        tree = self._prs_intake_tree(version)
        self._prs_intake_navigation(registration, flow, step)
        if not registration:
            self._prs_intake_capacity(program, payload.get("test", False))
        # one date for the validation and the record of it (the review reads it back)
        today = self._prs_today(program)
        values = self._prs_intake_validate(step, tree, payload["answers"], today)
        token = None
        if not registration:
            token = intake.new_token()
            # No creation chatter: no message, no follower (the API user would follow
            # every registration), no tracking of the first step's values (they are the
            # creation's); the later steps' writes track as usual (the state change).
            # The event's computed columns are given (no query to compute them; the
            # related company_id is not: given, its inverse would write the program).
            # The creation event goes out when the first step is stored (with its step
            # and next step), not here.
            registration = self.with_context(
                tracking_disable=True, prs_creation_event_deferred=True
            ).create(
                {
                    "event_id": program.id,
                    "flow_id": flow.id,
                    "prs_state": "in_progress",
                    "prs_is_test": payload.get("test", False),
                    "answers": {},
                    "step_versions": {},
                    "prs_token_hash": intake.token_digest(token),
                    "name": False,
                    "email": False,
                    "phone": False,
                    "company_name": False,
                    "date_closed": False,
                }
            )
        registration._prs_store_step(
            step,
            version,
            tree,
            values,
            today,
            submission_id=payload["submission_id"],
            created=bool(token),
        )
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
                # the stored response never holds the token in clear (coordinators read it)
                "result": result,
                "continuation_token_sealed": token
                and intake.seal_token(self._prs_intake_secret(), token),
            }
        )
        self.env.flush_all()
        if token:
            result = dict(result, continuation_token=token)
        return result

    @api.model
    def _prs_intake_fetch(self, model, record_id):
        """The record ``record_id`` of ``model`` (archived too) with its columns read in
        one query (what ``exists()`` and the first field access took two for), or an
        empty recordset when there is no such row."""
        records = self.env[model].with_context(active_test=False)
        names = [
            name
            for name, field in records._fields.items()
            if field.store and field.column_type and field.prefetch is True
        ]
        return records.search_fetch([("id", "=", record_id)], names).with_env(self.env)

    @api.model
    def _prs_intake_resolve(self, payload):
        program = self._prs_intake_fetch("event.event", payload["program_id"])
        if not program or not program.prs_is_program:
            raise IntakeError([intake.error("unknown_program", _("There is no such program."))])
        flow = self._prs_intake_fetch("event.flow", payload["flow_id"])
        if not flow or flow.event_id != program:
            raise IntakeError([intake.error("unknown_flow", _("The program has no such flow."))])
        if flow.state != "published" or not flow.active:
            raise IntakeError(
                [intake.error("not_published", _("The flow %s is not published.", flow.code))]
            )
        # the flow's steps (navigation reads them all, one query): the step is one of
        # them, or none
        steps = flow.step_ids
        step = steps.filtered(lambda s: s.id == payload["step_id"]).with_prefetch(
            steps._prefetch_ids
        )
        if not step:
            raise IntakeError([intake.error("unknown_step", _("The flow has no such step."))])
        return program, flow, step

    @api.model
    def _prs_intake_window(self, program, registration, flow=None):
        """Refuse with ``closed`` outside the registration window, except the answers to
        requested changes, taken until the registration's changes deadline. ``flow``:
        the payload's flow, checked published and active (the program's flows are then
        not read again)."""
        is_open, reason = program._prs_is_open(published_flow=flow)
        if is_open:
            return
        if registration.prs_state == "changes_requested" and program.active:
            deadline = registration.prs_changes_deadline
            if not deadline or fields.Datetime.now() < deadline:
                return
            reason = _(
                "The requested changes had to be made before %s (UTC).",
                fields.Datetime.to_string(deadline),
            )
        raise IntakeError([intake.error("closed", reason)])

    @api.model
    def _prs_intake_registration(self, payload, program, flow):
        if not payload.get("registration_id"):
            return self.browse()
        registration = self._prs_intake_fetch(self._name, payload["registration_id"])
        # the id alone is guessable: the continuation token of the first step proves the
        # caller continues its own registration (same error as an unknown id: no oracle)
        if (
            not registration
            or not intake.token_matches(
                payload.get("continuation_token"), registration.prs_token_hash
            )
            or registration.event_id != program
            or registration.flow_id != flow
        ):
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
        """The form version named by the payload, when the step has a form and intake
        accepts that version (:meth:`_prs_version_accepted`)."""
        form = step.form_id
        if not form:
            return self.env["form.form.version"]
        # The usual case, the form's current version: one indexed query for its id,
        # number and checksum (never its frozen tree: :meth:`_prs_intake_tree`), the
        # form row not read (its stored number names its current version).
        current = self.env["form.form.version"].search_fetch(
            [
                ("form_id", "=", form.id),
                ("version", "=", number),
                ("form_id.version", "=", number),
                ("form_id.state", "!=", "archived"),
            ],
            ["version", "checksum"],
            limit=1,
        )
        if current:
            return current
        # a draft of the next version keeps the current one live: only a form that was
        # never published (or is archived) takes no answers
        if form.state == "archived" or not form.current_version_id:
            raise IntakeError(
                [intake.error("not_published", _("The form of this step is not published."))]
            )
        # one version by number (an index scan), never every version with its frozen
        # tree: its id, number and checksum only (the tree: :meth:`_prs_intake_tree`)
        version = self.env["form.form.version"].search_fetch(
            [("form_id", "=", form.id), ("version", "=", number)], ["version", "checksum"], limit=1
        )
        if not version or not self._prs_version_accepted(form, version):
            raise IntakeError(
                [
                    intake.error(
                        "unknown_version",
                        _(
                            "Form version %(version)s is not accepted; the current version "
                            "is %(current)s.",
                            version=number,
                            current=form.version,
                        ),
                    )
                ]
            )
        return version

    @api.model
    def _prs_intake_tree(self, version):
        """The published tree of ``version`` (a version just looked up in the database),
        parsed once per process (:mod:`..tools.tree_cache`); shared: read it only."""
        if not version:
            return {}
        key = tree_cache.version_key(self.env.cr.dbname, version.id, version.checksum)
        return tree_cache.TREES.get(key, lambda: self._prs_version_tree(version))

    @api.model
    def _prs_version_tree(self, version, lang=None):
        """The tree of a published version (labels in ``lang`` when translated)."""
        if not version:
            return {}
        return version._prs_get_tree(lang=lang) or {}

    @api.model
    def _prs_version_accepted(self, form, version):
        """Intake accepts the current published version (also while the draft of the next
        one is edited), and an older one until ``prs_registration.version_grace_minutes``
        (default 60) after the next version was published."""
        if version == form.current_version_id:
            return True
        if version.version > form.version:
            return False
        # 0: a superseded version is refused at once
        grace = param_int(
            self.env,
            "prs_registration.version_grace_minutes",
            DEFAULT_VERSION_GRACE_MINUTES,
            minimum=0,
        )
        # when the version was superseded: the publish date of the next one (SQL min,
        # without loading the newer versions' trees)
        [(superseded_at,)] = self.env["form.form.version"]._read_group(
            [("form_id", "=", form.id), ("version", ">", version.version)],
            aggregates=["published_at:min"],
        )
        superseded_at = superseded_at or fields.Datetime.now()
        return fields.Datetime.now() <= superseded_at + timedelta(minutes=grace)

    @api.model
    def _prs_intake_navigation(self, registration, flow, step):
        answers = registration._prs_plain_answers() if registration else {}
        if registration.prs_state == "changes_requested":
            nav = flow._prs_navigation(answers)
            expected = registration.reopened_step_ids
        else:
            nav = flow._prs_navigation(answers, current_step=registration.current_step_id or None)
            # the next step, or a later one when the steps in between are optional
            expected = nav["allowed_steps"]
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
        limits = self._prs_limits(program)
        # test registrations take no seat; unlimited seats or waitlist: never full
        if is_test or None in limits:
            return
        counts = self._prs_count_by_state(program, {"confirmed", "waitlisted"})
        if capacity.is_full(limits, program.id, counts):
            raise IntakeError(
                [intake.error("full", _("The program %s is full.", program.display_name))]
            )

    @api.model
    def _prs_get_masters(self, tree):
        """``{master code: set of values}`` for the masters the tree refers to."""
        codes = form_tree.master_codes([tree])
        if not codes:
            return {}
        return self.env["prs.master"]._prs_allowed_values(codes)

    @api.model
    def _prs_master_labels(self, trees):
        """``{master code: {value: label}}`` for the master-backed fields of ``trees``."""
        codes = form_tree.master_codes(trees)
        if not codes:
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
    def _prs_today(self, program=None):
        """The ``today`` of form conditions and date bounds, at intake and in the review:
        the program's local date (``event.event._prs_today``; ``program`` default: these
        registrations' program)."""
        program = (program or self.event_id)[:1]
        return program._prs_today() if program else fields.Date.today()

    @api.model
    def _prs_intake_validate(self, step, tree, answers, today=None):
        if not step.form_id:
            if answers:
                raise IntakeError([intake.error("unknown_field", _("This step takes no answers."))])
            return {}
        values, errors = validation.validate_answers(
            tree,
            answers,
            masters=self._prs_get_masters(tree),
            today=today or self._prs_today(step.event_id),
        )
        if errors:
            raise IntakeError(errors)
        return values

    def _prs_store_step(
        self, step, version, tree, values, today=None, submission_id=None, created=False
    ):
        """Store one step's validated answers: files, encryption, static columns, next;
        ``today``: the date the answers were validated with (kept for the review);
        ``created``: the registration was just created by this step (its creation event,
        deferred by ``create``, goes out here with the step and the next step).
        Answers the step replaces (and those of steps the new answers hide) are kept in
        ``event.registration.answer.history`` with ``submission_id``, the call's id."""
        self.ensure_one()
        fields_by_code = form_tree.fields_by_code(tree)
        values = dict(values)
        codes = privacy.sensitive_codes(tree)
        for code, value in values.items():
            field = fields_by_code.get(code, {})
            if field.get("type") in form_tree.FILE_TYPES and value:
                values[code] = self._prs_store_files(
                    value, encrypt=code in codes, field=field, code=code
                )
        stored = values
        if codes & set(values):
            stored = privacy.encrypt_answers(self._prs_fernet(), values, codes)
        answers = dict(self.answers or {}, **{step.code: stored})
        step_versions = dict(self.step_versions or {})
        step_dates = dict(self.step_dates or {})
        # answer history: the replaced answers come from memory (what the intake read),
        # never read again, and are written with one insert at the end
        history = self.env["event.registration.answer.history"]
        history_extra = {"replaced_on": fields.Datetime.now(), "submission_id": submission_id}
        replaced = []
        if step.code in (self.answers or {}):
            replaced.append(
                history._prs_history_values(
                    self,
                    step,
                    self.answers[step.code],
                    step_versions.get(step.code),
                    step_dates.get(step.code),
                    **history_extra,
                )
            )
        if version:
            step_versions[step.code] = version.version
        step_dates[step.code] = form_tree.as_date(today or self._prs_today()).isoformat()
        vals = {
            "answers": answers,
            "step_versions": step_versions,
            "step_dates": step_dates,
            "current_step_id": step.id,
        }
        vals.update(self._prs_static_values(tree, values, codes))
        # the participant's contact, written with the step (README "Participants as
        # contacts"; event_registration_partner.py)
        vals.update(self._prs_link_partner(vals))
        plain = dict(self._prs_plain_answers(), **{step.code: values})
        if self.prs_state == "changes_requested":
            # navigation over the whole flow again: a step the new answers hide loses
            # its answers, a step they show that was never answered is asked for
            visible = self.flow_id._prs_navigation(plain)["steps"]
            hidden = [code for code in answers if code not in visible.mapped("code")]
            hidden_steps = {s.code: s for s in self.flow_id.step_ids if s.code in hidden}
            for code in hidden:
                replaced.append(
                    history._prs_history_values(
                        self,
                        hidden_steps.get(code, self.env["event.flow.step"]),
                        answers.pop(code),
                        step_versions.pop(code, None),
                        step_dates.pop(code, None),
                        change="dropped",
                        step_code=code,
                        **history_extra,
                    )
                )
            if hidden:
                self.message_post(
                    body=_("Answers of steps now hidden were dropped: %s.", ", ".join(hidden)),
                    subtype_xmlid="mail.mt_note",
                )
            remaining = visible.filtered(
                lambda s: (
                    s != step
                    and (s in self.reopened_step_ids or (s.required and s.code not in answers))
                )
            ).sorted(lambda s: (s.sequence, s.id))
            vals["reopened_step_ids"] = [fields.Command.set(remaining.ids)]
            next_step = remaining[:1]
        else:
            next_step = self.flow_id._prs_navigation(plain, current_step=step)["next_step"]
        vals["next_step_id"] = next_step.id
        if created:
            # seq 1 before the state change this write may make (seq 2, submitted)
            self._prs_emit_created_events(step=step, next_step=next_step)
        back_to_waitlist = False
        if not next_step:
            vals.update(prs_state="submitted", prs_submitted_at=fields.Datetime.now())
            if (
                self.prs_state == "changes_requested"
                and self.prs_changes_from_state == "waitlisted"
            ):
                # changes requested of a waitlisted registration: back to the waitlist
                # at its old place (README "Review desk"), whatever the capacity now
                vals.update(
                    prs_state="waitlisted",
                    prs_state_changed_at=self.prs_changes_from_changed_at or fields.Datetime.now(),
                )
                back_to_waitlist = not self.prs_is_test
        self.write(vals)
        history._prs_record(replaced)
        if back_to_waitlist:
            # a seat freed while the changes were pending goes to the waitlist's head
            self.event_id._prs_promote_waitlist()

    def _prs_store_files(self, value, encrypt=False, field=None, code=False):
        """Store file answers as attachments; keep only references in the answers.

        The content must be a file type the server accepts, matching the declared name and
        mimetype and the field's ``file_types`` (``tools/file_content.py``, magic bytes).
        Files of sensitive fields are stored encrypted (the attachment holds the Fernet
        token) under a neutral name: the original name lives only in the encrypted answer;
        ``_prs_read_sensitive_file`` decrypts them for users with the reveal right.
        """
        types = ((field or {}).get("validation") or {}).get("file_types") or ()
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
            kind, refused = file_content.check(raw, name, mimetype, types)
            if refused:
                raise IntakeError(
                    [
                        intake.error(
                            "file_type",
                            _(
                                "The file %(name)s is refused: %(reason)s.",
                                name=name,
                                reason=refused,
                            ),
                            code,
                        )
                    ]
                )
            # the stored type is the one the content has, never only the declared one
            mimetype = file_content.stored_mimetype(kind, mimetype)
            attachment = self.env["ir.attachment"].create(
                {
                    "name": f"{code or 'file'}-{len(refs) + 1}.enc" if fernet else name,
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
    def _prs_static_values(self, tree, values, sensitive):
        """Column values from fields mapped to registration columns (never sensitive ones)."""
        dates = {c for c in intake.MAPPED_COLUMNS.values() if self._fields[c].type == "date"}
        return intake.mapped_values(tree, values, sensitive, date_columns=dates, yes=_("Yes"))

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
        return privacy.plain_answers(self.sudo().answers, self._prs_fernet)

    @api.depends("answers")
    def _compute_prs_has_sensitive(self):
        for registration in self:
            # sudo: only tells whether encrypted values exist, never reads them
            registration.prs_has_sensitive = privacy.has_encrypted(registration.sudo().answers)

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
        ref = privacy.find_encrypted_file(self._prs_plain_answers(), attachment_id)
        if ref:
            # sudo: the attachment belongs to this registration, which the user may read
            # and reveal (checked above and just below).
            attachment = self.env["ir.attachment"].sudo().browse(attachment_id)
            if attachment.res_model == self._name and attachment.res_id == self.id:
                self._prs_log_reveal(_("File %s", ref.get("name")))
                return ref.get("name"), ref.get("mimetype"), fernet.decrypt(attachment.raw)
        raise AccessError(_("This file is not a sensitive answer of this registration."))

    def _prs_log_reveal(self, purpose):
        """Log (model + chatter) that the current user revealed these sensitive answers."""
        # the user must read these registrations (the note below is logged as superuser)
        self.check_access_rights("read")
        self.check_access_rule("read")
        logs = self.env["prs.reveal.log"]
        for registration in self:
            # sudo: only the codes of the encrypted answers are read
            codes = privacy.encrypted_codes(registration.sudo().answers)
            # sudo: the log is append-only for everyone; only administrators read it.
            logs |= logs.sudo().create(
                {
                    "registration_id": registration.id,
                    "user_id": self.env.uid,
                    "field_codes": ", ".join(codes),
                    "purpose": purpose,
                }
            )
            # a logged note (author: the user's partner): no email is sent, so a
            # reviewer without an email address reveals too (breaker D6)
            registration._message_log(
                body=Markup("<p>%s</p>")
                % _(
                    "Sensitive answers (%(codes)s) revealed by %(user)s (%(purpose)s).",
                    codes=", ".join(codes) or _("none"),
                    user=self.env.user.name,
                    purpose=purpose,
                ),
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
        if not steps:
            return {}
        # sudo: the published trees are configuration, readable by any reviewer. Only
        # the versions answered are read (by number), never every version of the forms.
        all_versions = (
            self.env["form.form.version"]
            .sudo()
            .search(
                expression.OR(
                    [
                        [("form_id", "=", step.form_id.id), ("version", "=", versions[step.code])]
                        for step in steps
                    ]
                )
            )
        )
        trees = {}
        for step in steps:
            version = all_versions.filtered(
                lambda v, s=step: v.form_id == s.form_id and v.version == versions[s.code]
            )[:1]
            if version:
                trees[step.code] = self._prs_version_tree(version, lang=self.env.lang)
        return trees

    @api.depends("answers", "step_versions", "step_dates", "flow_id")
    @api.depends_context("prs_reveal", "uid", "lang")
    def _compute_prs_review_html(self):
        for registration in self:
            registration.prs_review_html = registration._prs_render_answers()

    @api.depends("answers", "step_versions", "prs_answer_history_ids")
    @api.depends_context("uid", "lang")
    def _compute_prs_history_html(self):
        for registration in self:
            registration.prs_history_html = registration.prs_answer_history_ids._prs_render(
                registration
            )

    def _prs_review_display(self, trees):
        """``display(field, value)`` of :func:`..tools.review.display_value` for this
        registration: translated words, master labels, links, reveal right."""
        self.ensure_one()

        def decrypt(value):
            return privacy.decrypt_value(self._prs_fernet(), value)

        def file_url(ref):
            if ref.get("encrypted"):
                return f"/prs_registration/file/{self.id}/{ref.get('attachment_id')}"
            return f"/web/content/{ref.get('attachment_id')}?download=true"

        texts = {
            "yes": _("Yes"),
            "no": _("No"),
            "accepted": _("Accepted"),
            "not_accepted": _("Not accepted"),
        }
        return functools.partial(
            review.display_value,
            texts=texts,
            labels=self._prs_master_labels(trees.values()),
            decrypt=decrypt if self._prs_can_reveal() else None,
            file_url=file_url,
        )

    def _prs_render_answers(self):
        """The answers laid out like the form: steps, pages, sections, labels, values."""
        self.ensure_one()
        # sudo: the review field is itself restricted to coordinators; sensitive values
        # stay masked unless _prs_can_reveal()
        answers = self.sudo().answers or {}
        if not answers:
            return Markup('<p class="text-muted">%s</p>') % _("No answers yet.")
        trees = self._prs_step_trees()
        steps = [
            (step.code, step.name)
            for step in self.flow_id.step_ids.sorted(lambda s: (s.sequence, s.id))
        ]
        # conditions read the answers as intake did: sensitive ones decrypted for the
        # visibility only (the display masks them unless revealed); without a key the
        # review falls back on the stored answers as evidence (tools/review.py)
        try:
            decrypt = functools.partial(privacy.decrypt_value, self._prs_fernet())
        except PrsConfigurationError:
            decrypt = None
        # each step with the date intake validated it with; the program's today only
        # for steps answered before the dates were recorded
        step_dates = self.step_dates if isinstance(self.step_dates, dict) else {}
        today = None if set(answers) <= set(step_dates) else self._prs_today()
        return review.render_answers(
            steps,
            answers,
            trees,
            self._prs_review_display(trees),
            today=today,
            step_dates=step_dates,
            decrypt=decrypt,
        )

    # ------------------------------------------------------------------
    # Export
    # ------------------------------------------------------------------

    def _prs_export_columns(self):
        """``[(step code, field code)]`` in order of first appearance over every version
        of the forms of the exported flows (steps in flow order, versions oldest first):
        the columns do not move when a form gets a new version, and two steps sharing a
        field code keep their own columns."""
        return export.answer_columns(self._prs_export_trees())

    def _prs_export_scope(self, relation, column1, column2, wizard_id):
        """An empty recordset standing for the registrations chosen in an export
        wizard, read from its many2many table ``relation`` (``column1`` the wizard id,
        ``column2`` the registration id) as the export streams: no list of every chosen
        id is held, so memory does not grow with the count. The export methods below
        work on it as on the recordset of those registrations."""
        return self.browse().with_context(prs_export_source=(relation, column1, column2, wizard_id))

    def _prs_export_ids_sql(self, after=0, limit=None):
        """SQL selecting the ids of the export scope (``_prs_export_scope``) above
        ``after``, ascending, at most ``limit``; None outside of a scope."""
        source = self.env.context.get("prs_export_source")
        if not source:
            return None
        relation, column1, column2, wizard_id = source
        return SQL(
            "(SELECT %s FROM %s WHERE %s = %s AND %s > %s ORDER BY %s %s)",
            SQL.identifier(column2),
            SQL.identifier(relation),
            SQL.identifier(column1),
            wizard_id,
            SQL.identifier(column2),
            after,
            SQL.identifier(column2),
            SQL("LIMIT %s", limit) if limit else SQL(),
        )

    def _prs_export_id_batches(self):
        """The exported ids in ascending batches of ``export.BATCH_SIZE``: these
        records, or the export scope's ids read batch by batch (keyset on the
        relation table, one query per batch)."""
        if self._prs_export_ids_sql() is None:
            yield from split_every(export.BATCH_SIZE, sorted(self.ids))
            return
        last = 0
        while True:
            self.env.cr.execute(self._prs_export_ids_sql(last, export.BATCH_SIZE))
            ids = [row[0] for row in self.env.cr.fetchall()]
            if not ids:
                return
            yield ids
            last = ids[-1]

    def _prs_export_trees(self):
        """``[(step code, tree)]`` of every version of the forms of the exported flows
        (steps in flow order, versions oldest first)."""
        # the flows in one grouped query: ``self.flow_id`` would load every column of
        # every exported registration into the cache at once (the rows stream later);
        # an export scope groups over its relation table (a subquery, no id list)
        scope = self._prs_export_ids_sql()
        flows = self.env["event.flow"].browse(
            sorted(
                flow.id
                for (flow,) in self._read_group(
                    [("id", "in", self.ids if scope is None else scope)], ["flow_id"]
                )
                if flow
            )
        )
        # sudo: published trees are configuration, read to name the columns.
        versions = (
            self.env["form.form.version"]
            .sudo()
            .search([("form_id", "in", flows.step_ids.form_id.ids)], order="version asc, id asc")
        )
        trees = [
            (step.code, self._prs_version_tree(version))
            for flow in flows
            for step in flow.step_ids.sorted(lambda s: (s.sequence, s.id))
            for version in versions.filtered(lambda v, s=step: v.form_id == s.form_id)
        ]
        return trees

    def _prs_export_table(self, reveal=False):
        """Return ``(header, rows)``, ``rows`` a generator (one pass) reading the
        registrations in batches; sensitive values masked unless ``reveal``."""
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
        header = [label for __, label in static] + [export.column_label(c) for c in codes]
        states = dict(self._fields["prs_state"]._description_selection(self.env))
        fernet = []  # built once, at the first revealed value

        def decrypt(value):
            fernet[:] = fernet or [self._prs_fernet()]
            return privacy.decrypt_value(fernet[0], value)

        yes, no = _("Yes"), _("No")
        active_only = self.env.context.get("active_test", True)

        def rows():
            # read in batches, each dropped from the cache once its rows are out: the
            # rows stream to the file and memory does not grow with the count
            for ids in self._prs_export_id_batches():
                batch = self.browse(ids)
                for registration in batch:
                    if active_only and not registration.active:
                        continue  # archived (a recordset read without active_test)
                    row = []
                    for fname, __ in static:
                        value = registration[fname]
                        if fname == "prs_state":
                            value = states.get(value, value)
                        elif isinstance(value, models.BaseModel):
                            value = value.display_name or ""
                        elif fname == "prs_is_test":
                            value = yes if value else no
                        elif value is False or value is None:
                            value = ""
                        elif not isinstance(value, int | float | str):
                            value = str(value)
                        row.append(value)
                    # sudo: the record was read above with the user's rights (static
                    # columns); sensitive values stay masked unless revealed (right
                    # checked by the wizard)
                    row += export.answer_cells(
                        registration.sudo().answers,
                        codes,
                        yes=yes,
                        no=no,
                        decrypt=decrypt if reveal else None,
                    )
                    yield row
                batch.invalidate_recordset()

        return header, rows()

    def action_prs_export(self):
        self.check_access_rights("read")
        self.check_access_rule("read")
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "prs_registration.event_registration_export_action"
        )
        action["context"] = {"default_registration_ids": self.ids}
        return action
