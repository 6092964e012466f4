"""Participants as contacts, pure part (no ORM): the keys a participant is found by.

README "Intake contract", *Participants as contacts*: a registration is linked to the
``res.partner`` with the same normalised email, else the same normalised phone, else to a
new contact. The database side (``event.registration._prs_link_partner``) compares these
keys with indexed columns: ``res_partner.email_normalized`` and the expression
:data:`PHONE_SQL_PATTERN` over ``phone`` and ``mobile``.
"""

import re

from odoo.tools import email_normalize

#: characters removed from a stored phone number by the index expression of
#: ``res.partner`` (``regexp_replace(phone, PHONE_SQL_PATTERN, '', 'g')``): everything
#: but digits and ``+``
PHONE_SQL_PATTERN = "[^0-9+]"
# a number with fewer digits identifies nobody ("0", "112", a typo)
MIN_PHONE_DIGITS = 6


def email_key(value):
    """The normalised email of ``value`` (lower case, trimmed, the address of ``Name
    <a@b>``) exactly as ``res.partner.email_normalized`` stores it, or False."""
    if not value or not isinstance(value, str):
        return False
    return email_normalize(value.strip(), strict=False) or False


def phone_key(value):
    """The normalised phone number of ``value``: its digits, with a leading ``+`` when
    it is international (written ``+`` or ``00``), or False when it has fewer than
    :data:`MIN_PHONE_DIGITS` digits. ``" +33 (6) 12-34.56.78 "`` and ``"0033612345678"``
    give ``"+33612345678"``; ``"06 12 34 56 78"`` gives ``"0612345678"`` (no country is
    guessed: a national number matches the same national number only)."""
    if not value or not isinstance(value, str):
        return False
    text = value.strip()
    digits = re.sub(r"\D", "", text)
    international = text.startswith("+") or digits.startswith("00")
    if digits.startswith("00"):
        digits = digits[2:]
    if len(digits) < MIN_PHONE_DIGITS:
        return False
    return f"+{digits}" if international else digits


def phone_terms(value):
    """The values of the index expression (:data:`PHONE_SQL_PATTERN`) a stored number
    has when it is the same number as ``value``: an international number is stored
    with ``+`` or ``00``. An empty tuple when ``value`` is no usable number."""
    key = phone_key(value)
    if not key:
        return ()
    if key.startswith("+"):
        return (key, f"00{key[1:]}")
    return (key,)


def lang_code(value, installed):
    """The installed language ``value`` names (``fr_FR``, ``fr-fr``, ``fr``), or False.

    ``installed``: the codes of the installed languages (``res.lang.get_installed()``);
    a bare language (``fr``) names the first installed one of that language.
    """
    if not value or not isinstance(value, str):
        return False
    wanted = value.strip().replace("-", "_").lower()
    by_lower = {code.lower(): code for code in installed}
    if wanted in by_lower:
        return by_lower[wanted]
    if "_" not in wanted:
        return next((code for code in installed if code.lower().split("_")[0] == wanted), False)
    return False


def contact_name(values):
    """A contact's name from the registration columns: the name, else first and last
    name, else the email, else the phone (a contact needs a name)."""
    name = (values.get("name") or "").strip()
    if not name:
        parts = [values.get("prs_first_name"), values.get("prs_last_name")]
        name = " ".join(p.strip() for p in parts if p and p.strip())
    return name or (values.get("email") or "").strip() or (values.get("phone") or "").strip()
