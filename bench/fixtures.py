"""Builders of benchmark data through the ORM (the real models, no shortcuts), with the
tests' fixture builders (``FormBuilder``, ``FlowBuilder``): forms of N fields, programs
with a published flow, answers that pass validation. Odoo must be loaded first
(``common.prepare``)."""

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


def field_values(index, required=True):
    """Create values of the ``index``-th field of a generated form."""
    from odoo.addons.prs_form_builder.tests.common import FormBuilder
    from odoo.addons.prs_form_builder.tools.form_tree import CHOICE_TYPES

    field_type, settings, _answer = FIELD_KINDS[index % len(FIELD_KINDS)]
    return FormBuilder.field(
        f"f{index:04d}",
        field_type,
        choices=CHOICES if field_type in CHOICE_TYPES else (),
        sequence=index + 1,
        label=f"Question {index + 1} ({field_type})",
        help=f"Help text of question {index + 1}.",
        required=required,
        **settings,
    )


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
    """A draft form of ``n_fields`` fields over pages and sections (see :func:`layout`),
    built with the tests' form builder."""
    from odoo.addons.prs_form_builder.tests.common import FormBuilder

    n_pages, n_sections, per_section = layout(n_fields)
    assert n_pages * n_sections * per_section == n_fields, n_fields
    fields = iter(field_values(index, required=required) for index in range(n_fields))
    pages = [
        FormBuilder.page(
            f"p{page}",
            [
                FormBuilder.section(
                    f"p{page}s{section}",
                    [next(fields) for _i in range(per_section)],
                    title=f"Section {section + 1}",
                )
                for section in range(n_sections)
            ],
            title=f"Page {page + 1}",
        )
        for page in range(n_pages)
    ]
    return FormBuilder.create_form(env, code, pages=pages, name=f"Bench form {code}")


def create_program(env, code, forms=(), n_steps=None, confirmation=True):
    """A program open for registration now with one published flow of form steps,
    built with the tests' flow builder.

    ``forms``: one form per step; or ``n_steps`` steps all using ``forms[0]``.
    """
    from odoo.addons.prs_event_flow.tests.common import FlowBuilder

    program = FlowBuilder.create_program(env, code, name=f"Bench program {code}")
    step_forms = list(forms) if n_steps is None else [forms[0]] * n_steps
    steps = [
        dict(FlowBuilder.step(f"s{i:03d}", (i + 1) * 10, form=form), name=f"Step {i + 1}")
        for i, form in enumerate(step_forms)
    ]
    if confirmation:
        steps.append(FlowBuilder.step("done", 10000, step_type="confirmation"))
    flow = FlowBuilder.create_flow(
        env, program, steps, code="standard", name="Standard", publish=True
    )
    return program, flow


def submission_id():
    return str(uuid.uuid4())
