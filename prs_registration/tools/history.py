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
#: Cell of a sensitive answer (as the review masks it).
MASKED = Markup('<span class="text-muted">%s</span>') % privacy.MASK
#: Longer text answers are cut to this many characters (with an ellipsis) in the diff.
MAX_CHARS = 300


def is_file_ref(value):
    """Whether ``value`` is a stored file reference (``{attachment_id, name, ...}``)."""
    return isinstance(value, dict) and "attachment_id" in value


def comparable(value, decrypt=None, digest=None):
    """The value two answers are compared by: an encrypted one decrypted with
    ``decrypt(value)`` (None when it cannot be: no key), a file reference by its name,
    type and size and, with ``digest(ref)``, its content (the attachment's checksum):
    never by attachment id (a file sent again is a new attachment), nor by whether it
    was stored encrypted."""
    if privacy.is_encrypted(value):
        if decrypt is None:
            return None
        try:
            value = decrypt(value)
        except privacy.KeyMissingError:
            return None
    if isinstance(value, list):
        return [comparable(item, digest=digest) for item in value]
    if isinstance(value, dict):
        key = {k: item for k, item in value.items() if k not in ("attachment_id", "encrypted")}
        if digest is not None and is_file_ref(value):
            key["content"] = digest(value)
        return key
    return value


def changed(old, new, decrypt=None, digest=None):
    """Whether an answer changed (``old``/``new``: stored values, missing ones
    :data:`ABSENT`'s ``None``). An encrypted value that cannot be decrypted counts as
    changed: its token is new at every submission, so nothing proves it is the same.
    Files are compared by name, type and size first, by content (``digest(ref)``) only
    when those agree, so contents are looked at only when they could be the same."""
    old_value, new_value = comparable(old, decrypt), comparable(new, decrypt)
    if (privacy.is_encrypted(old) and old_value is None) or (
        privacy.is_encrypted(new) and new_value is None
    ):
        return True
    if old_value != new_value:
        return True
    if digest is None:
        return False
    return comparable(old, decrypt, digest) != comparable(new, decrypt, digest)


def file_refs(answers, decrypt=None):
    """The file references in ``answers`` ``{field code: value}`` (encrypted values
    decrypted with ``decrypt`` when given; those that cannot be are skipped)."""
    for value in (answers or {}).values():
        if privacy.is_encrypted(value):
            if decrypt is None:
                continue
            try:
                value = decrypt(value)
            except privacy.KeyMissingError:
                continue
        for item in value if isinstance(value, list) else [value]:
            if is_file_ref(item):
                yield item


def shorten(value, limit=MAX_CHARS):
    """``value`` cut to ``limit`` characters with an ellipsis when it is a longer text."""
    if isinstance(value, str) and len(value) > limit:
        return value[:limit] + "\u2026"
    return value


def display(field, value, show, missing, sensitive=False):
    """One answer of the history as escaped HTML: ``show(field, value)`` renders it
    (:func:`.review.display_value`, never revealing); masked when ``sensitive`` (the
    field is sensitive in a version shown, whether or not this value was stored
    encrypted); a file by its name only; a long text cut (:func:`shorten`); ``missing``
    when the side has no answer for the field."""
    if missing:
        return ABSENT
    if sensitive:
        return MASKED
    if field.get("type") in form_tree.FILE_TYPES and not privacy.is_encrypted(value):
        files = value if isinstance(value, list) else [value]
        return escape(
            ", ".join(str(ref.get("name") or "") for ref in files if isinstance(ref, dict))
        )
    return show(field, shorten(value))


def _rows(fields, old, new, cell, is_changed):
    """One row per field answered on either side: ``cell(field, value, missing)``,
    ``is_changed(old value, new value)``."""
    rows = []
    for field in fields:
        code = field["code"]
        if field.get("type") in review.NOT_REVIEWED_TYPES or (code not in old and code not in new):
            continue
        differs = (code in old) != (code in new) or is_changed(old.get(code), new.get(code))
        rows.append(
            Markup('<tr class="%s"><th>%s</th><td>%s</td><td>%s</td></tr>')
            % (
                "table-warning o_prs_changed" if differs else "o_prs_unchanged",
                field.get("label") or code,
                cell(field, old.get(code), code not in old),
                cell(field, new.get(code), code not in new),
            )
        )
    return rows


def _laid_out(tree, old, new, cell, is_changed, texts, skip=()):
    """Pages and sections of ``tree`` with the rows of the fields not in ``skip``."""
    parts = []
    for page in form_tree.tree_pages(tree):
        page_parts = []
        for section in form_tree.page_sections(page):
            fields = [f for f in form_tree.section_fields(section) if f["code"] not in skip]
            rows = _rows(fields, old, new, cell, is_changed)
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


def render_entry(
    title, old, new, old_tree, new_tree, show, texts, decrypt=None, sensitive=(), digest=None
):
    """The diff of one replaced answer set: ``title`` (escaped), then the fields laid out
    by ``old_tree`` (labels of the version the old answers were given with), then those
    only ``new_tree`` has, then answers neither tree names (by code).

    ``old``/``new``: stored answers ``{field code: value}`` of the step (``new`` empty
    when the step's answers were dropped); ``show(field, value)`` renders one answer
    (masked when encrypted); ``texts``: ``{field, before, after, unchanged, other}``;
    ``decrypt(value)`` compares sensitive values (None: they count as changed);
    ``sensitive``: codes masked besides those sensitive in ``old_tree`` or ``new_tree``
    (e.g. sensitive in the form's current version); ``digest(ref)``: the content of a
    file reference (None: files compared by name, type and size only).
    """
    old, new = old or {}, new or {}
    masked = set(sensitive) | privacy.sensitive_codes(old_tree) | privacy.sensitive_codes(new_tree)

    def cell(field, value, missing):
        return display(field, value, show, missing, field["code"] in masked)

    def is_changed(old_value, new_value):
        return changed(old_value, new_value, decrypt, digest)

    parts = _laid_out(old_tree, old, new, cell, is_changed, texts)
    seen = form_tree.field_codes(old_tree)
    parts += _laid_out(new_tree, old, new, cell, is_changed, texts, skip=seen)
    seen |= form_tree.field_codes(new_tree)
    others = [{"code": code} for code in sorted(set(old) | set(new)) if code not in seen]
    rows = _rows(others, old, new, cell, is_changed)
    if rows:
        parts.append(
            Markup('<h5 class="o_prs_section">%s</h5>') % texts["other"] + _table(rows, texts)
        )
    if not any(
        code not in old or code not in new or is_changed(old[code], new[code])
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
