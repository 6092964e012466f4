import os
import uuid
import xmlrpc.client
from unittest.mock import patch

import psycopg2
from lxml import etree

from odoo import SUPERUSER_ID, api
from odoo.exceptions import AccessError
from odoo.tests import HttpCase, TransactionCase, new_test_user, tagged
from odoo.tests.common import warmup
from odoo.tools import config
from odoo.tools.safe_eval import safe_eval

from ..tools import contacts
from . import test_intake_concurrency
from .common import (
    TEST_KEY,
    AccessFixtureMixin,
    PrsFixtureMixin,
    PrsRegistrationCase,
    make_field,
)

CONTACT_FIELDS = [
    make_field("first_name", maps_to="first_name"),
    make_field("last_name", maps_to="last_name"),
    make_field("email", "email", maps_to="email"),
    make_field("phone", "phone", maps_to="phone"),
    make_field("language", "select", maps_to="language", choices=["en", "fr_FR", "xx"]),
    make_field("country", "select", maps_to="country", choices=["FR", "IN"]),
]
# a sensitive answer mapped to a column: the registration and the contact never get it
SECRET_FIELDS = [
    make_field("full_name", maps_to="name"),
    make_field("email", "email", maps_to="email"),
    make_field("private_phone", "phone", maps_to="phone", sensitive=True),
]


@tagged("post_install", "-at_install", "prs", "prs_partner")
class TestPartner(AccessFixtureMixin, PrsRegistrationCase):
    """Participants as contacts (README "Intake contract"): intake links each
    registration to a res.partner found by email, then phone, or created; duplicates
    are flagged; contacts and registrations are one click from each other."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.form_contact = cls._create_form("con_contact", "Contact")
        cls._publish(cls.form_contact, [("main", "Main", None, [("main", "Main", CONTACT_FIELDS)])])
        cls.form_secret = cls._create_form("con_secret", "Secret")
        cls._publish(cls.form_secret, [("main", "Main", None, [("main", "Main", SECRET_FIELDS)])])
        cls.contact_flow = cls._create_one_step_flow(cls.program, "contact", cls.form_contact)
        cls.secret_flow = cls._create_one_step_flow(cls.program, "secret", cls.form_secret)
        cls.other_contact_flow = cls._create_one_step_flow(
            cls.other_program, "contact", cls.form_contact
        )
        cls.Partner = cls.env["res.partner"]
        # users without a PRS group, one created with Odoo's default groups among them
        cls.no_prs_users = cls._create_no_prs_users("prs_con")

    @classmethod
    def _create_one_step_flow(cls, program, code, form):
        flow = cls.create_flow(cls.env, program, [cls.step(code, 10, form=form)], code=code)
        flow.write({"state": "published"})
        return flow

    def contact(self, flow=None, test=False, **answers):
        """Submit the one step of ``flow`` (default: the contact flow of the program)
        with ``answers``; return the (submitted) registration."""
        flow = flow or self.contact_flow
        extra = {"test": True} if test else {}
        result = self.submit(self.payload(flow.step_ids, answers, **extra))
        self.assertTrue(result["ok"], result)
        return self.Registration.browse(result["registration_id"])

    def link(self, **columns):
        """A registration whose step stores the contact ``columns`` as intake does
        (for the values a form's email and phone types refuse, which a text field
        mapped to the column lets through)."""
        registration = self.Registration.create(
            {"event_id": self.program.id, "flow_id": self.flow.id, "prs_state": "submitted"}
        )
        registration.write(dict(columns, **registration._prs_link_partner(columns)))
        return registration

    # ------------------------------------------------------------------
    # Keys
    # ------------------------------------------------------------------

    def test_normalised_keys(self):
        """Emails compare lower-case and trimmed; phones as digits with a leading + for
        international numbers (+ or 00); languages by code or bare language."""
        self.assertEqual(contacts.email_key("  Asha.Rao@Example.COM "), "asha.rao@example.com")
        self.assertEqual(contacts.email_key("Asha <ASHA@example.com>"), "asha@example.com")
        self.assertFalse(contacts.email_key("not an email"))
        self.assertEqual(contacts.phone_key(" +33 (6) 12-34.56.78 "), "+33612345678")
        self.assertEqual(contacts.phone_key("0033612345678"), "+33612345678")
        self.assertEqual(contacts.phone_key("06 12 34 56 78"), "0612345678")
        self.assertFalse(contacts.phone_key("112"))
        self.assertEqual(
            contacts.phone_terms("+33 6 12 34 56 78"), ("+33612345678", "0033612345678")
        )
        # a + anywhere before the first digit; an extension is no part of the number
        for text in ("(+41) 79 123 45 67", "+41 79 123 45 67 ext. 12", "+41791234567 x3"):
            self.assertEqual(contacts.phone_key(text), "+41791234567", text)
        self.assertEqual(contacts.phone_key("079 123 45 67;ext=9"), "0791234567")
        self.assertEqual(contacts.phone_number("+41 79 123 45 67 #12"), "+41 79 123 45 67")
        # the whole address in lower case (Unicode too), the domain IDNA-encoded
        self.assertEqual(contacts.email_key("José.Ñ@Example.com"), "josé.ñ@example.com")
        self.assertEqual(contacts.email_key("USER@BÜCHER.DE"), "user@xn--bcher-kva.de")
        self.assertEqual(contacts.email_key("user@xn--bcher-kva.de"), "user@xn--bcher-kva.de")
        self.assertEqual(
            contacts.email_terms("User@Bücher.de"), ("user@bücher.de", "user@xn--bcher-kva.de")
        )
        # several addresses: none is the participant's for sure
        self.assertFalse(contacts.email_key("a@b.com, victim@corp.example"))
        self.assertEqual(contacts.email_terms("a@b.com, victim@corp.example"), ())
        installed = ["en_US", "fr_BE", "fr_FR"]
        self.assertEqual(contacts.lang_code("fr-fr", installed), "fr_FR")
        self.assertEqual(contacts.lang_code("en", installed), "en_US")
        self.assertFalse(contacts.lang_code("de", installed))
        self.assertFalse(contacts.lang_code("de_DE", installed))

    def test_concurrent_count_not_warned(self):
        """A metrics count that loses a race (a serialisation failure, as under
        concurrent intake) is logged at DEBUG; any other failure stays a WARNING."""
        with self.assertRaises(psycopg2.errors.SerializationFailure) as caught:
            with self.env.cr.savepoint():
                self.env.cr.execute(
                    "DO $$BEGIN RAISE EXCEPTION 'race' USING ERRCODE = 'serialization_failure';"
                    " END$$",
                    log_exceptions=False,
                )
        metrics = self.env["prs.metrics"]
        for error, level in ((caught.exception, "DEBUG"), (ValueError("bad"), "WARNING")):
            with self.assertLogs("odoo.addons.prs_base.models.prs_metrics", "DEBUG") as logs:
                metrics._prs_count_failed(error)
            self.assertEqual([record.levelname for record in logs.records], [level])

    # ------------------------------------------------------------------
    # Found, created
    # ------------------------------------------------------------------

    def test_found_by_email(self):
        """A participant is linked to the contact with the same email whatever its case
        and surrounding spaces; the contact's own data is never overwritten, only its
        empty fields are filled."""
        partner = self.Partner.create(
            {"name": "Asha R.", "email": "  Asha.Rao@Example.COM ", "phone": "+91 98 7654 3210"}
        )
        registration = self.contact(
            first_name="Asha",
            last_name="Rao",
            email="ASHA.rao@example.com",
            phone="+91 11 1111 1111",
            country="IN",
        )
        self.assertEqual(registration.partner_id, partner)
        self.assertEqual(partner.name, "Asha R.")
        self.assertEqual(partner.phone, "+91 98 7654 3210")
        self.assertEqual(partner.country_id, self.env.ref("base.in"))  # was empty
        # the registration keeps what the participant submitted, not the contact's data
        self.assertEqual(registration.name, "Asha Rao")
        self.assertEqual(registration.phone, "+91 11 1111 1111")
        # the standard flow (email only) links the same person to the same contact
        self.assertEqual(self.register(email="asha.rao@EXAMPLE.com").partner_id, partner)

    def test_found_by_phone(self):
        """Without an email match, the contact with the same phone (or mobile) is the
        participant's, whatever its spacing or + / 00 prefix, unless it has another
        email (another person sharing the number): then a new contact is made."""
        shared = self.Partner.create({"name": "Home", "phone": "+33 6 12 34 56 78"})
        registration = self.contact(
            first_name="Marc", email="marc@example.com", phone="0033 612 345 678"
        )
        self.assertEqual(registration.partner_id, shared)
        self.assertEqual(shared.email, "marc@example.com")  # empty before: filled
        other = self.Partner.create(
            {"name": "Lea", "email": "lea@example.com", "mobile": "06.12.34.56.99"}
        )
        stranger = self.contact(first_name="Paul", email="paul@example.com", phone="0612345699")
        self.assertNotEqual(stranger.partner_id, other)
        self.assertEqual(stranger.partner_id.email, "paul@example.com")
        self.assertEqual(other.email, "lea@example.com")
        # the same rule without an email: the number of a contact with an email is
        # another person's (a family's phone), the participant gets a contact of its own
        no_email = self.contact(first_name="Lea", phone="06 12 34 56 99")
        self.assertNotEqual(no_email.partner_id, other)
        self.assertFalse(no_email.partner_id.email)
        self.assertEqual(
            self.contact(first_name="L", phone="0612345699").partner_id, no_email.partner_id
        )

    def test_phone_forms(self):
        """A bracketed + is international, an extension is cut: the contact stores the
        number without it, and finds the participant again by the other forms."""
        first = self.link(name="Ext", phone="+41 79 123 45 67 ext. 12")
        partner = first.partner_id
        self.assertEqual(partner.phone, "+41 79 123 45 67")
        self.assertEqual(first.phone, "+41 79 123 45 67 ext. 12")  # the participant's text
        for text in ("(+41) 79 123 45 67", "0041 79 123 45 67 x 3"):
            self.assertEqual(self.link(name="Ext", phone=text).partner_id, partner)

    def test_email_forms(self):
        """The contact gets the single normalised address; case and IDN forms of one
        address find one contact; a value with several addresses links by none."""
        first = self.contact(first_name="José", email="José.Ñ@Example.com")
        partner = first.partner_id
        self.assertEqual(partner.email, "josé.ñ@example.com")
        self.assertEqual(first.email, "José.Ñ@Example.com")  # the participant's text
        self.assertEqual(
            self.contact(first_name="J", email="josé.ñ@EXAMPLE.com").partner_id, partner
        )
        idn = self.contact(first_name="U", email="user@bücher.de").partner_id
        self.assertEqual(idn.email, "user@xn--bcher-kva.de")
        self.assertEqual(
            self.contact(first_name="U", email="USER@xn--bcher-kva.de").partner_id, idn
        )
        # a contact typed by hand keeps Odoo's normalisation (Unicode domain): found too
        typed = self.Partner.create({"name": "Typed", "email": "Anna@München.de"})
        self.assertEqual(
            self.contact(first_name="A", email="anna@xn--mnchen-3ya.de").partner_id, typed
        )
        # several addresses: no contact by email, none made with that text
        before = self.Partner.search_count([])
        multi = self.link(name="M", email="a@b.com, victim@corp.example")
        self.assertFalse(multi.partner_id)
        by_phone = self.link(name="M", email="a@b.com, v@corp.example", phone="0612340000")
        self.assertTrue(by_phone.partner_id)
        self.assertFalse(by_phone.partner_id.email)
        self.assertEqual(self.Partner.search_count([]), before + 1)

    def test_created(self):
        """No match: a contact is created from the columns (name from first and last
        name, email, phone, installed language, country) without chatter or
        followers; without email and phone no contact is made."""
        before = self.Partner.search_count([])
        registration = self.contact(
            first_name="Nia",
            last_name="Okafor",
            email="nia@example.com",
            phone="+234 801 234 5678",
            language="en",
            country="FR",
        )
        partner = registration.partner_id
        self.assertEqual(self.Partner.search_count([]), before + 1)
        self.assertRecordValues(
            partner,
            [
                {
                    "name": "Nia Okafor",
                    "email": "nia@example.com",
                    "phone": "+234 801 234 5678",
                    "lang": "en_US",
                    "country_id": self.env.ref("base.fr").id,
                    "is_company": False,
                    "company_id": False,
                }
            ],
        )
        self.assertFalse(partner.message_ids)
        self.assertFalse(partner.message_follower_ids)
        # a language that is not installed leaves the contact's default
        other = self.contact(first_name="Jo", email="jo@example.com", language="xx").partner_id
        self.assertEqual(other.lang, self.env.lang or "en_US")
        # a name alone finds nobody again: no contact
        nameless = self.contact(first_name="Kim", last_name="Lee")
        self.assertFalse(nameless.partner_id)
        self.assertEqual(self.Partner.search_count([]), before + 2)

    def test_sensitive_not_copied(self):
        """A sensitive answer mapped to a column (here phone) reaches neither the
        registration, nor the contact, nor the lookup: a contact holding that number
        is not the participant's."""
        holder = self.Partner.create({"name": "Holder", "phone": "+44 20 7946 0000"})
        registration = self.contact(
            self.secret_flow,
            full_name="Ada Secret",
            email="ada@example.com",
            private_phone="+44 20 7946 0000",
        )
        partner = registration.partner_id
        self.assertTrue(partner)
        self.assertNotEqual(partner, holder)
        self.assertEqual((partner.name, partner.email), ("Ada Secret", "ada@example.com"))
        self.assertFalse(partner.phone)
        self.assertFalse(partner.mobile)
        self.assertFalse(registration.phone)
        # an existing contact found by email gets no sensitive value either
        found = self.Partner.create({"name": "Ben", "email": "ben@example.com"})
        again = self.contact(
            self.secret_flow, full_name="Ben", email="ben@example.com", private_phone="+4420794"
        )
        self.assertEqual(again.partner_id, found)
        self.assertFalse(found.phone)

    def test_never_linked(self):
        """Users' contacts (an internal user's email typed by a participant), archived
        contacts, companies and test registrations are never linked: a new contact is
        made (or none for a test registration), and those contacts are not written."""
        crd_partner = self.coordinator.partner_id
        archived = self.Partner.create({"name": "Old", "email": "old@example.com", "active": False})
        company = self.Partner.create(
            {"name": "ACME", "email": "info@acme.example.com", "is_company": True}
        )
        for email, kept in (
            ("crd@example.com", crd_partner),
            ("old@example.com", archived),
            ("info@acme.example.com", company),
        ):
            registration = self.contact(first_name="Eve", email=email, phone="+1 555 0100 200")
            self.assertTrue(registration.partner_id, email)
            self.assertNotEqual(registration.partner_id, kept, email)
            self.assertFalse(kept.phone, email)
        self.assertEqual(crd_partner.email, "crd@example.com")
        test = self.contact(test=True, first_name="Tess", email="tess@example.com")
        self.assertFalse(test.partner_id)
        self.assertFalse(self.Partner.search_count([("email", "=", "tess@example.com")]))

    def test_changed_email_relinks(self):
        """A later answer that changes the email re-links the registration (here a
        requested change of the personal step): to the contact of the new email, or a
        new one; the first contact is left as it was."""
        registration = self.register(email="first@example.com")
        first = registration.partner_id
        self.assertTrue(first)
        registration.with_user(self.coordinator)._prs_request_changes(self.step_personal, "Typo")
        result = self.submit(
            self.payload(
                answers=self.personal_answers(email="second@example.com"),
                registration=registration,
            )
        )
        self.assertTrue(result["ok"], result)
        self.assertEqual(registration.partner_id.email, "second@example.com")
        self.assertNotEqual(registration.partner_id, first)
        self.assertEqual(first.email, "first@example.com")

    @warmup
    def test_lookup_is_one_query(self):
        """The lookup is one query (on the indexes of the email and the phone)."""
        self.Partner.create({"name": "Q", "email": "q@example.com", "phone": "+33 1 23 45 67 89"})
        registration = self.contact(first_name="Z", email="z@example.com")
        data = {"email": "Q@example.com", "phone": "0033123456789"}
        # intake has the program's company in cache: read it before counting
        self.assertTrue(registration.event_id.company_id)
        with self.assertQueryCount(__system__=1):
            partner, current = registration._prs_find_partner(data)
        self.assertEqual(current["email"], "q@example.com")
        self.assertEqual(partner.email, "q@example.com")

    # ------------------------------------------------------------------
    # Duplicates
    # ------------------------------------------------------------------

    def _duplicate_filter_domain(self):
        view = self.env.ref("prs_registration.event_registration_prs_view_search")
        node = etree.fromstring(view.arch).xpath("//filter[@name='filter_duplicate']")
        self.assertEqual(len(node), 1)
        return safe_eval(node[0].get("domain"))

    def test_duplicate_flag(self):
        """A second open registration of the same person in one program flags both
        (the "Possible Duplicates" filter finds them); cancelling or deleting the other
        one clears the flag; a registration in another program is no duplicate."""
        first = self.register(email="twice@example.com")
        self.assertFalse(first.prs_duplicate)
        elsewhere = self.contact(self.other_contact_flow, first_name="A", email="twice@example.com")
        self.assertEqual(elsewhere.partner_id, first.partner_id)
        self.assertFalse(first.prs_duplicate)
        self.assertFalse(elsewhere.prs_duplicate)
        second = self.contact(first_name="Asha", email="Twice@example.com")
        self.assertEqual(second.partner_id, first.partner_id)
        self.assertTrue(first.prs_duplicate)
        self.assertTrue(second.prs_duplicate)
        domain = self._duplicate_filter_domain()
        flagged = self.Registration.with_user(self.coordinator).search(domain)
        self.assertEqual(flagged & (first | second | elsewhere), first | second)
        second.with_user(self.coordinator)._prs_cancel("Registered twice")
        self.env.flush_all()
        self.assertFalse(first.prs_duplicate)
        self.assertFalse(second.prs_duplicate)  # closed: never flagged
        third = self.contact(first_name="Asha", email="twice@example.com")
        self.assertTrue(first.prs_duplicate)
        third.unlink()
        self.assertFalse(first.prs_duplicate)
        self.assertNotIn(first, self.Registration.search(domain))
        # a state change that keeps both open (submitted -> confirmed) keeps the flag
        fourth = self.contact(first_name="Asha", email="twice@example.com")
        first.with_user(self.coordinator).action_prs_confirm()
        self.assertTrue(first.prs_duplicate and fourth.prs_duplicate)
        # the contact cleared by hand: that registration is no duplicate any more,
        # nor is its former twin
        fifth = self.contact(first_name="Asha", email="twice@example.com")
        fifth.with_user(self.coordinator).write({"partner_id": False})
        self.assertFalse(fifth.prs_duplicate)
        self.assertTrue(first.prs_duplicate and fourth.prs_duplicate)
        fourth.with_user(self.coordinator).write({"partner_id": False})
        self.assertFalse(fourth.prs_duplicate or first.prs_duplicate)
        fourth.with_user(self.coordinator).write({"partner_id": first.partner_id.id})
        self.assertTrue(first.prs_duplicate and fourth.prs_duplicate)
        # the contact deleted: no contact, no duplicate
        first.partner_id.unlink()
        self.assertFalse(first.partner_id or fourth.partner_id)
        self.assertFalse(first.prs_duplicate or fourth.prs_duplicate)
        # nobody but the registrations writes the flag
        with self.assertRaises(AccessError):
            first.with_user(self.coordinator).write({"prs_duplicate": True})

    def test_merge_moves_registrations(self):
        """Odoo's contact merge moves the registrations to the kept contact and their
        duplicate flag follows."""
        one = self.contact(first_name="Sam", email="sam@example.com")
        two = self.contact(first_name="Sam", email="sam.work@example.com")
        kept, merged = one.partner_id, two.partner_id
        self.assertNotEqual(kept, merged)
        self.assertFalse(one.prs_duplicate or two.prs_duplicate)
        wizard = self.env["base.partner.merge.automatic.wizard"].create(
            {"partner_ids": [(6, 0, (kept | merged).ids)], "dst_partner_id": kept.id}
        )
        wizard.action_merge()
        self.assertFalse(merged.exists())
        self.assertEqual((one | two).partner_id, kept)
        self.assertTrue(one.prs_duplicate)
        self.assertTrue(two.prs_duplicate)
        self.assertIn(two, self.Registration.search(self._duplicate_filter_domain()))

    # ------------------------------------------------------------------
    # Smart buttons
    # ------------------------------------------------------------------

    def test_smart_buttons_follow_record_rules(self):
        """The contact's and the registration's counts (and the lists they open) hold
        the registrations the user may read: a coordinator sees his programs' only; a
        user without a PRS group gets no button and no list."""
        mine = self.contact(first_name="Ola", email="ola@example.com")
        theirs = self.contact(self.other_contact_flow, first_name="Ola", email="ola@example.com")
        partner = mine.partner_id
        self.assertEqual(theirs.partner_id, partner)
        crd, adm = self.coordinator, self.administrator
        self.assertEqual(partner.with_user(crd).prs_registration_count, 1)
        self.assertEqual(partner.with_user(adm).prs_registration_count, 2)
        self.assertEqual(partner.with_user(self.other_coordinator).prs_registration_count, 1)
        action = partner.with_user(crd).action_prs_view_registrations()
        self.assertEqual(self.Registration.with_user(crd).search(action["domain"]), mine)
        action = partner.with_user(adm).action_prs_view_registrations()
        self.assertEqual(self.Registration.with_user(adm).search(action["domain"]), mine | theirs)
        self.assertEqual(mine.with_user(crd).prs_other_registration_count, 0)
        self.assertEqual(mine.with_user(adm).prs_other_registration_count, 1)
        action = mine.with_user(adm).action_prs_view_other_registrations()
        self.assertEqual(self.Registration.with_user(adm).search(action["domain"]), theirs)
        # the registrations list is the program registrations' own action
        self.assertEqual(action["res_model"], "event.registration")
        for user in (self.internal_user, self.configurator, *self.no_prs_users.values()):
            with self.assertRaises(AccessError):
                partner.with_user(user).action_prs_view_registrations()
            with self.assertRaises(AccessError):
                partner.with_user(user).read(["prs_registration_count"])
        with self.assertRaises(AccessError):
            mine.with_user(self.other_coordinator).action_prs_view_other_registrations()
        # the buttons are in the forms, for coordinators
        for xmlid, method in (
            ("prs_registration.res_partner_view_form_inherit_prs", "action_prs_view_registrations"),
            (
                "prs_registration.event_registration_prs_view_form",
                "action_prs_view_other_registrations",
            ),
        ):
            arch = etree.fromstring(self.env.ref(xmlid).arch)
            [button] = arch.xpath(f"//button[@name='{method}']")
            self.assertEqual(button.get("groups"), "prs_base.group_prs_coordinator")

    # ------------------------------------------------------------------
    # Migration
    # ------------------------------------------------------------------

    def test_backfill(self):
        """The backfill of existing databases links registrations made before the link
        as intake would (same email: same contact, flagged when in one program); it is
        safe to run again."""
        values = {"event_id": self.program.id, "flow_id": self.flow.id, "prs_state": "submitted"}
        old = self.Registration.create(
            [
                dict(values, name="Old One", email="legacy@example.com"),
                dict(values, name="Old Two", email="LEGACY@example.com "),
                dict(values, name="No contact"),
                dict(values, name="Family", phone="+33 6 11 22 33 44"),
            ]
        )
        family = self.Partner.create(
            {"name": "Parent", "email": "parent@example.com", "phone": "0033611223344"}
        )
        self.assertFalse(old.partner_id)
        self.assertEqual(self.Registration._prs_backfill_partners(batch_size=1), 3)
        self.assertEqual(len(old[:2].partner_id), 1)
        self.assertEqual(old[0].partner_id.name, "Old One")
        self.assertEqual(old[0].partner_id.email, "legacy@example.com")
        self.assertFalse(old[2].partner_id)
        self.assertTrue(old[0].prs_duplicate and old[1].prs_duplicate)
        # the intake rule: a phone does not reach a contact with an email
        self.assertTrue(old[3].partner_id)
        self.assertNotEqual(old[3].partner_id, family)
        self.assertEqual(self.Registration._prs_backfill_partners(), 0)


@tagged("post_install", "-at_install", "prs", "prs_partner")
class TestPartnerRpc(PrsFixtureMixin, HttpCase):
    """Over real XML-RPC, the API workers' first step links the participant's contact,
    which the integration user itself cannot read."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_prs_forms("conrpc")
        cls.api_user = new_test_user(
            cls.env, login="prs_conrpc_api", groups="prs_base.group_prs_api"
        )
        cls.program = cls._create_program("CONRPC-1")
        cls.flow = cls._create_flow(cls.program)
        cls.step_personal = cls.flow.step_ids.sorted("sequence")[:1]
        cls.Registration = cls.env["event.registration"]

    def test_xmlrpc_links_contact(self):
        """prs_submit over XML-RPC links a new contact; the API user reads no contact."""
        models = xmlrpc.client.ServerProxy(
            f"http://127.0.0.1:{config['http_port']}/xmlrpc/2/object", allow_none=True
        )
        db, uid, key = self.env.cr.dbname, self.api_user.id, "prs_conrpc_api"
        payload = self.payload(answers=self.personal_answers(email="Rpc.User@example.com"))
        result = models.execute_kw(db, uid, key, "event.registration", "prs_submit", [payload])
        self.assertTrue(result["ok"], result)
        registration = self.Registration.browse(result["registration_id"])
        partner = registration.partner_id
        self.assertEqual((partner.name, partner.email), ("Asha Rao", "rpc.user@example.com"))
        with self.assertRaises(xmlrpc.client.Fault):
            models.execute_kw(db, uid, key, "res.partner", "read", [partner.ids, ["email"]])


@tagged("post_install", "-at_install", "prs", "prs_partner")
class TestPartnerConcurrency(PrsFixtureMixin, TransactionCase):
    """Two first steps of one person racing in real, committed transactions (REPEATABLE
    READ, both snapshots taken before either commits): one contact, both registrations
    flagged as duplicates (README "Participants as contacts")."""

    # the committed fixtures, their clean-up and the race of TestIntakeConcurrency
    _committed_fixtures = test_intake_concurrency.TestIntakeConcurrency._committed_fixtures
    _cleanup = test_intake_concurrency.TestIntakeConcurrency._cleanup
    _race = test_intake_concurrency.TestIntakeConcurrency._race

    def _race_first_steps(self, ids, emails):
        """One first step per email, raced; return the registrations' ``(contact id,
        duplicate flag)``."""
        results = []

        def first_step(email):
            def call(env):
                payload = {
                    "submission_id": f"pc-{uuid.uuid4()}",
                    "program_id": ids["program"],
                    "flow_id": ids["flow"],
                    "step_id": ids["step"],
                    "form_version": 1,
                    "answers": self.personal_answers(email=email),
                }
                result = env["event.registration"].prs_submit(payload)
                self.assertTrue(result.get("ok"), result)
                results.append(result["registration_id"])

            return call

        with patch.dict(os.environ, {"PRS_ENCRYPTION_KEY": TEST_KEY}):
            failures = self._race(*(first_step(email) for email in emails))
        self.assertEqual(failures, [None] * len(emails))
        with self.registry.cursor() as cr:
            cr.execute(
                "SELECT partner_id, prs_duplicate FROM event_registration WHERE id IN %s",
                [tuple(results)],
            )
            return cr.fetchall()

    def _drop_contacts(self, email):
        def drop():
            with self.registry.cursor() as cr:
                cr.execute("DELETE FROM res_partner WHERE email_normalized = %s", [email])

        self.addCleanup(drop)

    def test_existing_contact(self):
        """The contact exists: both registrations are linked to it and both flagged
        (the second transaction is run again, and then sees the first one)."""
        ids = self._committed_fixtures()
        email = f"race.{uuid.uuid4().hex[:8]}@example.com"
        self._drop_contacts(email)
        with self.registry.cursor() as cr:
            env = api.Environment(cr, SUPERUSER_ID, {})
            partner_id = env["res.partner"].create({"name": "Racer", "email": email}).id
        rows = self._race_first_steps(ids, [email, email.upper()])
        self.assertEqual(rows, [(partner_id, True), (partner_id, True)])

    def test_new_contact(self):
        """A new email: one contact is made, both registrations are linked to it and
        both flagged."""
        ids = self._committed_fixtures()
        email = f"race.{uuid.uuid4().hex[:8]}@example.com"
        self._drop_contacts(email)
        rows = self._race_first_steps(ids, [email, email.upper()])
        with self.registry.cursor() as cr:
            cr.execute("SELECT id FROM res_partner WHERE email_normalized = %s", [email])
            made = [row[0] for row in cr.fetchall()]
        self.assertEqual(len(made), 1)
        self.assertEqual(rows, [(made[0], True), (made[0], True)])
