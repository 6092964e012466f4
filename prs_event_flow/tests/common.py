"""Test fixtures of programs and flows, on top of the form builder's: shared by every
module's tests and ``tests/``."""

from datetime import timedelta

from odoo import fields
from odoo.tests import TransactionCase, new_test_user

from odoo.addons.prs_form_builder.tests.common import FormBuilder

WINDOW_OPENS = "2030-01-01 08:00:00"
WINDOW_CLOSES = "2030-03-01 08:00:00"


class FlowBuilder(FormBuilder):
    """Programs and flows built through the real models (and the forms of
    :class:`FormBuilder`); the builders take the environment to build in."""

    @staticmethod
    def step(code, sequence, step_type="form", form=None, condition=False):
        """Create values of one ``event.flow.step``."""
        return {
            "code": code,
            "name": code.replace("_", " ").title(),
            "sequence": sequence,
            "step_type": step_type,
            "form_id": form.id if form else False,
            "condition": condition,
        }

    @classmethod
    def create_program(cls, env, code, coordinators=None, template=None, **values):
        """A program open for registration now (yesterday to in 30 days, held in 60
        days) unless ``values`` say otherwise."""
        now = fields.Datetime.now()
        vals = {
            "name": values.pop("name", f"Program {code}"),
            "prs_code": code,
            "date_begin": now + timedelta(days=60),
            "date_end": now + timedelta(days=65),
            "prs_registration_opens_at": now - timedelta(days=1),
            "prs_registration_closes_at": now + timedelta(days=30),
            "prs_coordinator_ids": [(6, 0, coordinators.ids if coordinators else [])],
        }
        if template:
            vals["event_type_id"] = template.id
        vals.update(values)
        return env["event.event"].create(vals)

    @classmethod
    def create_flow(cls, env, program, steps, code="standard", publish=False, **values):
        """A flow of ``program`` with ``steps`` (:meth:`step` values), published with
        ``action_publish`` when ``publish``."""
        flow = env["event.flow"].create(
            {
                "event_id": program.id,
                "code": code,
                "name": values.pop("name", code.title()),
                "step_ids": [(0, 0, step) for step in steps],
                **values,
            }
        )
        if publish:
            flow.action_publish()
        return flow


class PrsEventFlowCase(FlowBuilder, TransactionCase):
    """Users, published forms and a program with a standard flow, built once."""

    # the step builder under the name this module's tests use
    _step = staticmethod(FlowBuilder.step)

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.configurator = new_test_user(
            cls.env, login="prs_ef_cfg", groups="prs_base.group_prs_configurator"
        )
        cls.coordinator = new_test_user(
            cls.env, login="prs_ef_crd", groups="prs_base.group_prs_coordinator"
        )
        cls.other_coordinator = new_test_user(
            cls.env, login="prs_ef_crd2", groups="prs_base.group_prs_coordinator"
        )
        cls.administrator = new_test_user(
            cls.env, login="prs_ef_adm", groups="prs_base.group_prs_administrator"
        )
        cls.form_personal = cls._create_form(
            "ef_personal", [("first_name", "text"), ("age", "integer")]
        )
        cls.form_health = cls._create_form("ef_health", [("allergies", "textarea")])
        cls.form_terms = cls._create_form("ef_terms", [("accept", "consent")])
        for form in cls.form_personal | cls.form_health | cls.form_terms:
            form.action_publish()
        cls.program = cls._create_program("EF-1", coordinators=cls.coordinator, fee=250.0)
        cls.other_program = cls._create_program("EF-2", coordinators=cls.other_coordinator)
        cls.flow = cls._create_standard_flow(cls.program)
        cls.other_flow = cls.create_flow(
            cls.env,
            cls.other_program,
            [cls.step("done", 10, step_type="confirmation")],
            code="quick",
            name="Quick",
            kind="quick",
        )

    @classmethod
    def _create_form(cls, code, field_specs):
        """A one-page form whose fields are ``[(code, field_type), ...]``."""
        fields_values = [cls.field(code, type_, label=code) for code, type_ in field_specs]
        return cls.create_form(cls.env, code, fields_values)

    @classmethod
    def _create_program(cls, code, coordinators=None, fee=0.0, **values):
        """A program held in April 2030, registration window January to March 2030."""
        return cls.create_program(
            cls.env,
            code,
            coordinators,
            date_begin="2030-04-01 08:00:00",
            date_end="2030-04-05 18:00:00",
            prs_registration_opens_at=WINDOW_OPENS,
            prs_registration_closes_at=WINDOW_CLOSES,
            prs_fee=fee,
            **values,
        )

    @classmethod
    def _create_standard_flow(cls, program, code="standard"):
        """personal -> health (age >= 60) -> terms -> payment (fee > 0) -> confirmation."""
        return cls.create_flow(
            cls.env,
            program,
            [
                cls.step("personal", 10, form=cls.form_personal),
                cls.step("health", 20, form=cls.form_health, condition="personal.age >= 60"),
                cls.step("terms", 30, form=cls.form_terms),
                cls.step("payment", 40, step_type="payment", condition="program.fee > 0"),
                cls.step("confirmation", 50, step_type="confirmation"),
            ],
            code=code,
            name="Standard",
        )
