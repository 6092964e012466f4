import uuid

from odoo.tests import TransactionCase, tagged


@tagged("post_install", "-at_install", "prs", "prs_suite")
class TestDemoConfirm(TransactionCase):
    """Issue 13 item 10: in a database built like ``make run``'s (prs_suite with demo
    data; ``scripts/test.sh`` builds its database the same way), a demo registration
    goes through intake and the demo coordinator confirms it, mails included (Odoo's
    PDF reports need wkhtmltopdf: ``scripts/setup.sh`` installs it)."""

    def test_confirm_demo_registration(self):
        program = self.env.ref("prs_suite.prs_demo_program_retreat", raise_if_not_found=False)
        self.assertTrue(program, "the database must hold prs_suite's demo data")
        flow = self.env.ref("prs_suite.prs_demo_flow_quick")
        basic = self.env.ref("prs_suite.prs_demo_flow_quick_step_basic")
        confirmation = self.env.ref("prs_suite.prs_demo_flow_quick_step_confirmation")
        coordinator = self.env.ref("base.user_demo")
        self.assertIn(coordinator, program.prs_coordinator_ids)
        Registration = self.env["event.registration"]
        payload = {
            "submission_id": str(uuid.uuid4()),
            "program_id": program.id,
            "flow_id": flow.id,
            "step_id": basic.id,
            "form_version": basic.form_id.version,
            "answers": {"full_name": "Demo Participant", "email": "demo.p@example.com", "age": 41},
        }
        first = Registration.prs_submit(payload)
        self.assertTrue(first["ok"], first)
        self.assertEqual(first["next_step_id"], confirmation.id)
        registration = Registration.browse(first["registration_id"])
        last = dict(
            payload,
            submission_id=str(uuid.uuid4()),
            step_id=confirmation.id,
            form_version=0,
            answers={},
            registration_id=registration.id,
        )
        for key in ("continuation_token",):
            if key in first:
                last[key] = first[key]
        result = Registration.prs_submit(last)
        self.assertTrue(result["ok"], result)
        self.assertEqual(registration.prs_state, "submitted")
        # the receipt of the last step, then the confirmation alone (each sent after its
        # commit, which a test transaction never reaches: sent here as the hook does)
        registration._prs_send_pending_state_mails()
        receipt = self.env["mail.mail"].search([("email_to", "ilike", "demo.p@example.com")])

        registration.with_user(coordinator).action_prs_confirm()
        self.assertEqual((registration.prs_state, registration.state), ("confirmed", "open"))
        registration._prs_send_pending_state_mails()
        mails = self.env["mail.mail"].search([("email_to", "ilike", "demo.p@example.com")])
        mails -= receipt
        template = self.env.ref("prs_registration.mail_template_registration_confirmed")
        subject = template._render_field("subject", registration.ids)[registration.id]
        self.assertEqual(mails.mapped("subject"), [subject])
        mails.send()
        failed = mails.exists().filtered(lambda mail: mail.state == "exception")
        self.assertFalse(failed, failed.mapped("failure_reason"))
        # Odoo's own registration reports render (wkhtmltopdf, installed by the set-up)
        reports = self.env["ir.actions.report"].with_context(force_report_rendering=True)
        pdf, kind = reports._render_qweb_pdf(
            "event.action_report_event_registration_full_page_ticket", registration.ids
        )
        self.assertEqual(kind, "pdf")
        self.assertTrue(pdf.startswith(b"%PDF"))
