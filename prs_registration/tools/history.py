"""The answer history of a registration as a readable diff (no ORM).

Each replaced answer set of a step is compared with the answers that replaced it, laid
out like the review (:mod:`.review`): the step, then pages and sections of the form
version the old answers were given with, one row per answered field, old -> new, the
changed rows highlighted. Fields the new answers hold and the old form version did not
have follow, laid out by the new version. Sensitive values stay masked: they are
decrypted only to tell whether they changed. Files are shown by name.
"""

from markupsafe import Markup, escape

from odoo.addons.prs_form_builder.tools import form_tree

from . import privacy, review

#: Cell of a field that has no answer on one side.
ABSENT = Markup('<span class="text-muted">-</span>')


def comparable(value, decrypt=None):
    """The value two answers are compared by: an encrypted one decrypted with
    ``decrypt(value)`` (None when it cannot be: no key), a file reference without its
    attachment id (a file sent again is a new attachment of the same file)."""
    if privacy.is_encrypted(value):
        if decrypt is None:
            return None
        try:
            value = decrypt(value)
        except privacy.KeyMissingError:
            return None
    if isinstance(value, list):
        return [comparable(item) for item in value]
    if isinstance(value, dict):
        return {key: item for key, item in value.items() if key != "attachment_id"}
    return value


def changed(old, new, decrypt=None):
    """Whether an answer changed (``old``/``new``: stored values, missing ones
    :data:`ABSENT`'s ``None``). An encrypted value that cannot be decrypted counts as
    changed: its token is new at every submission, so nothing proves it is the same."""
    old_value, new_value = comparable(old, decrypt), comparable(new, decrypt)
    if (privacy.is_encrypted(old) and old_value is None) or (
        privacy.is_encrypted(new) and new_value is None
    ):
        return True
    return old_value != new_value


def display(field, value, show, missing):
    """One answer of the history as escaped HTML: ``show(field, value)`` renders it
    (:func:`.review.display_value`, never revealing); a file by its name only; ``missing``
    when the side has no answer for the field."""
    if missing:
        return ABSENT
    if field.get("type") in form_tree.FILE_TYPES and not privacy.is_encrypted(value):
        files = value if isinstance(value, list) else [value]
        return escape(
            ", ".join(str(ref.get("name") or "") for ref in files if isinstance(ref, dict))
        )
    return show(field, value)


def _rows(fields, old, new, show, decrypt):
    rows = []
    for field in fields:
        code = field["code"]
        if field.get("type") in review.NOT_REVIEWED_TYPES or (code not in old and code not in new):
            continue
        is_changed = (code in old) != (code in new) or changed(
            old.get(code), new.get(code), decrypt
        )
        rows.append(
            Markup('<tr class="%s"><th>%s</th><td>%s</td><td>%s</td></tr>')
            % (
                "table-warning o_prs_changed" if is_changed else "o_prs_unchanged",
                field.get("label") or code,
                display(field, old.get(code), show, code not in old),
                display(field, new.get(code), show, code not in new),
            )
        )
    return rows


def _laid_out(tree, old, new, show, decrypt, texts, skip=()):
    """Pages and sections of ``tree`` with the rows of the fields not in ``skip``."""
    parts = []
    for page in form_tree.tree_pages(tree):
        page_parts = []
        for section in form_tree.page_sections(page):
            fields = [f for f in form_tree.section_fields(section) if f["code"] not in skip]
            rows = _rows(fields, old, new, show, decrypt)
            if rows:
                page_parts.append(
                    Markup('<h5 class="o_prs_section">%s</h5>') % (section.get("title") or "")
                    + _table(rows, texts)
                )
        if page_parts:
            parts.append(
                Markup('<h4 class="o_prs_page">%s</h4>') % (page.get("title") or "")
                + Markup("").join(page_parts)
            )
    return parts


def _table(rows, texts):
    return Markup(
        '<table class="table table-sm o_prs_answers o_prs_history_diff">'
        "<thead><tr><th>%s</th><th>%s</th><th>%s</th></tr></thead>%s</table>"
    ) % (texts["field"], texts["before"], texts["after"], Markup("").join(rows))


def render_entry(title, old, new, old_tree, new_tree, show, texts, decrypt=None):
    """The diff of one replaced answer set: ``title`` (escaped), then the fields laid out
    by ``old_tree`` (labels of the version the old answers were given with), then those
    only ``new_tree`` has, then answers neither tree names (by code).

    ``old``/``new``: stored answers ``{field code: value}`` of the step (``new`` empty
    when the step's answers were dropped); ``show(field, value)`` renders one answer
    (masked when sensitive); ``texts``: ``{field, before, after, unchanged, other}``;
    ``decrypt(value)`` compares sensitive values (None: they count as changed).
    """
    old, new = old or {}, new or {}
    parts = _laid_out(old_tree, old, new, show, decrypt, texts)
    seen = form_tree.field_codes(old_tree)
    parts += _laid_out(new_tree, old, new, show, decrypt, texts, skip=seen)
    seen |= form_tree.field_codes(new_tree)
    others = [{"code": code} for code in sorted(set(old) | set(new)) if code not in seen]
    rows = _rows(others, old, new, show, decrypt)
    if rows:
        parts.append(
            Markup('<h5 class="o_prs_section">%s</h5>') % texts["other"] + _table(rows, texts)
        )
    if not any(
        code not in old or code not in new or changed(old[code], new[code], decrypt)
        for code in set(old) | set(new)
    ):
        parts.insert(0, Markup('<p class="text-muted">%s</p>') % texts["unchanged"])
    return Markup('<h3 class="o_prs_step">%s</h3>') % title + Markup("").join(parts)


def render_history(entries, empty_text=""):
    """The history page: ``entries`` the HTML of each entry (:func:`render_entry`),
    newest first."""
    if not entries:
        return Markup('<p class="text-muted">%s</p>') % empty_text
    return Markup('<div class="o_prs_review o_prs_history">%s</div>') % Markup("").join(
        Markup('<div class="o_prs_history_entry">%s</div>') % entry for entry in entries
    )
