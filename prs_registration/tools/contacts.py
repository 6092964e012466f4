"""Participants as contacts, pure part (no ORM): the keys a participant is found by.

README "Intake contract", *Participants as contacts*: a registration is linked to the
``res.partner`` with the same normalised email, else the same normalised phone, else to a
new contact. The database side (``event.registration._prs_link_partner``) compares these
keys with indexed columns: ``res_partner.email_normalized`` and the expression
:data:`PHONE_SQL_PATTERN` over ``phone`` and ``mobile``.
"""

import re

from odoo.tools import email_normalize, email_split

#: characters removed from a stored phone number by the index expression of
#: ``res.partner`` (``regexp_replace(phone, PHONE_SQL_PATTERN, '', 'g')``): everything
#: but digits and ``+``
PHONE_SQL_PATTERN = "[^0-9+]"
# a number with fewer digits identifies nobody ("0", "112", a typo)
MIN_PHONE_DIGITS = 6


def email_key(value):
    """The participant's address in ``value``, normalised: the address of ``Name
    <a@b>``, lower case (the whole address, Unicode too: ``José.Ñ@Example.com`` gives
    ``josé.ñ@example.com``; ``lower``, not ``casefold``, which would make ``straße`` the
    other mailbox ``strasse``), its domain IDNA-encoded (``user@bücher.de`` gives
    ``user@xn--bcher-kva.de``). False when ``value`` holds no address or several
    (``"a@b.com, victim@corp.example"``: which one is the participant's is unknown, so
    none is used, neither to find a contact nor to make one)."""
    if not value or not isinstance(value, str):
        return False
    found = email_split(value.strip())
    if len(found) != 1:
        return False
    local, __, domain = found[0].rpartition("@")
    if not local or not domain:
        return False
    return f"{local.lower()}@{_idna_domain(domain.lower())}"


def email_terms(value):
    """The ``res_partner.email_normalized`` values a contact with the address of
    ``value`` may have: :func:`email_key` (what intake stores), and Odoo's own
    normalisation of a contact typed by hand (``email_normalize`` keeps the case of a
    non-ASCII local part and the Unicode form of the domain), each with the IDNA and
    the Unicode domain. An empty tuple when ``value`` gives no :func:`email_key`.
    Residual case: a contact typed by hand whose non-ASCII local part has another case
    than the participant's (``JOSÉ@x`` and ``josé@x``) is not found."""
    key = email_key(value)
    if not key:
        return ()
    local, __, domain = key.rpartition("@")
    locals_ = {local}
    odoo_form = email_normalize(value.strip())
    if odoo_form:
        locals_.add(odoo_form.rpartition("@")[0])
    domains = {domain, _unicode_domain(domain)}
    return tuple(sorted(f"{name}@{host}" for name in locals_ for host in domains))


def _idna_domain(domain):
    """``domain`` IDNA-encoded (``bücher.de`` gives ``xn--bcher-kva.de``), or as it is
    when it is no valid international domain name."""
    try:
        return domain.encode("idna").decode("ascii")
    except (UnicodeError, ValueError):
        return domain


def _unicode_domain(domain):
    """``domain`` with its IDNA labels decoded (``xn--bcher-kva.de`` gives
    ``bücher.de``), or as it is."""
    try:
        return domain.encode("ascii").decode("idna")
    except (UnicodeError, ValueError):
        return domain


# where the extension of a phone number starts: "ext. 12", "x12", "#12", ";ext=12"
PHONE_EXTENSION = re.compile(r"ext|x|#|;", re.IGNORECASE)


def phone_number(value):
    """The number part of ``value``, trimmed: the text before its extension
    (``"+41 79 123 45 67 ext. 12"`` gives ``"+41 79 123 45 67"``), what a contact made
    by intake stores (its index expression then gives :func:`phone_key`)."""
    if not value or not isinstance(value, str):
        return ""
    match = PHONE_EXTENSION.search(value)
    return (value[: match.start()] if match else value).strip()


def phone_key(value):
    """The normalised phone number of ``value``: the digits of its number (an extension,
    :func:`phone_number`, is cut), with a leading ``+`` when it is international (a
    ``+`` anywhere before the first digit, ``"(+41) 79..."``, or ``00``), or False when
    it has fewer than :data:`MIN_PHONE_DIGITS` digits. ``" +33 (6) 12-34.56.78 "`` and
    ``"0033612345678"`` give ``"+33612345678"``; ``"06 12 34 56 78"`` gives
    ``"0612345678"`` (no country is guessed: a national number matches the same
    national number only)."""
    text = phone_number(value)
    first_digit = re.search(r"\d", text)
    if not first_digit:
        return False
    digits = re.sub(r"\D", "", text)
    international = "+" in text[: first_digit.start()] or digits.startswith("00")
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
