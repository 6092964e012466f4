from odoo.tests import tagged

from .common import PrsRegistrationCase, make_field

# a one-step form whose answers fill the contact columns, the language among them
LANG_FIELDS = [
    make_field("first_name", maps_to="first_name"),
    make_field("email", "email", maps_to="email"),
    make_field("language", "select", maps_to="language", choices=["fr_FR", "es", "en", "xx"]),
]


@tagged("post_install", "-at_install", "prs", "prs_mails")
class TestMailLang(PrsRegistrationCase):
    """Every PRS mail in the participant's language, with the module's shipped
    translations (``prs_registration/i18n``), from the program's address (issue 16)."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        for lang in ("fr_FR", "es_ES"):
            cls.env["res.lang"]._activate_lang(lang)
        # the shipped French and Spanish terms (an install with the languages loads them)
        cls.env["ir.module.module"]._load_module_terms(
            ["prs_registration"], ["fr_FR", "es_ES"], overwrite=True
        )
        form = cls._create_form("lang_contact", "Language")
        cls._publish(form, [("main", "Main", None, [("main", "Main", LANG_FIELDS)])])
        cls.lang_flow = cls.create_flow(
            cls.env, cls.program, [cls.step("lang", 10, form=form)], code="lang"
        )
        cls.lang_flow.state = "published"
        # the API user works in French: its language must reach no contact
        cls.api_user.lang = "fr_FR"
        cls.program_name = cls.program.name

    def enrol(self, **answers):
        """Submit the language flow's one (last) step; return the submitted registration
        once its transaction has ended (the receipt is queued after the commit)."""
        answers = {code: value for code, value in answers.items() if value is not None}
        result = self.submit(self.payload(self.lang_flow.step_ids, answers))
        self.assertTrue(result["ok"], result)
        self.run_after_commit()
        return self.Registration.browse(result["registration_id"])

    def mail(self, registration, subject_start):
        """The one queued mail of ``registration`` whose subject starts so."""
        self.run_after_commit()
        mails = self.env["mail.mail"].search(
            [("model", "=", "event.registration"), ("res_id", "=", registration.id)]
        )
        mails = mails.filtered(lambda m: m.subject.startswith(subject_start))
        self.assertEqual(len(mails), 1, [m.subject for m in mails])
        return mails

    # ------------------------------------------------------------------ mails
    def test_french_participant_mails_in_french(self):
        """A French participant's receipt, rejection (with the reason) and cancellation
        are in French; an English participant's in English."""
        rejected = self.enrol(first_name="Léa", email="lea@example.com", language="fr_FR")
        cancelled = self.enrol(first_name="Luc", email="luc@example.com", language="fr_FR")
        english = self.enrol(first_name="Ann", email="ann@example.com", language="en")
        english_cancelled = self.enrol(first_name="Bob", email="bob@example.com", language="en")

        receipt = self.mail(rejected, "Nous avons bien reçu")
        self.assertEqual(
            receipt.subject, f"Nous avons bien reçu votre inscription à {self.program_name}"
        )
        self.assertIn("Bonjour Léa", receipt.body_html)
        self.assertIn("Votre référence", receipt.body_html)
        self.assertNotIn("We received", receipt.body_html)
        english_receipt = self.mail(english, "We received")
        self.assertEqual(
            english_receipt.subject, f"We received your registration for {self.program_name}"
        )
        self.assertIn("Hello Ann", english_receipt.body_html)

        (rejected | english).with_user(self.coordinator)._prs_reject("Dossier incomplet")
        refusal = self.mail(rejected, "Votre inscription")
        self.assertEqual(refusal.subject, f"Votre inscription à {self.program_name}")
        self.assertIn("Nous sommes désolés", refusal.body_html)
        self.assertIn("Motif : Dossier incomplet", refusal.body_html)
        english_refusal = self.mail(english, "Your registration")
        self.assertIn("could not be accepted", english_refusal.body_html)
        self.assertIn("Reason: Dossier incomplet", english_refusal.body_html)

        (cancelled | english_cancelled).with_user(self.coordinator)._prs_cancel("Salle fermée")
        cancellation = self.mail(cancelled, "Votre inscription")
        self.assertEqual(
            cancellation.subject, f"Votre inscription à {self.program_name} est annulée"
        )
        self.assertIn("a été annulée", cancellation.body_html)
        self.assertIn("Motif : Salle fermée", cancellation.body_html)
        english_cancellation = self.mail(english_cancelled, "Your registration")
        self.assertEqual(
            english_cancellation.subject, f"Your registration for {self.program_name} is cancelled"
        )
        self.assertIn("has been cancelled", english_cancellation.body_html)

    def test_spanish_receipt(self):
        """The Spanish terms ship too: a Spanish participant's receipt."""
        registration = self.enrol(first_name="Inés", email="ines@example.com", language="es")
        receipt = self.mail(registration, "Hemos recibido")
        self.assertEqual(receipt.subject, f"Hemos recibido su inscripción en {self.program_name}")
        self.assertIn("Hola, Inés", receipt.body_html)

    # ------------------------------------------------------------------ language order
    def test_registration_language_first(self):
        """The registration's own language first, then the contact's, then the
        program's default; never the language of the user who acts."""
        french_contact = self.env["res.partner"].create(
            {"name": "Zoé", "email": "zoe@example.com", "lang": "fr_FR"}
        )
        # the contact is French, the participant answered English: English
        answered_en = self.enrol(first_name="Zoé", email="zoe@example.com", language="en")
        self.assertEqual(answered_en.partner_id, french_contact)
        self.assertEqual(answered_en._prs_mail_lang(), "en_US")
        self.mail(answered_en, "We received")
        # no language answered (or none installed): the contact's
        unanswered = self.enrol(first_name="Zoé", email="zoe@example.com")
        self.assertEqual(unanswered.partner_id, french_contact)
        self.assertEqual(unanswered._prs_mail_lang(), "fr_FR")
        self.mail(unanswered, "Nous avons bien reçu")
        klingon = self.enrol(first_name="Zoé", email="zoe@example.com", language="xx")
        self.assertEqual(klingon._prs_mail_lang(), "fr_FR")
        # neither: the program's default language (en_US here), not the coordinator's
        self.coordinator.lang = "es_ES"
        nobody = self.register(email="nobody@example.com")
        nobody.partner_id = False
        self.assertFalse(nobody.prs_language)
        self.assertEqual(nobody._prs_mail_lang(), "en_US")
        nobody.with_user(self.coordinator)._prs_reject("No")
        self.mail(nobody, "Your registration")

    def test_contact_created_in_participants_language(self):
        """Intake creates the contact with the participant's language when installed,
        else the program's default language, never the API user's (French here)."""
        french = self.enrol(first_name="Léa", email="lea2@example.com", language="fr_FR")
        self.assertEqual(french.partner_id.lang, "fr_FR")
        spanish = self.enrol(first_name="Inés", email="ines2@example.com", language="es")
        self.assertEqual(spanish.partner_id.lang, "es_ES")
        for language in (None, "xx"):
            with self.subTest(language=language):
                email = f"{language or 'none'}@example.com"
                registration = self.enrol(first_name="Kim", email=email, language=language)
                self.assertEqual(registration.partner_id.lang, "en_US")
                self.assertEqual(registration._prs_default_lang(), "en_US")

    # ------------------------------------------------------------------ sender
    def test_sender_is_the_program_never_the_coordinator(self):
        """The mails come from the organizer's address, else the company's, else Odoo's
        default sender: never from the coordinator who decided."""
        organizer = self.env["res.partner"].create(
            {"name": "Summer School", "email": "school@example.com"}
        )
        self.program.organizer_id = organizer
        first = self.register(email="p1@example.com")
        first.with_user(self.coordinator)._prs_reject("Full")
        self.assertEqual(
            self.mail(first, "Your registration").email_from, organizer.email_formatted
        )
        # organizer without an address: the company's
        organizer.email = False
        company = self.program.company_id or self.env.company
        company.email = "office@example.com"
        second = self.register(email="p2@example.com")
        second.with_user(self.coordinator)._prs_cancel("Closed")
        self.assertEqual(self.mail(second, "Your registration").email_from, company.email_formatted)
        # neither: Odoo's default sender, not the coordinator's own address
        company.email = False
        self.assertTrue(self.coordinator.email)
        third = self.register(email="p3@example.com")
        third.with_user(self.coordinator)._prs_reject("Full")
        mail = self.mail(third, "Your registration")
        self.assertNotIn(self.coordinator.email, mail.email_from or "")
        self.assertNotEqual(mail.author_id, self.coordinator.partner_id)
