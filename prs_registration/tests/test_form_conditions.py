import datetime
from unittest.mock import patch

from freezegun import freeze_time

from odoo.tests import tagged

from odoo.addons.prs_form_builder.tests.common import FormBuilder

from ..tools import intake, privacy
from .common import PrsRegistrationCase

PAST = '"2000-01-01"'
FUTURE = '"2999-01-01"'
NOON = datetime.time(12)  # noon UTC: any program time zone is within a day of it


class PrsOneStepCase(PrsRegistrationCase):
    """A published one-step flow on a form built and published through the product."""

    @classmethod
    def _one_step_flow(cls, code, fields=(), pages=None):
        form = FormBuilder.create_form(cls.env, code, fields, pages, publish=True)
        flow = cls.env["event.flow"].create(
            {
                "event_id": cls.program.id,
                "code": code,
                "name": code.title(),
                "step_ids": [(0, 0, {"code": code, "name": code.title(), "form_id": form.id})],
            }
        )
        flow.write({"state": "published"})
        return flow.step_ids

    def _accept(self, step, answers):
        result = self.submit(self.payload(step, answers))
        self.assertTrue(result["ok"], result)
        return self.Registration.browse(result["registration_id"])


@tagged("post_install", "-at_install", "prs", "prs_review")
class TestTodayConditions(PrsOneStepCase):
    """Review and intake read conditions on ``today`` in the same context."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        field, section, page = FormBuilder.field, FormBuilder.section, FormBuilder.page
        cls.step_today = cls._one_step_flow(
            "today",
            pages=[
                page(
                    "now",
                    [
                        section(
                            "open", [field("motto"), field("alias", condition=f"today >= {PAST}")]
                        ),
                        section("later", [field("plan")], condition=f"today >= {FUTURE}"),
                    ],
                    condition=f"today >= {PAST}",
                ),
                page("past", [section("old", [field("memory")])], condition=f"today < {PAST}"),
            ],
        )

    def test_review_and_intake_agree_on_today(self):
        """A page, section or field shown by a condition on today at intake is shown in
        the review; one hidden at intake is dropped there and absent from the review."""
        answers = {"motto": "carpe diem", "alias": "ace", "plan": "mars", "memory": "y2k"}
        registration = self._accept(self.step_today, answers)
        self.assertEqual(
            registration._prs_plain_answers()["today"], {"motto": "carpe diem", "alias": "ace"}
        )
        html = str(registration.with_user(self.coordinator).prs_review_html)
        for shown in ("Now", "Open", "Motto", "carpe diem", "Alias", "ace"):
            self.assertIn(shown, html)
        for hidden in ("Later", "Plan", "mars", "Past", "Memory", "y2k"):
            self.assertNotIn(hidden, html)

    def test_review_uses_the_date_of_intake(self):
        """A step accepted on day D with a condition on today is reviewed on D + 2 with
        the date intake used: what intake showed stays shown, what it hid stays hidden."""
        day = self.program._prs_today()  # the program's local date, as intake reads it
        until = f'"{day + datetime.timedelta(days=1)}"'
        step = self._one_step_flow(
            "dated",
            pages=[
                FormBuilder.page(
                    "main",
                    [
                        FormBuilder.section("always", [FormBuilder.field("ticket")]),
                        FormBuilder.section(
                            "early_bird", [FormBuilder.field("perk")], condition=f"today < {until}"
                        ),
                        FormBuilder.section(
                            "late", [FormBuilder.field("excuse")], condition=f"today > {until}"
                        ),
                    ],
                )
            ],
        )
        registration = self._accept(step, {"ticket": "T-1", "perk": "breakfast", "excuse": "x"})
        self.assertEqual(
            registration._prs_plain_answers()["dated"], {"ticket": "T-1", "perk": "breakfast"}
        )
        with freeze_time(datetime.datetime.combine(day + datetime.timedelta(days=2), NOON)):
            html = str(registration.with_user(self.coordinator)._prs_render_answers())
        for shown in ("Always", "T-1", "Early Bird", "Perk", "breakfast"):
            self.assertIn(shown, html)
        for hidden in ("Late", "Excuse"):
            self.assertNotIn(hidden, html)
        self.assertEqual(registration.step_dates, {"dated": day.isoformat()})


@tagged("post_install", "-at_install", "prs", "prs_review")
class TestSensitiveConditions(PrsOneStepCase):
    """Review and intake read conditions on a sensitive answer with the same value."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        field, section, page = FormBuilder.field, FormBuilder.section, FormBuilder.page
        cls.step_help = cls._one_step_flow(
            "help",
            pages=[
                page(
                    "main",
                    [
                        section(
                            "about",
                            [
                                field("has_dis", "boolean", sensitive=True, label="Disability"),
                                field("needs_help", "boolean", condition="has_dis == true"),
                            ],
                        ),
                        section("assistance", [field("helper")], condition="needs_help == true"),
                    ],
                )
            ],
        )

    def _accept_chain(self):
        registration = self._accept(
            self.step_help, {"has_dis": True, "needs_help": True, "helper": "Bob"}
        )
        self.assertTrue(privacy.is_encrypted(registration.sudo().answers["help"]["has_dis"]))
        self.assertEqual(
            registration._prs_plain_answers()["help"],
            {"has_dis": True, "needs_help": True, "helper": "Bob"},
        )
        return registration

    def test_chain_through_sensitive_field(self):
        """A section shown through a field whose condition reads a sensitive answer is
        shown in the review; the sensitive answer itself stays masked (not revealed)."""
        registration = self._accept_chain()
        html = str(registration.with_user(self.coordinator)._prs_render_answers())
        for shown in ("Needs Help", "Assistance", "Helper", "Bob"):
            self.assertIn(shown, html)
        self.assertEqual(html.count(privacy.MASK), 1)

    def test_chain_without_key(self):
        """Without a key the stored answers are the evidence: the section intake
        accepted answers for is shown, the sensitive answer masked."""
        registration = self._accept_chain()
        with patch.dict("os.environ", {"PRS_ENCRYPTION_KEY": ""}):
            html = str(registration.with_user(self.coordinator)._prs_render_answers())
        for shown in ("Needs Help", "Assistance", "Helper", "Bob"):
            self.assertIn(shown, html)
        self.assertEqual(html.count(privacy.MASK), 1)


@tagged("post_install", "-at_install", "prs", "prs_intake")
class TestMapsTo(PrsOneStepCase):
    """Every ``maps_to`` value offered on form fields fills its registration column."""

    ANSWERS = {
        "name": ("full_name", "text", "Asha Rao"),
        "first_name": ("given", "text", "Asha"),
        "last_name": ("family", "text", "Rao"),
        "email": ("mail", "email", "asha@example.com"),
        "phone": ("mobile", "phone", "+91 98765 43210"),
        "date_of_birth": ("born", "date", "1990-05-17"),
        "country": ("nation", "text", "IN"),
        "city": ("town", "text", "Pune"),
        "language": ("tongue", "text", "hi"),
        "gender": ("sex", "text", "female"),
        "company_name": ("employer", "text", "Acme"),
    }

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.step_mapped = cls._one_step_flow(
            "mapped",
            [
                FormBuilder.field(code, field_type, maps_to=maps_to)
                for maps_to, (code, field_type, __) in cls.ANSWERS.items()
            ],
        )

    def test_offered_values_have_columns(self):
        """Fields and field templates offer exactly the values that have a column."""
        for model in ("form.field", "form.field.template"):
            with self.subTest(model=model):
                offered = self.env[model]._fields["maps_to"].get_values(self.env)
                self.assertEqual(set(offered), set(intake.MAPPED_COLUMNS))

    def test_each_value_fills_its_column(self):
        """An answer to a field mapped to a value is stored in that value's column."""
        registration = self._accept(
            self.step_mapped, {code: answer for code, __, answer in self.ANSWERS.values()}
        )
        for maps_to, (__, __, answer) in self.ANSWERS.items():
            with self.subTest(maps_to=maps_to):
                value = registration[intake.MAPPED_COLUMNS[maps_to]]
                self.assertEqual(str(value), answer)
