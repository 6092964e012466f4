import logging
from contextlib import closing

from odoo import _, api, fields, models
from odoo.exceptions import AccessError
from odoo.sql_db import db_connect
from odoo.tools import SQL

from ..tools import contacts

_logger = logging.getLogger(__name__)

# registrations in these states are closed: never flagged as a duplicate, never flag one
CLOSED_STATES = ("cancelled", "rejected")
# the registration columns a contact is made of (never filled from a sensitive field:
# intake maps only non-sensitive answers to columns, ``_prs_static_values``)
CONTACT_COLUMNS = frozenset(
    {
        "name",
        "email",
        "phone",
        "prs_first_name",
        "prs_last_name",
        "prs_language",
        "prs_country_code",
    }
)
# the fields a duplicate flag depends on (_prs_duplicate_key)
DUPLICATE_DEPENDS = frozenset({"partner_id", "event_id", "prs_state", "prs_is_test", "active"})
# the columns core event.registration fills from its partner when empty (its
# ``_compute_name``, ``_compute_email``...): written with the link, so they keep what the
# participant submitted and never show another contact's data
PARTNER_SYNCED_COLUMNS = ("name", "email", "phone", "company_name")
# (registration id, contact id, program id) of a registration being linked to a contact
# known, in this transaction, to hold no open registration in the program (a new
# contact, or one the lookup found without one there): its flag needs no query
# (cr.precommit.data, discarded when used)
ALONE_PAIRS = "prs_registration.alone_pairs"
# contacts are written by intake without chatter, followers or tracking
QUIET_CONTEXT = {
    "mail_create_nolog": True,
    "mail_create_nosubscribe": True,
    "tracking_disable": True,
    "mail_notrack": True,
}


class EventRegistration(models.Model):
    """Participants as contacts (README "Intake contract"): each registration of a
    program is linked to the participant's ``res.partner`` (core ``partner_id``)."""

    _inherit = "event.registration"

    # the duplicate flag, the contacts' counts and the merge look registrations up by it
    partner_id = fields.Many2one(index="btree_not_null")
    # kept by _prs_sync_duplicates on every change that can make or unmake a duplicate
    # (not an ORM compute: its triggers would search the contact's registrations on every
    # state change; this costs one query only when a registration opens, closes or moves)
    prs_duplicate = fields.Boolean(
        string="Possible Duplicate",
        readonly=True,
        copy=False,
        help="Another open registration of the same contact exists in this program "
        "(neither cancelled nor rejected, not archived; test registrations aside).",
    )
    prs_other_registration_count = fields.Integer(
        string="Other Registrations",
        compute="_compute_prs_other_registration_count",
        groups="prs_base.group_prs_coordinator",
        help="The contact's other registrations of programs that you may read.",
    )

    # ------------------------------------------------------------------
    # Duplicates and counts
    # ------------------------------------------------------------------

    def _prs_duplicate_key(self):
        """What the duplicate flags depend on: ``(contact id, program id, open)``; open: a
        real, active registration neither cancelled nor rejected."""
        self.ensure_one()
        is_open = self.active and not self.prs_is_test and self.prs_state not in CLOSED_STATES
        return (self.partner_id.id, self.event_id.id, bool(is_open))

    @api.model_create_multi
    def create(self, vals_list):
        if not self.env.su and any("prs_duplicate" in vals for vals in vals_list):
            raise AccessError(_("The duplicate flag is kept by the registrations themselves."))
        registrations = super().create(vals_list)
        linked = registrations.filtered("partner_id")
        if linked:
            self._prs_sync_duplicates(linked.partner_id.ids, linked.event_id.ids)
        return registrations

    def write(self, vals):
        if "prs_duplicate" in vals and not self.env.su:
            raise AccessError(_("The duplicate flag is kept by the registrations themselves."))
        if not DUPLICATE_DEPENDS.intersection(vals):
            return super().write(vals)
        before = {registration.id: registration._prs_duplicate_key() for registration in self}
        result = super().write(vals)
        keys, moved = set(), []
        for registration in self:
            key = registration._prs_duplicate_key()
            if key != before[registration.id]:
                keys.update((key, before[registration.id]))
                moved.append(registration.id)
        partners = {partner for partner, __, __ in keys if partner}
        alone = self.env.cr.precommit.data.get(ALONE_PAIRS) or set()
        link = len(self) == 1 and (self.id, self.partner_id.id, self.event_id.id)
        if link in alone and not before[self.id][0]:
            # linked to a contact with no other open registration in the program
            alone.discard(link)
        elif partners:
            # the changed registrations themselves too: one whose contact was cleared
            # is no registration of its former contact any more, yet flagged
            self._prs_sync_duplicates(
                partners, {event for __, event, __ in keys}, registration_ids=moved
            )
        return result

    def unlink(self):
        """Deleting a registration can leave its duplicate alone: its flag follows."""
        linked = self.filtered("partner_id")
        partners, events = linked.partner_id.ids, linked.event_id.ids
        result = super().unlink()
        if partners:
            self._prs_sync_duplicates(partners, events)
        return result

    @api.model
    def _prs_sync_duplicates(self, partner_ids, event_ids, registration_ids=()):
        """Set ``prs_duplicate`` of the registrations of these contacts in these programs
        (and of ``registration_ids``) to what the database says: one query, writing the
        flags that change only. Open: see :meth:`_prs_duplicate_key`; programs only."""
        # the registrations' pending changes (and their computed fields: one UPDATE, as
        # at the end of the transaction) are what the flags are computed from
        self.flush_model()
        self.env.cr.execute(
            SQL(
                """
                UPDATE event_registration r
                   SET prs_duplicate = d.duplicate
                  FROM (
                        SELECT c.id,
                               c.partner_id IS NOT NULL
                               AND c.active AND c.prs_is_test IS NOT TRUE
                               AND c.prs_state NOT IN %(closed)s
                               AND e.prs_is_program IS TRUE
                               AND EXISTS (
                                   SELECT 1 FROM event_registration o
                                    WHERE o.partner_id = c.partner_id
                                      AND o.event_id = c.event_id
                                      AND o.id != c.id
                                      AND o.active AND o.prs_is_test IS NOT TRUE
                                      AND o.prs_state NOT IN %(closed)s
                               ) AS duplicate
                          FROM event_registration c
                          JOIN event_event e ON e.id = c.event_id
                         WHERE (c.partner_id = ANY(%(partners)s) AND c.event_id = ANY(%(events)s))
                            OR c.id = ANY(%(ids)s)
                       ) d
                 WHERE r.id = d.id AND r.prs_duplicate IS DISTINCT FROM d.duplicate
             RETURNING r.id
                """,
                closed=CLOSED_STATES,
                partners=list(partner_ids),
                events=list(event_ids),
                ids=list(registration_ids),
            )
        )
        changed = self.browse([row[0] for row in self.env.cr.fetchall()])
        changed.invalidate_recordset(["prs_duplicate"])
        return changed

    @api.depends_context("uid")
    def _compute_prs_other_registration_count(self):
        """Counted with the user's rights (record rules: a coordinator counts the
        registrations of the programs he coordinates only)."""
        counts = {}
        linked = self.filtered(lambda r: r.partner_id and r._origin)
        if linked and self.check_access_rights("read", raise_exception=False):
            counts = dict(
                self._read_group(
                    [
                        ("partner_id", "in", linked.partner_id.ids),
                        ("event_id.prs_is_program", "=", True),
                    ],
                    ["partner_id"],
                    ["__count"],
                )
            )
        for registration in self:
            count = counts.get(registration.partner_id, 0)
            # this registration is among the counted ones when stored and linked
            mine = 1 if registration in linked else 0
            registration.prs_other_registration_count = max(count - mine, 0)

    def action_prs_view_other_registrations(self):
        """The other registrations of programs of this registration's contact (those the
        user may read)."""
        self.ensure_one()
        if not self.env.user.has_group("prs_base.group_prs_coordinator"):
            raise AccessError(_("Only coordinators see a participant's other registrations."))
        self.check_access_rights("read")
        self.check_access_rule("read")
        return self._prs_registrations_action(
            [("partner_id", "=", self.partner_id.id), ("id", "!=", self.id)],
            _("Other registrations of %s", self.partner_id.display_name),
        )

    @api.model
    def _prs_registrations_action(self, domain, name):
        """The registrations window action restricted to ``domain`` (programs only)."""
        action = self.env["ir.actions.act_window"]._for_xml_id(
            "prs_registration.event_registration_prs_action"
        )
        action.update(
            name=name,
            domain=[("event_id.prs_is_program", "=", True), *domain],
            # the participant's registrations, test ones included (none are linked)
            context={"create": False},
        )
        return action

    # ------------------------------------------------------------------
    # Linking (intake)
    # ------------------------------------------------------------------

    def _prs_link_partner(self, vals):
        """The values that link this registration to its contact, to write together
        with ``vals`` (a step's columns, README "Intake contract", *Participants as
        contacts*); ``{}`` when the link stays as it is.

        A registration without contact, or whose email this step changes, is linked to
        the contact found by email, else by phone (:meth:`_prs_find_partner`), else to a
        new contact (:meth:`_prs_create_partner`; none without an email or a phone).
        Test registrations are never linked. A linked contact only gets its empty
        email, phone and country filled (:meth:`_prs_fill_partner`).
        """
        self.ensure_one()
        if self.prs_is_test or not self.event_id.prs_is_program:
            return {}
        touched = CONTACT_COLUMNS.intersection(vals)
        if self.partner_id and not touched:
            return {}  # a step without contact columns: no query at all
        data = {name: vals[name] if name in vals else self[name] for name in CONTACT_COLUMNS}
        new_email = "email" in vals and contacts.email_key(vals["email"])
        if self.partner_id and not (new_email and new_email != contacts.email_key(self.email)):
            self._prs_fill_partner(self.partner_id, data)
            return {}
        partner, current = self._prs_find_partner(data)
        twin = current.pop("twin", True)
        if partner:
            self._prs_fill_partner(partner, data, current=current)
        else:
            partner, twin = self._prs_create_partner(data), False
        if not partner or partner == self.partner_id:
            return {}
        if not twin:
            self.env.cr.precommit.data.setdefault(ALONE_PAIRS, set()).add(
                (self.id, partner.id, self.event_id.id)
            )
        link = {"partner_id": partner.id}
        for name in PARTNER_SYNCED_COLUMNS:
            link[name] = vals[name] if name in vals else self[name]
        return link

    def _prs_find_partner(self, data):
        """The contact of a participant with the registration columns ``data``: the
        oldest active contact with the same normalised email, else the oldest with the
        same normalised phone (or mobile) that has no email (a shared family phone is
        not a person: with or without an email of the participant). Never a company, a
        contact of another company than the program's, or the contact of a user
        (internal, portal or API: an account's contact is its owner's, and a participant
        typing a colleague's email must not reach it). One query, on indexes.

        Concurrency (Odoo's transactions are REPEATABLE READ: a row committed after the
        snapshot stays invisible, whatever lock is taken later): the query takes the
        advisory locks of the participant's keys (held until the transaction ends), so
        find-or-create runs one transaction at a time per email and per phone, and it
        updates the contact it finds (a no-op ``UPDATE``), so a transaction that finds a
        contact another one linked since its snapshot fails with a serialisation
        failure instead of missing that registration (its duplicate flag); when nothing
        is found, :meth:`_prs_check_committed` looks again in a new snapshot. Both
        failures make Odoo's RPC layer run the call again in a new transaction, which
        sees the other registration and contact.

        :return: ``(partner, {"email", "phone", "mobile", "country_id", "twin"})``: the
            contact (or none), its current values (the fill needs no other read) and
            whether it has an open registration in this program already
        """
        self.ensure_one()
        Partner = self.env["res.partner"]
        emails = contacts.email_terms(data.get("email"))
        phones = contacts.phone_terms(data.get("phone"))
        if not emails and not phones:
            return Partner, {}
        Partner.flush_model(["email_normalized", "phone", "mobile", "active", "is_company"])
        self.flush_model(DUPLICATE_DEPENDS)  # the twin test reads the registrations
        lock_keys = sorted(
            f"prs.contact:{key}"
            for key in (
                contacts.email_key(data.get("email")),
                contacts.phone_key(data.get("phone")),
            )
            if key
        )
        match = self._prs_partner_match(emails, phones)
        self.env.cr.execute(
            SQL(
                """
                WITH locked AS (
                    SELECT count(pg_advisory_xact_lock(hashtext(k))::text) AS n
                      FROM (SELECT k FROM unnest(%(keys)s::text[]) AS k ORDER BY k) keys
                ), found AS (
                    SELECT p.id, p.email, p.phone, p.mobile, p.country_id,
                           EXISTS (
                               SELECT 1 FROM event_registration r
                                WHERE r.partner_id = p.id AND r.event_id = %(program)s
                                  AND r.active AND r.prs_is_test IS NOT TRUE
                                  AND r.prs_state NOT IN %(closed)s
                           ) AS twin
                      FROM res_partner p
                     WHERE %(match)s
                  ORDER BY COALESCE(p.email_normalized IN %(emails)s, FALSE) DESC, p.id
                     LIMIT 1
                ), touched AS (
                    UPDATE res_partner t SET active = t.active
                      FROM found WHERE t.id = found.id
                )
                -- the locks are taken whether a contact is found or not
                SELECT found.* FROM locked LEFT JOIN found ON TRUE
                """,
                keys=lock_keys,
                match=match,
                program=self.event_id.id,
                closed=CLOSED_STATES,
                emails=emails or ("",),
            )
        )
        row = self.env.cr.dictfetchone()
        if row["id"]:
            return Partner.browse(row.pop("id")), row
        self._prs_check_committed(match)
        return Partner, {}

    def _prs_partner_match(self, emails, phones):
        """The ``WHERE`` clause (on ``res_partner p``) of the contacts of a participant
        with the email terms ``emails`` (:func:`..tools.contacts.email_terms`) and the
        phone terms ``phones``; see :meth:`_prs_find_partner`."""
        matches = []
        if emails:
            matches.append(SQL("p.email_normalized IN %s", emails))
        if phones:
            phone_match = SQL(" OR ").join(
                SQL(
                    "(%(col)s IS NOT NULL AND regexp_replace((%(col)s)::text, %(pattern)s::text,"
                    " ''::text, 'g') IN %(terms)s)",
                    col=SQL.identifier("p", column),
                    pattern=contacts.PHONE_SQL_PATTERN,
                    terms=phones,
                )
                for column in ("phone", "mobile")
            )
            # a contact with an email is another person sharing the phone (a family's)
            matches.append(SQL("(p.email_normalized IS NULL AND (%s))", phone_match))
        return SQL(
            """(%(matches)s)
               AND p.active
               AND p.is_company IS NOT TRUE
               AND (p.company_id IS NULL OR p.company_id = %(company)s)
               AND NOT EXISTS (SELECT 1 FROM res_users u WHERE u.partner_id = p.id)""",
            matches=SQL(" OR ").join(matches),
            company=self.event_id.company_id.id or None,
        )

    def _prs_check_committed(self, match):
        """Before a contact is made: whether a transaction committed since this one's
        snapshot made a contact that ``match`` finds (it held the same advisory lock,
        now released). If so, raise a serialisation failure: Odoo's RPC layer runs the
        call again in a new transaction, which links that contact. One query, on a
        connection of its own (a new snapshot; outside of the caller's transaction,
        which it never sees)."""
        with closing(db_connect(self.env.cr.dbname).cursor()) as cr:
            cr.execute(SQL("SELECT 1 FROM res_partner p WHERE %s LIMIT 1", match))
            made = cr.fetchone()
        if made:
            _logger.info("prs: a concurrent intake made the contact; the call is run again")
            self.env.cr.execute(
                "DO $$BEGIN RAISE EXCEPTION 'prs: concurrent contact' "
                "USING ERRCODE = 'serialization_failure'; END$$",
                log_exceptions=False,
            )

    def _prs_partner_values(self, data, country=True):
        """``res.partner`` values of a participant from the registration columns
        ``data`` (email, phone, language when installed, and ``country``)."""
        values = {}
        # the single normalised address, never the raw text (which may hold several)
        email = contacts.email_key(data.get("email"))
        if email:
            values["email"] = email
        # the number without its extension (the phone lookup finds it again)
        if contacts.phone_key(data.get("phone")):
            values["phone"] = contacts.phone_number(data["phone"])
        installed = [code for code, __ in self.env["res.lang"].get_installed()]
        lang = contacts.lang_code(data.get("prs_language"), installed)
        if lang:
            values["lang"] = lang
        code = (data.get("prs_country_code") or "").strip().upper()
        if code and country:
            country = self.env["res.country"].search([("code", "=", code)], limit=1)
            if country:
                values["country_id"] = country.id
        return values

    def _prs_create_partner(self, data):
        """A new contact for the participant (none without an email or a phone: a name
        alone finds nobody again), created without chatter or followers."""
        values = self._prs_partner_values(data)
        if not values.get("email") and not values.get("phone"):
            return self.env["res.partner"]
        values["name"] = contacts.contact_name(data)
        # the participant's language when installed, else the program's default (never
        # the language of the API user calling intake, the create's default)
        values.setdefault("lang", self._prs_default_lang())
        values["company_id"] = False  # a person, shared by the companies' programs
        # no user has this new contact: what its compute would find (reading user_ids)
        values["partner_share"] = True
        # sudo: intake runs as superuser already (its caller has no right on contacts);
        # the values are the participant's non-sensitive columns only
        return self.env["res.partner"].sudo().with_context(**QUIET_CONTEXT).create(values)

    def _prs_fill_partner(self, partner, data, current=None):
        """Fill the contact's empty email, phone and country from ``data``; what the
        contact already says is never changed, and a user's contact is never written.
        ``current``: the contact's values as :meth:`_prs_find_partner` read them (it has
        no user); else they are read."""
        wanted = {
            "email": contacts.email_key(data.get("email")),
            "phone": contacts.phone_key(data.get("phone")),
            "country_id": data.get("prs_country_code"),
        }
        if not any(wanted.values()):
            return  # nothing to fill with: the contact is not even read
        found = current is not None
        if not found:
            current = {
                "email": partner.email,
                "phone": partner.phone,
                "mobile": partner.mobile,
                "country_id": partner.country_id.id,
            }
        missing = {
            "email": not current.get("email"),
            "phone": not current.get("phone") and not current.get("mobile"),
            "country_id": not current.get("country_id"),
        }
        if not any(missing[name] and wanted[name] for name in missing):
            return
        # sudo: as in _prs_create_partner; only the empty fields are written
        partner_sudo = partner.sudo().with_context(active_test=False)
        if not found and partner_sudo.user_ids:
            return
        values = self._prs_partner_values(data, country=missing["country_id"])
        updates = {name: values[name] for name in missing if missing[name] and name in values}
        if updates:
            partner_sudo.with_context(**QUIET_CONTEXT).write(updates)

    # ------------------------------------------------------------------
    # Backfill (migration of databases from before the link)
    # ------------------------------------------------------------------

    @api.model
    def _prs_backfill_partners(self, batch_size=500):
        """Link every registration of a program that has no contact yet (test ones
        aside), oldest first, as intake would have; return how many were linked. For
        the migration script of the version that added the link; safe to run again."""
        # sudo: a migration links every registration, whatever its program
        Registration = self.sudo().with_context(active_test=False)
        domain = [
            ("partner_id", "=", False),
            ("prs_is_test", "=", False),
            ("event_id.prs_is_program", "=", True),
            "|",
            ("email", "!=", False),
            ("phone", "!=", False),
        ]
        linked, last_id = 0, 0
        while True:
            batch = Registration.search(
                [*domain, ("id", ">", last_id)], order="id", limit=batch_size
            )
            if not batch:
                break
            for registration in batch:
                vals = registration._prs_link_partner({})
                if vals:
                    registration.write(vals)
                    linked += 1
            last_id = batch[-1].id
            batch.flush_recordset()
            batch.invalidate_recordset()
        _logger.info("prs_registration: %s registration(s) linked to contacts", linked)
        return linked
