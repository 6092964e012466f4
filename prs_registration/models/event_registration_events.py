from odoo import api, fields, models


class EventRegistration(models.Model):
    """Integration events of program registrations (README "Redis contract", *Events*):
    each state change and each recorded payment is handed to the
    ``event.event._prs_on_registration_events`` hook of ``prs_event_flow`` in the
    transaction that makes it, numbered by a counter stored on the registration and
    incremented in that same transaction (``prs_cache_sync`` queues them for Redis)."""

    _inherit = "event.registration"

    prs_event_seq = fields.Integer(
        string="Event Sequence",
        readonly=True,
        copy=False,
        help="Number of integration events of this registration so far (its creation is "
        "the first): the seq of its latest event on the Redis stream.",
    )

    def _prs_event_facts(
        self, event_type, seq, old_state, occurred_at, step=None, payment=None, next_step=None
    ):
        """The facts of one event for the hook: ids, codes and states only (never
        answers nor personal data). ``step``, ``next_step``: the values the event
        reports when they are not yet written on the registration."""
        self.ensure_one()
        step = self.current_step_id if step is None else step
        next_step = self.next_step_id if next_step is None else next_step
        return {
            "type": event_type,
            "registration_id": self.id,
            "seq": seq,
            "program_id": self.event_id.id,
            "program_code": self.event_id.prs_code or "",
            "flow_id": self.flow_id.id,
            "flow_code": self.flow_id.code or "",
            "step_id": step.id,
            "step_code": step.code or "",
            "next_step_id": next_step.id,
            "next_step_code": next_step.code or "",
            "old_state": old_state or None,
            "new_state": self.prs_state,
            "occurred_at": occurred_at.isoformat(timespec="seconds") + "Z",
            "is_test": self.prs_is_test,
            "payment": payment,
        }

    def _prs_bump_event_seq(self, vals=None, written=None):
        """Increment the event counter of these program registrations; return ``(seqs,
        vals)``: ``{id: new seq}`` and the values of the write under way (``vals``, of
        the records ``written``) with the counter added when every written record
        takes the same one, so that it goes out in the state's own UPDATE (intake's hot
        path: one registration). Otherwise the counters are written here."""
        programs = self.filtered("event_id.prs_is_program")
        seqs = {registration.id: (registration.prs_event_seq or 0) + 1 for registration in programs}
        if vals is not None and programs and programs == written and len(set(seqs.values())) == 1:
            return seqs, dict(vals, prs_event_seq=seqs[programs[:1].id])
        for seq, registrations in programs.grouped(lambda r: seqs[r.id]).items():
            # sudo: the counter is bookkeeping of the change the caller was allowed to make
            registrations.sudo().write({"prs_event_seq": seq})
        return seqs, vals

    def _prs_emit_events(
        self, event_type, seqs, old_states=None, step=None, payment=None, next_step=None
    ):
        """Hand one event per registration of ``seqs`` (``{id: seq}``) to the hook."""
        if not seqs:
            return
        now = fields.Datetime.now()
        old_states = old_states or {}
        events = [
            registration._prs_event_facts(
                event_type,
                seqs[registration.id],
                old_states.get(registration.id),
                now,
                step=step,
                payment=payment,
                next_step=next_step,
            )
            for registration in self.browse(list(seqs))
        ]
        self.env["event.event"]._prs_on_registration_events(events)

    @api.model
    def _prs_initial_event_seq(self, vals_list):
        """A program's registration is created with its first event's counter (1)."""
        for vals in vals_list:
            vals.setdefault("prs_event_seq", 1)
        return vals_list

    def _prs_emit_created_events(self, step=None, next_step=None):
        """The creation of program registrations: a ``state_changed`` event from no
        state to the initial one (seq 1). The intake creates a registration by its first
        step: it emits the event when that step is stored (``create`` with the context
        key ``prs_creation_event_deferred``), with the step and the next step the
        creation ends with (``step``, ``next_step``)."""
        programs = self.filtered("event_id.prs_is_program")
        self._prs_emit_events(
            "state_changed",
            {registration.id: registration.prs_event_seq for registration in programs},
            step=step,
            next_step=next_step,
        )

    def _prs_emit_payment_event(self, payment):
        """A ``payment_recorded`` event of this registration for ``payment``
        (``event.registration.payment``), before the state change it leads to."""
        self.ensure_one()
        seqs, __ = self._prs_bump_event_seq()
        self._prs_emit_events(
            "payment_recorded",
            seqs,
            old_states={self.id: self.prs_state},
            step=payment.step_id,
            payment=payment._prs_event_values(),
        )
