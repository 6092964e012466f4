"""Builders of benchmark data through the ORM (the real models, no shortcuts):
forms of N fields, programs with a published flow, answers that pass validation."""

import datetime
import uuid

# Field types cycled through a generated form, with the settings a configurator gives
# them and an answer that passes validation.
FIELD_KINDS = [
    ("text", {"max_length": 80, "transform": "trim"}, "Ada"),
    ("email", {"max_length": 120}, "ada@example.com"),
    ("integer", {"min_value": "0", "max_value": "120"}, 42),
    ("select", {}, "b"),
    ("date", {"min_date": "today-120y", "max_date": "today"}, "1990-05-17"),
    ("boolean", {}, True),
    ("textarea", {"max_length": 2000}, "Vegetarian meals, please."),
    ("radio", {}, "c"),
    ("phone", {"pattern": r"^\+?[0-9 ]{6,20}$", "pattern_message": "digits"}, "+31 20 1234567"),
    ("decimal", {"min_value": "0", "max_value": "1000", "digits": 2}, 12.5),
]
CHOICES = [("a", "Alpha"), ("b", "Beta"), ("c", "Gamma"), ("d", "Delta")]
CHOICE_TYPES = ("select", "radio", "checkboxes", "multi_select")


def field_values(index, required=True):
    field_type, settings, _answer = FIELD_KINDS[index % len(FIELD_KINDS)]
    values = {
        "sequence": index + 1,
        "code": f"f{index:04d}",
        "label": f"Question {index + 1} ({field_type})",
        "help": f"Help text of question {index + 1}.",
        "field_type": field_type,
        "required": required,
        **settings,
    }
    if field_type in CHOICE_TYPES:
        values["choice_ids"] = [
            (0, 0, {"sequence": i, "value": value, "label": label})
            for i, (value, label) in enumerate(CHOICES)
        ]
    return values


def answers_for(n_fields):
    """Answers that pass validation for a form built by :func:`create_form`."""
    return {f"f{index:04d}": FIELD_KINDS[index % len(FIELD_KINDS)][2] for index in range(n_fields)}


def layout(n_fields):
    """(pages, sections per page, fields per section) of an ``n_fields`` form."""
    if n_fields <= 10:
        return 1, 1, n_fields
    if n_fields <= 100:
        return 2, 5, n_fields // 10
    return 10, 10, n_fields // 100


def create_form(env, code, n_fields, required=True):
    """A draft form of ``n_fields`` fields over pages and sections (see :func:`layout`)."""
    pages, sections, per_section = layout(n_fields)
    index = 0
    page_cmds = []
    for page in range(pages):
        section_cmds = []
        for section in range(sections):
            fields = []
            for _i in range(per_section):
                fields.append((0, 0, field_values(index, required=required)))
                index += 1
            section_cmds.append(
                (
                    0,
                    0,
                    {
                        "sequence": section,
                        "code": f"p{page}s{section}",
                        "title": f"Section {section + 1}",
                        "field_ids": fields,
                    },
                )
            )
        page_cmds.append(
            (
                0,
                0,
                {
                    "sequence": page,
                    "code": f"p{page}",
                    "title": f"Page {page + 1}",
                    "section_ids": section_cmds,
                },
            )
        )
    assert index == n_fields, (index, n_fields)
    return env["form.form"].create(
        {"name": f"Bench form {code}", "code": code, "page_ids": page_cmds}
    )


def create_program(env, code, forms=(), n_steps=None, confirmation=True):
    """A program open for registration now with one published flow of form steps.

    ``forms``: one form per step; or ``n_steps`` steps all using ``forms[0]``.
    """
    now = datetime.datetime.now().replace(microsecond=0)
    program = env["event.event"].create(
        {
            "name": f"Bench program {code}",
            "prs_code": code,
            "date_begin": now + datetime.timedelta(days=60),
            "date_end": now + datetime.timedelta(days=65),
            "prs_registration_opens_at": now - datetime.timedelta(days=1),
            "prs_registration_closes_at": now + datetime.timedelta(days=30),
        }
    )
    step_forms = list(forms) if n_steps is None else [forms[0]] * n_steps
    steps = [
        (
            0,
            0,
            {
                "code": f"s{i:03d}",
                "name": f"Step {i + 1}",
                "sequence": (i + 1) * 10,
                "step_type": "form",
                "form_id": form.id,
            },
        )
        for i, form in enumerate(step_forms)
    ]
    if confirmation:
        steps.append(
            (
                0,
                0,
                {
                    "code": "done",
                    "name": "Done",
                    "sequence": 10000,
                    "step_type": "confirmation",
                },
            )
        )
    flow = env["event.flow"].create(
        {"event_id": program.id, "code": "standard", "name": "Standard", "step_ids": steps}
    )
    flow.action_publish()
    return program, flow


def submission_id():
    return str(uuid.uuid4())
