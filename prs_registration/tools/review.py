"""The answers of a registration laid out like its forms, as escaped HTML (no ORM).

Visibility comes from the form tree toolkit with the same context as at intake: the
answers as intake read them (sensitive ones decrypted for the conditions only, never
shown unmasked unless revealed) and the ``today`` intake validated each step with. A
page or section hidden for the answers is not shown, and a field is shown when it has a
stored answer (intake drops hidden ones). When a sensitive answer cannot be decrypted
(no key), the stored answers are the evidence of what intake showed.
"""

from markupsafe import Markup, escape

from odoo.addons.prs_form_builder.tools import form_tree

from . import privacy

#: Field types never listed in the review (no answer worth showing).
NOT_REVIEWED_TYPES = ("hidden", *form_tree.STATIC_TYPES)


def display_value(field, value, texts, labels=None, decrypt=None, file_url=None):
    """One answer as escaped HTML: choice and master labels, files, booleans, masks.

    ``texts``: translated words ``{yes, no, accepted, not_accepted}``; ``labels``:
    ``{master code: {value: label}}``; ``decrypt(value)``: the plain value of an
    encrypted one (None: keep it masked); ``file_url(ref)``: the link of a file answer.
    """
    if privacy.is_encrypted(value):
        if decrypt is None:
            return Markup('<span class="text-muted">%s</span>') % privacy.MASK
        value = decrypt(value)
    names = {str(c.get("value")): c.get("label") for c in field.get("choices") or []}
    names.update((labels or {}).get(field.get("master"), {}))
    ftype = field.get("type")
    if ftype in form_tree.FILE_TYPES:
        files = value if isinstance(value, list) else [value]
        return Markup(", ").join(
            Markup('<a href="%s">%s</a>') % (file_url(ref), ref.get("name"))
            for ref in files
            if isinstance(ref, dict)
        )
    if ftype == "consent":
        return escape(texts["accepted"] if value else texts["not_accepted"])
    if ftype in form_tree.BOOLEAN_TYPES:
        return escape(texts["yes"] if value else texts["no"])
    if isinstance(value, list):
        return escape(", ".join(str(names.get(str(v), v)) for v in value))
    if value is None or value == "":
        return Markup('<span class="text-muted">-</span>')
    return escape(str(names.get(str(value), value)))


def condition_answers(step_answers, decrypt=None):
    """The answers conditions read in the review, as intake read them, and whether they
    are complete: ``(answers, complete)``.

    Encrypted values are decrypted with ``decrypt(value)`` for the conditions only (the
    display masks them on its own). Without ``decrypt`` (no key), or when a value does
    not decrypt (:class:`privacy.KeyMissingError`), the value is left out (an encrypted
    object would evaluate as truthy) and ``complete`` is False.
    """
    answers, complete = {}, True
    for code, value in (step_answers or {}).items():
        if privacy.is_encrypted(value):
            if decrypt is None:
                complete = False
                continue
            try:
                value = decrypt(value)
            except privacy.KeyMissingError:
                complete = False
                continue
        answers[code] = value
    return answers, complete


def render_step(name, tree, step_answers, display, today=None, decrypt=None):
    """The HTML of one step: its name, then its visible pages and sections with the
    answered fields; ``display(field, value)`` renders one answer, ``today`` is the date
    intake validated the step with, ``decrypt`` see :func:`condition_answers`.

    When the conditions' answers are incomplete (a sensitive one cannot be decrypted),
    every page and section holding a stored answer is shown: intake stores the answers
    of visible fields only, so they prove what it showed.
    """
    step_answers = step_answers or {}
    values, complete = condition_answers(step_answers, decrypt)
    shown = form_tree.visibility(tree, values, today)

    def visible(node):
        return shown.is_visible(node) or not complete

    parts = [Markup('<h3 class="o_prs_step">%s</h3>') % name]
    for page in form_tree.tree_pages(tree):
        if not visible(page):
            continue
        page_parts = []
        for section in form_tree.page_sections(page):
            if not visible(section):
                continue
            rows = [
                Markup("<tr><th>%s</th><td>%s</td></tr>")
                % (field.get("label") or field["code"], display(field, step_answers[field["code"]]))
                for field in form_tree.section_fields(section)
                if field.get("type") not in NOT_REVIEWED_TYPES and field["code"] in step_answers
            ]
            if rows:
                page_parts.append(
                    Markup('<h5 class="o_prs_section">%s</h5>') % (section.get("title") or "")
                    + Markup('<table class="table table-sm o_prs_answers">%s</table>')
                    % Markup("").join(rows)
                )
        if page_parts:
            parts.append(
                Markup('<h4 class="o_prs_page">%s</h4>') % (page.get("title") or "")
                + Markup("").join(page_parts)
            )
    return Markup("").join(parts)


def render_answers(
    steps, answers, trees, display, today=None, empty_text="", step_dates=None, decrypt=None
):
    """The review of a registration: ``steps`` is ``[(step code, step name)]`` in flow
    order, ``answers`` ``{step code: {field code: value}}``, ``trees`` ``{step code:
    form tree}``; steps without answers or tree are left out. ``step_dates`` ``{step
    code: ISO date}``: the ``today`` intake validated each step with (``today`` for a
    step without one, i.e. answered before the dates were recorded); ``decrypt`` see
    :func:`condition_answers`."""
    if not answers:
        return Markup('<p class="text-muted">%s</p>') % empty_text
    step_dates = step_dates if isinstance(step_dates, dict) else {}
    parts = [
        render_step(
            name, trees[code], answers[code], display, step_dates.get(code) or today, decrypt
        )
        for code, name in steps
        if code in answers and code in trees
    ]
    return Markup('<div class="o_prs_review">%s</div>') % Markup("").join(parts)
