"""Field patterns: linear-time matching (RE2), refused at save when the renderer's
JavaScript RegExp would read them differently, and the same answers as node."""

import json
import shutil
import subprocess
import time
from pathlib import Path

from odoo.exceptions import ValidationError
from odoo.tests import BaseCase, TransactionCase, tagged

from ..tools import pattern, validation

NODE_DIR = Path(__file__).resolve().parents[2] / "tests" / "node"

# patterns both engines read alike, with values around their edges
ACCEPTED = {
    r"[A-Z]{2}\d{6}": ["AB123456", "ab123456", "AB12345", "AB1234567", "ＡB123456"],
    r"([A-Z0-9]+)+": ["ABC", "ABCDEFGHIJKLMNOPQRSTUVWXYZ!", "", "A1"],
    r".+@.+": ["a@b", "a\n@b", "a\u2028@b", "a\r@b", "é@ü", "a\u0085@b"],
    r"\s*x\s*": [" x ", "\u00a0x\u3000", "\ufeffx", "\u0085x", "\u180ex", "\vx\f"],
    r"[^\s]+": ["abc", "a b", "a\u00a0b", "a\u2029b"],
    r"\S+": ["abc", "a\u2000b", "a\u200bb"],
    r"\w+\W?": ["abc_", "é", "abc-", "abc--"],
    r"\d{3}-\d{4}": ["123-4567", "١٢٣-4567", "123 4567"],
    r"(?:ab|cd)*?e": ["abcde", "e", "abe", "ace"],
    r"[a-z-]+|[0-9.,]+": ["a-b", "1,5.0", "a1", "-"],
    r"\bfoo\b.*": ["foo bar", "foobar"],
    r"\u00e9t\xe9": ["été", "ete"],
    r"a{2,3}b{0,}c{1}": ["aabc", "aaabbbc", "abc", "aaaac"],
    r"^x$|y": ["x", "y", "xy"],
    r"[\d\-+() ]{6,20}": ["+41 (22) 123-45", "12345", "abc-def"],
    r"\.\*\+\?\(\)\[\]\{\}\|\^\$\\\/": [".*+?()[]{}|^$\\/", "x"],
    r"[\u0041-\ud7ff\ue000-\uffff]+": ["Aé", "A😀", "😀"],  # ranges around the halves
}
# surrogate halves (D800-DFFF): JavaScript (no u flag) matches an emoji with them, RE2
# never (breaker D1 of issue 13 item 4)
SURROGATE_PATTERNS = [
    r"\ud83d\ude00",  # JavaScript: the emoji 😀
    r"[\ud800-\udfff]+",  # JavaScript: both halves of any emoji
    r"[\u0041-\uffff]+",  # a range reaching the halves: JavaScript takes an emoji
]
# refused at save: unsupported, or read differently by RE2 and JavaScript
REFUSED = [
    r"(?=a)a",  # lookahead: not in RE2
    r"(?<=a)b",  # lookbehind: not in RE2
    r"(a)\1",  # backreference: not in RE2
    r"(?<name>a)",  # named group
    r"(?i)abc",  # inline flag: JavaScript refuses it
    r"a{,3}",  # JavaScript: the literal text "a{,3}"; RE2: also literal, but refuse
    r"a{2",  # JavaScript: literal; RE2: literal
    r"x{1001}",  # over RE2's repetition limit
    r"[[:alpha:]]+",  # RE2: a POSIX class; JavaScript: [[:alph] then a literal ]
    r"[]a]",  # JavaScript: an empty class; RE2: ] or a
    r"\p{L}+",  # RE2: a letter; JavaScript (no u flag): the letter p
    r"\Aabc\z",  # RE2: anchors; JavaScript: the letters A and z
    r"\Qa.b\E",  # RE2: quoted text
    r"\0",  # JavaScript: NUL; RE2: refused
    r"\cJ",  # JavaScript: control character
    r"[\b]",  # JavaScript: backspace; RE2: refused
    r"a**",  # nothing to repeat
    r"(ab",  # unbalanced
    r"ab)",  # unbalanced
    r"a]",  # JavaScript: literal ]; refused for clarity
    r"[z-a]",  # bad range
    r"(a{1000}){1000}",  # RE2 program too large
    r"😀+",  # JavaScript repeats the second UTF-16 unit of the emoji only
    r"[😀-😂]",  # JavaScript: a range between surrogates
    *SURROGATE_PATTERNS,
]


def run_node(cases):
    """``[{"match": bool} or {"error": str}]`` of JavaScript's RegExp for
    ``[(pattern, value)]`` (fails, never skips, without node)."""
    node = shutil.which("node")
    if not node:
        raise AssertionError("node is not installed: the pattern conformance test needs it")
    proc = subprocess.run(
        [node, str(NODE_DIR / "regex.js")],
        input=json.dumps([{"pattern": p, "value": v} for p, v in cases]),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    if proc.returncode:
        raise AssertionError(f"node regex.js failed: {proc.stderr}")
    return json.loads(proc.stdout)


def field(pattern_text, code="f"):
    return {
        "code": code,
        "type": "text",
        "label": code.upper(),
        "validation": {"pattern": pattern_text},
    }


@tagged("post_install", "-at_install", "prs", "prs_form_builder")
class TestPatternEngine(BaseCase):
    def test_catastrophic_pattern_is_linear(self):
        """``([A-Z0-9]+)+`` against letters and ``!`` (5.6 s with 26 letters under
        Python's re, doubling per letter) answers in milliseconds at 64 KiB."""
        value = "ABCDEFGHIJKLMNOPQRSTUVWXYZ" * 2520 + "!"
        started = time.perf_counter()
        self.assertFalse(pattern.fullmatch(r"([A-Z0-9]+)+", value))
        self.assertFalse(pattern.fullmatch(r"(a|aa)+$", "a" * 65000 + "b"))
        self.assertLess(time.perf_counter() - started, 0.5)

    def test_refused_patterns(self):
        """Patterns outside the shared syntax are refused with a reason."""
        for text in REFUSED:
            with self.subTest(pattern=text):
                self.assertTrue(pattern.check(text), text)

    def test_validation_uses_the_engine(self):
        """validate_answers refuses a non-matching answer and takes a matching one, fast."""
        tree = {
            "pages": [
                {
                    "code": "p",
                    "sections": [{"code": "s", "fields": [field(r"([A-Z0-9]+)+")]}],
                }
            ]
        }
        started = time.perf_counter()
        values, errors = validation.validate_answers(tree, {"f": "ABCDEFGHIJKLMNOPQRSTUVWXYZ!"})
        self.assertLess(time.perf_counter() - started, 0.5)
        self.assertEqual([e["code"] for e in errors], ["pattern"])
        values, errors = validation.validate_answers(tree, {"f": "ABC123"})
        self.assertFalse(errors)


@tagged("post_install", "-at_install", "prs", "prs_form_builder")
class TestPatternNode(BaseCase):
    def test_accepted_patterns_agree_with_javascript(self):
        """Every accepted pattern gives the answers JavaScript's RegExp gives."""
        cases = [(p, v) for p, values in ACCEPTED.items() for v in values]
        references = run_node(cases)
        for (text, value), reference in zip(cases, references, strict=True):
            with self.subTest(pattern=text, value=value):
                self.assertIsNone(pattern.check(text))
                self.assertNotIn("error", reference)
                self.assertEqual(pattern.fullmatch(text, value), reference["match"])

    def test_surrogate_patterns_are_refused(self):
        """Surrogate halves, or a class range reaching them, match an emoji in
        JavaScript and nothing in RE2: refused, with a reason naming them."""
        cases = [(p, "😀") for p in SURROGATE_PATTERNS]
        for (text, __), reference in zip(cases, run_node(cases), strict=True):
            with self.subTest(pattern=text):
                self.assertEqual(reference, {"match": True})
                self.assertRegex(pattern.check(text) or "", "surrogate")

    def test_javascript_refusals_are_refused(self):
        """A pattern JavaScript cannot compile is refused on the server too."""
        cases = [(p, "") for p in REFUSED]
        for (text, __), reference in zip(cases, run_node(cases), strict=True):
            if "error" in reference:
                with self.subTest(pattern=text):
                    self.assertTrue(pattern.check(text))


@tagged("post_install", "-at_install", "prs", "prs_form_builder")
class TestPatternAtSave(TransactionCase):
    def test_pattern_refused_at_save(self):
        """Saving a field with a pattern RE2 or JavaScript would read differently fails
        with a clear message; a shared one saves."""
        form = self.env["form.form"].create({"name": "Pattern", "code": "pattern_form"})
        page = self.env["form.page"].create({"form_id": form.id, "code": "p", "title": "P"})
        section = self.env["form.section"].create({"page_id": page.id, "code": "s", "title": "S"})
        values = {"section_id": section.id, "code": "f", "label": "F", "field_type": "text"}
        record = self.env["form.field"].create(dict(values, pattern=r"[A-Z]{2}\d{6}"))
        for text in (r"(?=a)a", r"(a)\1", r"\p{L}+", *SURROGATE_PATTERNS):
            with self.subTest(pattern=text), self.assertRaisesRegex(ValidationError, "pattern"):
                record.write({"pattern": text})
