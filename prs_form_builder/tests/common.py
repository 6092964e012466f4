from odoo import Command
from odoo.tests import TransactionCase, new_test_user


class PrsFormCommon(TransactionCase):
    """Users of every PRS group and one form built once for the whole class.

    Form ``reg`` (page ``personal`` > section ``identity``, page ``adult`` shown when
    ``age >= 18`` > section ``work``)::

        full_name (text, required, 2..60), age (integer, 0..120),
        country (country master), interests (checkboxes: music, sport),
        employer (text, shown when country == 'IN'), plus the form rule adult_ok.
    """

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env = cls.env(context=dict(cls.env.context, tracking_disable=True))
        cls.configurator = new_test_user(
            cls.env, login="prs_fb_conf", groups="prs_base.group_prs_configurator"
        )
        cls.coordinator = new_test_user(
            cls.env, login="prs_fb_coord", groups="prs_base.group_prs_coordinator"
        )
        cls.plain_user = new_test_user(cls.env, login="prs_fb_plain", groups="base.group_user")
        cls.api_user = new_test_user(
            cls.env,
            login="prs_fb_api",
            groups="base.group_user,prs_base.group_prs_api",
        )
        cls.country_master = cls.env.ref("prs_form_builder.prs_master_country")
        cls.form = cls.env["form.form"].create(
            {
                "name": "Registration",
                "code": "reg",
                "title": "Register",
                "page_ids": [
                    Command.create(
                        {
                            "title": "Personal",
                            "sequence": 10,
                            "section_ids": [
                                Command.create(
                                    {
                                        "title": "Identity",
                                        "field_ids": [
                                            Command.create(
                                                {
                                                    "label": "Full name",
                                                    "sequence": 1,
                                                    "required": True,
                                                    "min_length": 2,
                                                    "max_length": 60,
                                                    "transform": "trim",
                                                    "maps_to": "name",
                                                }
                                            ),
                                            Command.create(
                                                {
                                                    "label": "Age",
                                                    "sequence": 2,
                                                    "field_type": "integer",
                                                    "min_value": "0",
                                                    "max_value": "120",
                                                }
                                            ),
                                            Command.create(
                                                {
                                                    "label": "Country",
                                                    "sequence": 3,
                                                    "field_type": "country",
                                                }
                                            ),
                                            Command.create(
                                                {
                                                    "label": "Interests",
                                                    "sequence": 4,
                                                    "field_type": "checkboxes",
                                                    "choice_ids": [
                                                        Command.create({"label": "Music"}),
                                                        Command.create({"label": "Sport"}),
                                                    ],
                                                }
                                            ),
                                        ],
                                    }
                                )
                            ],
                        }
                    ),
                    Command.create(
                        {
                            "title": "Adult",
                            "sequence": 20,
                            "condition": "age >= 18",
                            "section_ids": [
                                Command.create(
                                    {
                                        "title": "Work",
                                        "field_ids": [
                                            Command.create(
                                                {
                                                    "label": "Employer",
                                                    "condition": "country == 'IN'",
                                                }
                                            )
                                        ],
                                    }
                                )
                            ],
                        }
                    ),
                ],
                "rule_ids": [
                    Command.create(
                        {"code": "adult_ok", "expr": "age >= 0", "message": "Age is positive"}
                    )
                ],
            }
        )
        cls.fields_by_code = {field.code: field for field in cls.form.field_ids}

    def field(self, code):
        return self.fields_by_code[code]

    @classmethod
    def _make_form(cls, code, field_count, pages=2, sections=2):
        """A form with ``field_count`` select fields spread over pages and sections."""
        total_sections = pages * sections
        page_commands, made = [], 0
        for page_index in range(pages):
            section_commands = []
            for section_index in range(sections):
                index = page_index * sections + section_index
                count = field_count // total_sections + (index < field_count % total_sections)
                field_commands = [
                    Command.create(
                        {
                            "label": f"Field {made + i}",
                            "code": f"f{made + i}",
                            "field_type": "select",
                            "condition": f"f{made + i - 1} == 'a'" if made + i else False,
                            "choice_ids": [
                                Command.create({"label": "A", "value": "a"}),
                                Command.create({"label": "B", "value": "b"}),
                            ],
                            "message_ids": [Command.create({"rule": "required", "message": "!"})],
                        }
                    )
                    for i in range(count)
                ]
                made += count
                section_commands.append(
                    Command.create(
                        {
                            "title": f"S{page_index}{section_index}",
                            "field_ids": field_commands,
                            "rule_ids": [
                                Command.create(
                                    {"expr": "f0 != 'b'", "message": f"rule {section_index}"}
                                )
                            ],
                        }
                    )
                )
            page_commands.append(
                Command.create({"title": f"P{page_index}", "section_ids": section_commands})
            )
        return cls.env["form.form"].create({"name": code, "code": code, "page_ids": page_commands})
