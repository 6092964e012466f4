import re

from odoo.tests import HttpCase, new_test_user, tagged
from odoo.tools import mute_logger

from .common import PrsFixtureMixin


@tagged("post_install", "-at_install", "prs", "prs_review")
class TestReviewTour(PrsFixtureMixin, HttpCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls._setup_prs_forms("tour")
        cls.coordinator = new_test_user(
            cls.env, login="prs_tour_crd", groups="prs_base.group_prs_coordinator"
        )
        cls.revealer = new_test_user(
            cls.env, login="prs_tour_rev", groups="prs_registration.group_prs_reveal"
        )
        cls.program = cls._create_program("TOUR-1", coordinators=cls.coordinator | cls.revealer)
        cls.flow = cls._create_flow(cls.program)
        personal, __, terms = cls.flow.step_ids.sorted("sequence")
        registrations = cls.env["event.registration"]
        answers = cls.personal_answers(
            first_name="Tour", last_name="Participant", id_scan=cls.pdf_answer(b"%PDF-1.4 scan")
        )
        first = registrations.prs_submit(
            {
                "submission_id": "tour-1",
                "program_id": cls.program.id,
                "flow_id": cls.flow.id,
                "step_id": personal.id,
                "form_version": 1,
                "answers": answers,
            }
        )
        registrations.prs_submit(
            {
                "submission_id": "tour-2",
                "program_id": cls.program.id,
                "flow_id": cls.flow.id,
                "step_id": terms.id,
                "form_version": 1,
                "answers": {"accept": True},
                "registration_id": first["registration_id"],
                "continuation_token": first["continuation_token"],
            }
        )
        cls.registration = registrations.browse(first["registration_id"])

    def test_coordinator_reviews_and_confirms(self):
        """A coordinator opens a registration, reads the laid-out answers, confirms it."""
        self.assertEqual(self.registration.prs_state, "submitted")
        action = self.env.ref("prs_registration.event_registration_prs_action")
        self.start_tour(
            f"/web#action={action.id}", "prs_registration_review_tour", login="prs_tour_crd"
        )
        self.assertEqual(self.registration.prs_state, "confirmed")

    def test_sensitive_file_download(self):
        """The decrypted sensitive file downloads for the reveal right only, by a POST
        carrying Odoo's CSRF token; a GET (a link a user is tricked into opening) only
        shows a confirmation page and neither reveals nor logs anything."""
        scan = self.registration._prs_plain_answers()["personal"]["id_scan"]
        url = f"/prs_registration/file/{self.registration.id}/{scan['attachment_id']}"
        logs = self.env["prs.reveal.log"]
        self.authenticate("prs_tour_crd", "prs_tour_crd")
        self.assertNotEqual(self.url_open(url).status_code, 200)
        self.assertNotEqual(self.url_open(url, data={"csrf_token": "x"}).status_code, 200)
        self.authenticate("prs_tour_rev", "prs_tour_rev")
        page = self.url_open(url)
        self.assertEqual(page.status_code, 200)
        self.assertNotIn(b"%PDF-1.4 scan", page.content)
        self.assertIn('method="post"', page.text)
        self.assertFalse(logs.search([("registration_id", "=", self.registration.id)]))
        # a POST without (or with a wrong) CSRF token is refused, and logs nothing
        for data in ({"reveal": "1"}, {"csrf_token": "forged"}):
            with mute_logger("odoo.http"):
                refused = self.url_open(url, data=data)
            self.assertEqual(refused.status_code, 400, data)
            self.assertNotIn(b"%PDF-1.4 scan", refused.content)
        self.assertFalse(logs.search([("registration_id", "=", self.registration.id)]))
        token = re.search(r'name="csrf_token" value="([^"]+)"', page.text).group(1)
        response = self.url_open(url, data={"csrf_token": token})
        self.assertEqual(response.status_code, 200)
        self.assertEqual(response.content, b"%PDF-1.4 scan")
        self.assertIn("id.pdf", response.headers["Content-Disposition"])
        self.assertEqual(len(logs.search([("registration_id", "=", self.registration.id)])), 1)
