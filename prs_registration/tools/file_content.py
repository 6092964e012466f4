"""What an uploaded file really is (pure Python, no ORM): its content, by magic bytes.

Intake trusts neither the declared mimetype nor the file name: the content must be one of
the kinds below, the declared extension and mimetype (when they name a kind) must be that
kind, and the field's allowed types (``file_types``) must accept it. Any other content
(executables, HTML, SVG, archives of unknown layout, ...) is refused with ``file_type``.
"""

import io
import zipfile

#: kind -> (extensions, mimetypes); the first extension and mimetype are the canonical ones
KINDS = {
    "pdf": ((".pdf",), ("application/pdf",)),
    "png": ((".png",), ("image/png",)),
    "jpeg": ((".jpg", ".jpeg", ".jpe", ".jfif"), ("image/jpeg", "image/pjpeg")),
    "gif": ((".gif",), ("image/gif",)),
    "webp": ((".webp",), ("image/webp",)),
    "tiff": ((".tif", ".tiff"), ("image/tiff",)),
    "bmp": ((".bmp",), ("image/bmp", "image/x-ms-bmp")),
    "heic": ((".heic", ".heif"), ("image/heic", "image/heif")),
    "docx": (
        (".docx",),
        ("application/vnd.openxmlformats-officedocument.wordprocessingml.document",),
    ),
    "xlsx": ((".xlsx",), ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",)),
    "pptx": (
        (".pptx",),
        ("application/vnd.openxmlformats-officedocument.presentationml.presentation",),
    ),
    "odt": ((".odt",), ("application/vnd.oasis.opendocument.text",)),
    "ods": ((".ods",), ("application/vnd.oasis.opendocument.spreadsheet",)),
    "odp": ((".odp",), ("application/vnd.oasis.opendocument.presentation",)),
    "ole": (
        (".doc", ".xls", ".ppt"),
        ("application/msword", "application/vnd.ms-excel", "application/vnd.ms-powerpoint"),
    ),
    "rtf": ((".rtf",), ("application/rtf", "text/rtf")),
    "text": ((".txt", ".csv", ".tsv"), ("text/plain", "text/csv", "text/tab-separated-values")),
}
_BY_EXTENSION = {ext: kind for kind, (exts, __) in KINDS.items() for ext in exts}
_BY_MIMETYPE = {mime: kind for kind, (__, mimes) in KINDS.items() for mime in mimes}
# OOXML: the part every document of the kind has; OpenDocument: the "mimetype" member
_OOXML_PARTS = {
    "docx": "word/document.xml",
    "xlsx": "xl/workbook.xml",
    "pptx": "ppt/presentation.xml",
}
_ODF_MIMETYPES = {
    mimes[0]: kind for kind, (__, mimes) in KINDS.items() if kind in ("odt", "ods", "odp")
}
_TEXT_CONTROLS = set(range(32)) - {9, 10, 12, 13}


def _zip_kind(raw):
    try:
        with zipfile.ZipFile(io.BytesIO(raw)) as archive:
            names = set(archive.namelist())
            if "[Content_Types].xml" in names:
                for kind, part in _OOXML_PARTS.items():
                    if part in names:
                        return kind
                return None
            if "mimetype" in names:
                with archive.open("mimetype") as member:
                    declared = member.read(100).decode("ascii", "replace").strip()
                return _ODF_MIMETYPES.get(declared)
    except (zipfile.BadZipFile, OSError, ValueError, KeyError):
        return None
    return None


def _is_text(raw):
    if raw.startswith((b"\xef\xbb\xbf", b"\xff\xfe", b"\xfe\xff")):
        raw = raw[3:] if raw.startswith(b"\xef\xbb\xbf") else raw
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return False
    head = text[:4096].lstrip().lower()
    # markup a browser would run is not "text" (HTML, SVG, XML with scripts)
    if head.startswith(("<!doctype", "<html", "<svg", "<?xml", "<script")):
        return False
    return not any(ord(char) in _TEXT_CONTROLS for char in text[:65536])


def sniff(raw):
    """The kind of ``raw`` by its content (a key of :data:`KINDS`), or None."""
    if raw.startswith(b"%PDF-"):
        return "pdf"
    if raw.startswith(b"\x89PNG\r\n\x1a\n"):
        return "png"
    if raw.startswith(b"\xff\xd8\xff"):
        return "jpeg"
    if raw.startswith((b"GIF87a", b"GIF89a")):
        return "gif"
    if raw[:4] == b"RIFF" and raw[8:12] == b"WEBP":
        return "webp"
    if raw.startswith((b"II*\x00", b"MM\x00*")):
        return "tiff"
    if raw.startswith(b"BM") and len(raw) > 14:
        return "bmp"
    if raw[4:8] == b"ftyp" and raw[8:12] in (b"heic", b"heix", b"mif1", b"msf1", b"heif"):
        return "heic"
    if raw.startswith(b"PK\x03\x04"):
        return _zip_kind(raw)
    if raw.startswith(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"):
        return "ole"
    if raw.startswith(b"{\\rtf"):
        return "rtf"
    if _is_text(raw):
        return "text"
    return None


def declared_kinds(name, mimetype):
    """The kinds the file name's extension and the mimetype name (unknown ones left out)."""
    name = (name or "").lower()
    extension = "." + name.rsplit(".", 1)[1] if "." in name else ""
    kinds = set()
    if extension in _BY_EXTENSION:
        kinds.add(_BY_EXTENSION[extension])
    mimetype = (mimetype or "").lower().split(";")[0].strip()
    if mimetype in _BY_MIMETYPE:
        kinds.add(_BY_MIMETYPE[mimetype])
    return kinds


def allowed_by(kind, types):
    """Whether the field's ``file_types`` (extensions, mimetypes, ``type/*``; empty: any)
    accept ``kind``."""
    types = [t.strip().lower() for t in types or () if isinstance(t, str) and t.strip()]
    if not types:
        return True
    extensions, mimetypes = KINDS[kind]
    return any(
        t in extensions
        or t in mimetypes
        or (t.endswith("/*") and any(m.startswith(t[:-1]) for m in mimetypes))
        for t in types
    )


def check(raw, name, mimetype, types=()):
    """``(kind, None)`` when the content is an accepted file, else ``(None, reason)``."""
    kind = sniff(raw)
    if kind is None:
        return None, "its content is not a file type the server accepts"
    declared = declared_kinds(name, mimetype)
    if declared and declared != {kind}:
        return None, "its content does not match its name or type"
    if not allowed_by(kind, types):
        return None, "its content is of a type this field does not accept"
    return kind, None


def stored_mimetype(kind, declared):
    """The mimetype stored for a file of ``kind``: the declared one when it names that
    kind, else the kind's canonical one."""
    mimetypes = KINDS[kind][1]
    declared = (declared or "").lower().split(";")[0].strip()
    return declared if declared in mimetypes else mimetypes[0]
