from odoo.tests import TransactionCase, new_test_user

WINDOW_OPENS = "2030-01-01 08:00:00"
WINDOW_CLOSES = "2030-03-01 08:00:00"


class PrsEventFlowCase(TransactionCase):
    """Users, published forms and a program with a standard flow, built once."""

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
        cls.other_flow = cls.env["event.flow"].create(
            {
                "event_id": cls.other_program.id,
                "code": "quick",
                "name": "Quick",
                "kind": "quick",
                "step_ids": [(0, 0, {"code": "done", "name": "Done", "step_type": "confirmation"})],
            }
        )

    @classmethod
    def _create_form(cls, code, field_specs):
        """A one-page form whose fields are ``[(code, field_type), ...]``."""
        return cls.env["form.form"].create(
            {
                "name": code.replace("_", " ").title(),
                "code": code,
                "page_ids": [
                    (
                        0,
                        0,
                        {
                            "code": "main",
                            "title": "Main",
                            "section_ids": [
                                (
                                    0,
                                    0,
                                    {
                                        "code": "main",
                                        "title": "Main",
                                        "field_ids": [
                                            (
                                                0,
                                                0,
                                                {
                                                    "code": field_code,
                                                    "label": field_code,
                                                    "field_type": field_type,
                                                },
                                            )
                                            for field_code, field_type in field_specs
                                        ],
                                    },
                                )
                            ],
                        },
                    )
                ],
            }
        )

    @classmethod
    def _create_program(cls, code, coordinators=None, fee=0.0, **values):
        return cls.env["event.event"].create(
            {
                "name": f"Program {code}",
                "prs_code": code,
                "date_begin": "2030-04-01 08:00:00",
                "date_end": "2030-04-05 18:00:00",
                "prs_registration_opens_at": WINDOW_OPENS,
                "prs_registration_closes_at": WINDOW_CLOSES,
                "prs_fee": fee,
                "prs_coordinator_ids": [(6, 0, coordinators.ids if coordinators else [])],
                **values,
            }
        )

    @classmethod
    def _create_standard_flow(cls, program, code="standard"):
        """personal -> health (age >= 60) -> terms -> payment (fee > 0) -> confirmation."""
        return cls.env["event.flow"].create(
            {
                "event_id": program.id,
                "code": code,
                "name": "Standard",
                "step_ids": [
                    (0, 0, cls._step("personal", 10, form=cls.form_personal)),
                    (
                        0,
                        0,
                        cls._step(
                            "health", 20, form=cls.form_health, condition="personal.age >= 60"
                        ),
                    ),
                    (0, 0, cls._step("terms", 30, form=cls.form_terms)),
                    (
                        0,
                        0,
                        cls._step("payment", 40, step_type="payment", condition="program.fee > 0"),
                    ),
                    (0, 0, cls._step("confirmation", 50, step_type="confirmation")),
                ],
            }
        )

    @staticmethod
    def _step(code, sequence, step_type="form", form=None, condition=False):
        return {
            "code": code,
            "name": code.title(),
            "sequence": sequence,
            "step_type": step_type,
            "form_id": form.id if form else False,
            "condition": condition,
        }
