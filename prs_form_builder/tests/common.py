"""Test fixtures of the form builder, shared by every module's tests, ``tests/`` and
``bench/``: :class:`FormBuilder` builds forms through the real models and publishes
them with the real serializer (``action_publish``); nothing here writes a form tree
by hand."""

from odoo import Command
from odoo.tests import TransactionCase, new_test_user


def _title(code):
    return code.replace("_", " ").title()


def start_configurator_tour(case, login, url, tour_name, **options):
    """Run the tour ``tour_name`` from ``url`` in Chromium (``case``: an HttpCase) as a
    new configurator ``login`` (password: the login). One static file is served first:
    the server then reads the addons' manifests in one thread, not concurrently with the
    browser's first requests (Python 3.11's ast.parse is not thread-safe: "AST
    constructor recursion depth mismatch")."""
    new_test_user(case.env, login=login, password=login, groups="prs_base.group_prs_configurator")
    case.url_open("/web/static/img/favicon.ico")
    case.start_tour(url, tour_name, login=login, **options)


class FormBuilder:
    """Forms built through the real models, as a configurator would.

    The builders take the environment to build in (a configurator's environment builds
    as a configurator); node builders return create values, so a form reads as its
    outline::

        FormBuilder.create_form(env, "reg", pages=[
            FormBuilder.page("about", [
                FormBuilder.section("identity", [FormBuilder.field("age", "integer")]),
            ]),
        ], publish=True)
    """

    @classmethod
    def field(cls, code, field_type="text", choices=(), messages=None, **values):
        """Create values of one ``form.field`` (label: the code as a title unless given);
        ``choices``: see :meth:`choices`; ``messages``: {rule: custom message}."""
        values = {
            "code": code,
            "label": values.pop("label", _title(code)),
            "field_type": field_type,
            **values,
        }
        if choices:
            values["choice_ids"] = cls.choices(*choices)
        if messages:
            values["message_ids"] = [
                Command.create({"rule": rule, "message": message})
                for rule, message in messages.items()
            ]
        return values

    @staticmethod
    def choices(*choices):
        """Commands creating choices, each given as a value (its label: the value as a
        title) or a ``(value, label)`` pair."""
        commands = []
        for index, choice in enumerate(choices):
            value, label = (choice, choice.title()) if isinstance(choice, str) else choice
            commands.append(Command.create({"sequence": index, "value": value, "label": label}))
        return commands

    @staticmethod
    def rule(code, expr, message):
        """Create values of one ``form.rule`` (of the form, or of a section)."""
        return {"code": code, "expr": expr, "message": message}

    @staticmethod
    def section(code, fields, title=None, condition=False, rules=()):
        """Create values of one ``form.section`` holding ``fields`` in this order."""
        return {
            "code": code,
            "title": title or _title(code),
            "condition": condition,
            "field_ids": [Command.create({"sequence": i, **f}) for i, f in enumerate(fields)],
            "rule_ids": [Command.create({"sequence": i, **r}) for i, r in enumerate(rules)],
        }

    @staticmethod
    def page(code, sections, title=None, condition=False):
        """Create values of one ``form.page`` holding ``sections`` in this order."""
        return {
            "code": code,
            "title": title or _title(code),
            "condition": condition,
            "section_ids": [Command.create({"sequence": i, **s}) for i, s in enumerate(sections)],
        }

    @classmethod
    def _pages(cls, fields, pages):
        if pages is None:
            pages = [cls.page("main", [cls.section("main", fields)])]
        return [Command.create({"sequence": i, **page}) for i, page in enumerate(pages)]

    @classmethod
    def create_form(cls, env, code, fields=(), pages=None, rules=(), publish=False, **values):
        """A form ``code``: ``fields`` on one page and section (both ``main``), or
        ``pages`` (:meth:`page` values); ``rules``: form rules (:meth:`rule`). With
        ``publish``, its version 1 is published (``action_publish``)."""
        form = env["form.form"].create(
            {
                "name": values.pop("name", _title(code)),
                "code": code,
                "page_ids": cls._pages(fields, pages),
                "rule_ids": [Command.create({"sequence": i, **r}) for i, r in enumerate(rules)],
                **values,
            }
        )
        if publish:
            form.action_publish()
        return form

    @classmethod
    def publish_form(cls, form, fields=(), pages=None, rules=()):
        """Replace the content of ``form`` (as :meth:`create_form` takes it) and publish
        it: the next version (a published form gets a new draft first). Return the
        version."""
        if form.state == "published":
            form.action_new_version()
        this = form.with_context(active_test=False)
        form.write(
            {
                "page_ids": [Command.delete(page.id) for page in this.page_ids]
                + cls._pages(fields, pages),
                "rule_ids": [Command.delete(rule.id) for rule in this.rule_ids]
                + [Command.create({"sequence": i, **r}) for i, r in enumerate(rules)],
            }
        )
        form.action_publish()
        return form.current_version_id

    @classmethod
    def form_tree(cls, env, code, fields=(), pages=None, rules=()):
        """The tree the serializer builds for a new draft form (as :meth:`create_form`
        takes it); ``version`` and ``checksum`` are None, as before publishing."""
        return cls.create_form(env, code, fields, pages, rules)._prs_build_tree()


class PrsFormCommon(FormBuilder, TransactionCase):
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
