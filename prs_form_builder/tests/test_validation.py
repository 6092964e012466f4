"""The answer validator (a pure function) on trees built through the product: each
test creates the form records and takes the tree the real serializer builds."""

import base64
import datetime
import itertools

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from odoo import Command
from odoo.tests import TransactionCase, tagged

from odoo.addons.prs_form_builder.tools.validation import (
    DEFAULT_MESSAGES,
    resolve_date_bound,
    validate_answers,
)

from .common import FormBuilder

TODAY = datetime.date(2026, 11, 25)
ERROR_CODES = set(DEFAULT_MESSAGES)  # the codes the validator reports


MB = 1024 * 1024  # max_file_size_mb of a size given in bytes: size / MB

make_field = FormBuilder.field


def file_answer(content=b"%PDF-1.4 test", name="cv.pdf", mimetype="application/pdf"):
    return {"name": name, "mimetype": mimetype, "data": base64.b64encode(content).decode()}


class ValidationCase(FormBuilder, TransactionCase):
    """The pure validator on trees the real serializer builds from form records."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.form_numbers = itertools.count(1)
        cls.lang_master = cls.env["prs.master"].create(
            {
                "name": "Languages (validation tests)",
                "code": "lang",
                "item_ids": [Command.create({"value": "en", "label": "English"})],
            }
        )

    @classmethod
    def make_tree(
        cls, *fields, rules=(), section_rules=(), page_condition=False, section_condition=False
    ):
        """The tree of a new form of one page and one section holding ``fields``."""
        return cls.form_tree(
            cls.env,
            f"validation_{next(cls.form_numbers)}",
            pages=[
                cls.page(
                    "page",
                    [
                        cls.section(
                            "section", fields, condition=section_condition, rules=section_rules
                        )
                    ],
                    condition=page_condition,
                )
            ],
            rules=rules,
        )

    def validate(self, tree, answers, **kwargs):
        kwargs.setdefault("today", TODAY)
        return validate_answers(tree, answers, **kwargs)

    def assert_valid(self, field, value, expected=None, **kwargs):
        """``value`` is accepted for ``field`` and cleaned to ``expected`` (default: same)."""
        values, errors = self.validate(self.make_tree(field), {field["code"]: value}, **kwargs)
        self.assertEqual(errors, [])
        self.assertEqual(values[field["code"]], value if expected is None else expected)

    def assert_error(self, field, value, code, **kwargs):
        """``value`` is refused for ``field`` with exactly one error ``code``."""
        values, errors = self.validate(self.make_tree(field), {field["code"]: value}, **kwargs)
        self.assertEqual([(e["field"], e["code"]) for e in errors], [(field["code"], code)])
        self.assertTrue(errors[0]["message"])
        self.assertNotIn(field["code"], values)
        return errors[0]


@tagged("post_install", "-at_install", "prs", "prs_validation")
class TestValidationTypes(ValidationCase):
    def test_text(self):
        """text and textarea take strings only."""
        self.assert_valid(make_field("name"), "Asha")
        self.assert_valid(make_field("bio", "textarea"), "line 1\nline 2")
        self.assert_error(make_field("name"), 42, "type")
        self.assert_error(make_field("name"), ["a"], "type")
        self.assert_error(make_field("name"), "bad\x00null", "type")

    def test_email(self):
        """email must look like an address."""
        self.assert_valid(make_field("email", "email"), "asha@example.org")
        self.assert_error(make_field("email", "email"), "asha@example", "type")
        self.assert_error(make_field("email", "email"), "not an email", "type")

    def test_phone(self):
        """phone: digits, spaces and a leading +, 6 to 15 digits."""
        self.assert_valid(make_field("phone", "phone"), "+91 98765 43210")
        self.assert_error(make_field("phone", "phone"), "+91-98765-43210", "type")
        self.assert_error(make_field("phone", "phone"), "12345", "type")
        self.assert_error(make_field("phone", "phone"), "call me", "type")

    def test_integer(self):
        """integer takes whole numbers and numeric strings, refuses decimals and booleans."""
        self.assert_valid(make_field("age", "integer"), 30)
        self.assert_valid(make_field("age", "integer"), "30", expected=30)
        self.assert_valid(make_field("age", "integer"), 30.0, expected=30)
        self.assert_error(make_field("age", "integer"), 30.5, "type")
        self.assert_error(make_field("age", "integer"), True, "type")
        self.assert_error(make_field("age", "integer"), "thirty", "type")
        self.assert_error(make_field("age", "integer"), 2**60, "type")

    def test_decimal_digits(self):
        """decimal takes numbers with at most ``digits`` decimal places."""
        field = make_field("height", "decimal", digits=2)
        self.assert_valid(field, 1.62)
        self.assert_valid(field, "1.5", expected=1.5)
        self.assert_error(field, 1.625, "type")
        self.assert_error(field, float("nan"), "type")
        self.assert_error(field, float("inf"), "type")
        self.assert_error(field, "1,5", "type")

    def test_currency(self):
        """currency takes numbers."""
        self.assert_valid(make_field("fee", "currency"), 1500)
        self.assert_error(make_field("fee", "currency"), "lots", "type")

    def test_percentage_bounds(self):
        """percentage is between 0 and 100."""
        self.assert_valid(make_field("share", "percentage"), 100)
        self.assert_valid(make_field("share", "percentage"), 0)
        self.assert_error(make_field("share", "percentage"), 100.5, "max_value")
        self.assert_error(make_field("share", "percentage"), -1, "min_value")

    def test_date_time_datetime(self):
        """date, time and datetime take ISO strings."""
        self.assert_valid(make_field("dob", "date"), "2000-02-29")
        self.assert_error(make_field("dob", "date"), "2001-02-29", "type")
        self.assert_error(make_field("dob", "date"), "29/02/2000", "type")
        self.assert_valid(make_field("at", "time"), "09:30")
        self.assert_error(make_field("at", "time"), "25:00", "type")
        self.assert_valid(make_field("start", "datetime"), "2026-12-01T09:30:00Z")
        self.assert_error(make_field("start", "datetime"), "2026-12-01", "type")

    def test_select_and_radio(self):
        """select and radio take one of the choices."""
        field = make_field("diet", "select", choices=("veg", "vegan"))
        self.assert_valid(field, "veg")
        self.assert_error(field, "meat", "choice")
        self.assert_error(field, {"value": "veg"}, "choice")
        radio = make_field("size", "radio", choices=("s", "m"))
        self.assert_valid(radio, "m")
        self.assert_error(radio, "xl", "choice")

    def test_checkboxes_and_multi_select(self):
        """checkboxes and multi_select take a list of choices (duplicates removed)."""
        field = make_field("interests", "checkboxes", choices=("yoga", "music"))
        self.assert_valid(field, ["yoga", "music"])
        self.assert_valid(field, ["yoga", "yoga"], expected=["yoga"])
        self.assert_error(field, ["yoga", "dance"], "choice")
        self.assert_error(field, "yoga", "type")
        multi = make_field("langs", "multi_select", choices=("en", "hi"))
        self.assert_valid(multi, ["hi"])
        self.assert_error(multi, [1], "choice")

    def test_boolean(self):
        """boolean takes true or false only."""
        self.assert_valid(make_field("vegetarian", "boolean"), False)
        self.assert_valid(make_field("vegetarian", "boolean", required=True), False)
        self.assert_error(make_field("vegetarian", "boolean"), "yes", "type")

    def test_consent(self):
        """A required consent must be true; an optional one may be false."""
        self.assert_valid(make_field("terms", "consent", required=True), True)
        self.assert_error(make_field("terms", "consent", required=True), False, "required")
        self.assert_valid(make_field("news", "consent"), False)
        self.assert_error(make_field("terms", "consent"), "true", "type")

    def test_file(self):
        """file takes {name, mimetype, data base64}; the cleaned value keeps the three keys."""
        field = make_field("cv", "file")
        answer = file_answer()
        self.assert_valid(field, answer)
        data_url = dict(answer, data="data:application/pdf;base64," + answer["data"])
        self.assert_valid(field, data_url, expected=answer)
        self.assert_error(field, "cv.pdf", "type")
        self.assert_error(field, dict(answer, data="not base64!"), "type")
        self.assert_error(field, {"name": "cv.pdf"}, "type")

    def test_file_type_and_size(self):
        """file types (extension, MIME type or wildcard) and size are enforced."""
        field = make_field("cv", "file", file_types=".pdf, image/*", max_file_size_mb=20 / MB)
        self.assert_valid(field, file_answer())
        self.assert_valid(field, file_answer(name="photo", mimetype="image/png"))
        self.assert_error(field, file_answer(name="cv.exe", mimetype="application/x"), "file_type")
        self.assert_error(field, file_answer(content=b"x" * 21), "file_size")

    def test_master_backed(self):
        """country/state/master values must be in the master given by the caller."""
        masters = {"country": {"IN", "NP"}, "lang": {"en"}}
        country = make_field("country", "country")  # the country master by default
        self.assert_valid(country, "IN", masters=masters)
        self.assert_error(country, "XX", "choice", masters=masters)
        master = make_field("lang", "master", master_id=self.lang_master.id)
        self.assert_error(master, "fr", "choice", masters=masters)
        state = make_field("state", "state")  # the state master by default
        self.assert_valid(state, "KA", masters=masters)  # master not given: not checked

    def test_choice_from_master(self):
        """A select whose choices come from a master checks the master's values."""
        field = make_field("lang", "select", master_id=self.lang_master.id)
        self.assert_valid(field, "en", masters={"lang": {"en"}})
        self.assert_error(field, "fr", "choice", masters={"lang": {"en"}})

    def test_hidden_type_is_text(self):
        """A hidden-type field is accepted as text (numbers written as text)."""
        self.assert_valid(make_field("source", "hidden"), "newsletter")
        self.assert_valid(make_field("source", "hidden"), 12, expected="12")
        self.assert_error(make_field("source", "hidden"), {"a": 1}, "type")

    def test_static_takes_no_answer(self):
        """A static block takes no answer: a value for it is an unknown field."""
        field = make_field("intro", "static", content="<p>Hi</p>")
        values, errors = self.validate(self.make_tree(field), {"intro": "x"})
        self.assertEqual([(e["field"], e["code"]) for e in errors], [("intro", "unknown_field")])
        values, errors = self.validate(self.make_tree(field), {"intro": None})
        self.assertEqual((values, errors), ({}, []))


@tagged("post_install", "-at_install", "prs", "prs_validation")
class TestValidationRules(ValidationCase):
    def test_required(self):
        """A required field must be answered; blank text and empty lists do not count."""
        field = make_field("name", required=True)
        for answers in ({}, {"name": None}, {"name": "   "}):
            __, errors = self.validate(self.make_tree(field), answers)
            self.assertEqual([(e["field"], e["code"]) for e in errors], [("name", "required")])
        multi = make_field("tags", "checkboxes", required=True, choices=("a",))
        __, errors = self.validate(self.make_tree(multi), {"tags": []})
        self.assertEqual([e["code"] for e in errors], ["required"])
        self.assert_valid(field, "Asha")

    def test_optional_empty_is_fine(self):
        """An optional field may be empty; its empty value is kept as sent."""
        values, errors = self.validate(self.make_tree(make_field("name")), {"name": ""})
        self.assertEqual((values, errors), ({"name": ""}, []))

    def test_required_if(self):
        """required_if makes a field required when its expression holds."""
        tree = self.make_tree(
            make_field("age", "integer"),
            make_field("guardian", required_if="age < 18"),
        )
        __, errors = self.validate(tree, {"age": 12})
        self.assertEqual([(e["field"], e["code"]) for e in errors], [("guardian", "required")])
        __, errors = self.validate(tree, {"age": 30})
        self.assertEqual(errors, [])
        __, errors = self.validate(tree, {"age": "12"})  # conditions see coerced values
        self.assertEqual([e["code"] for e in errors], ["required"])

    def test_lengths(self):
        """min_length and max_length on text."""
        field = make_field("code", min_length=2, max_length=4)
        self.assert_valid(field, "ab")
        self.assert_valid(field, "abcd")
        self.assert_error(field, "a", "min_length")
        self.assert_error(field, "abcde", "max_length")

    def test_pattern_full_match_and_message(self):
        """pattern must match the whole answer; pattern_message replaces the message."""
        field = make_field("pan", pattern="[A-Z]{5}[0-9]{4}[A-Z]", pattern_message="Bad PAN")
        self.assert_valid(field, "ABCDE1234F")
        error = self.assert_error(field, "xABCDE1234F", "pattern")
        self.assertEqual(error["message"], "Bad PAN")
        self.assert_error(field, "ABCDE1234Fx", "pattern")

    def test_invalid_pattern_is_ignored(self):
        """A broken pattern in a tree does not break validation (a form refuses to save
        one, so the serializer's tree is broken afterwards, as an old tree may be)."""
        tree = self.make_tree(make_field("x", pattern="[a-z]+"))
        tree["pages"][0]["sections"][0]["fields"][0]["validation"]["pattern"] = "(unclosed"
        self.assertEqual(self.validate(tree, {"x": "anything"}), ({"x": "anything"}, []))

    def test_min_max_value(self):
        """min_value and max_value on numbers."""
        field = make_field("age", "integer", min_value="18", max_value="60")
        self.assert_valid(field, 18)
        self.assert_valid(field, 60)
        self.assert_error(field, 17, "min_value")
        self.assert_error(field, 61, "max_value")

    def test_date_bounds_with_tokens(self):
        """Date bounds accept ISO dates and today+/-N d/w/m/y tokens."""
        field = make_field("dob", "date", max_date="today-18y")
        self.assert_valid(field, "2008-11-25")
        error = self.assert_error(field, "2008-11-26", "max_date")
        self.assertIn("2008-11-25", error["message"])
        start = make_field("start", "date", min_date="today", max_date="today+30d")
        self.assert_valid(start, "2026-11-25")
        self.assert_valid(start, "2026-12-25")
        self.assert_error(start, "2026-11-24", "min_date")
        self.assert_error(start, "2026-12-26", "max_date")
        fixed = make_field("end", "datetime", min_date="2026-01-01")
        self.assert_error(fixed, "2025-12-31T23:59", "min_date")

    def test_resolve_date_bound(self):
        """Relative tokens resolve against today; month ends are clamped."""
        day = datetime.date(2026, 1, 31)
        self.assertEqual(resolve_date_bound("today", day), day)
        self.assertEqual(resolve_date_bound("today+1m", day), datetime.date(2026, 2, 28))
        self.assertEqual(resolve_date_bound("today-2w", day), datetime.date(2026, 1, 17))
        self.assertEqual(resolve_date_bound("+1d", day), datetime.date(2026, 2, 1))
        self.assertEqual(resolve_date_bound("today-18y", day), datetime.date(2008, 1, 31))
        self.assertEqual(resolve_date_bound("2026-03-01", day), datetime.date(2026, 3, 1))
        self.assertIsNone(resolve_date_bound("tomorrow", day))
        self.assertIsNone(resolve_date_bound("today+9999y", day))

    def test_custom_messages(self):
        """validation.messages replaces the default message of an error code."""
        field = make_field(
            "age",
            "integer",
            required=True,
            min_value="18",
            messages={"min_value": "Adults only", "required": "Age?"},
        )
        self.assertEqual(self.assert_error(field, 12, "min_value")["message"], "Adults only")
        __, errors = self.validate(self.make_tree(field), {})
        self.assertEqual(errors[0]["message"], "Age?")

    def test_transforms_before_validation(self):
        """trim/upper/lower apply before the rules and to the cleaned value."""
        trim = make_field("name", required=True, transform="trim", max_length=4)
        self.assert_valid(trim, "  Asha  ", expected="Asha")
        __, errors = self.validate(self.make_tree(trim), {"name": "   "})
        self.assertEqual([e["code"] for e in errors], ["required"])
        upper = make_field("pan", transform="upper", pattern="[A-Z]+")
        self.assert_valid(upper, "abc", expected="ABC")
        lower = make_field("email", "email", transform="lower")
        self.assert_valid(lower, "Asha@Example.ORG", expected="asha@example.org")

    def test_unknown_field(self):
        """An answer for a code that is not in the form is an unknown_field error."""
        values, errors = self.validate(
            self.make_tree(make_field("name")), {"name": "A", "nme": "B"}
        )
        self.assertEqual(values, {"name": "A"})
        self.assertEqual([(e["field"], e["code"]) for e in errors], [("nme", "unknown_field")])


@tagged("post_install", "-at_install", "prs", "prs_validation")
class TestValidationVisibility(ValidationCase):
    def test_hidden_field_not_required_and_dropped(self):
        """A field hidden by its condition is never required and its value is dropped."""
        tree = self.make_tree(
            make_field("age", "integer"),
            make_field("guardian", required=True, condition="age < 18"),
        )
        values, errors = self.validate(tree, {"age": 30, "guardian": "Mum"})
        self.assertEqual((values, errors), ({"age": 30}, []))
        values, errors = self.validate(tree, {"age": 12})
        self.assertEqual([(e["field"], e["code"]) for e in errors], [("guardian", "required")])

    def test_hidden_field_invalid_value_ignored(self):
        """An invalid value of a hidden field is dropped without an error."""
        tree = self.make_tree(
            make_field("show", "boolean"),
            make_field("age", "integer", condition="show"),
        )
        values, errors = self.validate(tree, {"show": False, "age": "not a number"})
        self.assertEqual((values, errors), ({"show": False}, []))
        __, errors = self.validate(tree, {"show": True, "age": "not a number"})
        self.assertEqual([e["code"] for e in errors], ["type"])

    def test_hidden_section_and_page(self):
        """A hidden section or page hides its fields: not required, values dropped."""
        shown_if = {"condition": "flag == 'on'"}
        for hidden in ("section", "page"):
            # a condition may not read a field of its own section or page (a cycle):
            # ``flag`` stands on the page before
            tree = self.form_tree(
                self.env,
                f"validation_hidden_{hidden}",
                pages=[
                    self.page("control", [self.section("control", [make_field("flag")])]),
                    self.page(
                        "page",
                        [
                            self.section(
                                "section",
                                [make_field("name", required=True)],
                                **(shown_if if hidden == "section" else {}),
                            )
                        ],
                        **(shown_if if hidden == "page" else {}),
                    ),
                ],
            )
            values, errors = self.validate(tree, {"name": "A"})
            self.assertEqual((values, errors), ({}, []), hidden)
            values, errors = self.validate(tree, {"flag": "off", "name": "A"})
            self.assertEqual((values, errors), ({"flag": "off"}, []), hidden)

    def test_hidden_value_is_undefined_for_later_conditions(self):
        """A hidden field's value is undefined for the conditions that follow it."""
        tree = self.make_tree(
            make_field("a", "boolean"),
            make_field("b", condition="a"),
            make_field("c", required=True, condition="b == 'x'"),
        )
        values, errors = self.validate(tree, {"a": False, "b": "x"})
        self.assertEqual((values, errors), ({"a": False}, []))
        __, errors = self.validate(tree, {"a": True, "b": "x"})
        self.assertEqual([(e["field"], e["code"]) for e in errors], [("c", "required")])

    def test_today_in_conditions(self):
        """Conditions can compare dates with today (ISO strings)."""
        tree = self.make_tree(
            make_field("start", "date"),
            make_field("reason", required=True, condition="start < today"),
        )
        __, errors = self.validate(tree, {"start": "2026-01-01"})
        self.assertEqual([e["field"] for e in errors], ["reason"])
        __, errors = self.validate(tree, {"start": "2027-01-01"})
        self.assertEqual(errors, [])

    def test_form_rule(self):
        """A form rule must hold; its message is returned with field False."""
        rule = {"code": "dates", "expr": "end >= start", "message": "End before start"}
        tree = self.make_tree(make_field("start", "date"), make_field("end", "date"), rules=[rule])
        __, errors = self.validate(tree, {"start": "2026-01-02", "end": "2026-01-01"})
        self.assertEqual(errors, [{"field": False, "code": "rule", "message": "End before start"}])
        __, errors = self.validate(tree, {"start": "2026-01-01", "end": "2026-01-02"})
        self.assertEqual(errors, [])

    def test_section_rule_skipped_when_hidden(self):
        """A rule of a visible section applies; of a hidden section it is skipped."""
        rule = {"code": "sum", "expr": "a + b <= 10", "message": "Too many"}
        fields = (make_field("a", "integer"), make_field("b", "integer"))
        tree = self.make_tree(*fields, section_rules=[rule])
        __, errors = self.validate(tree, {"a": 6, "b": 6})
        self.assertEqual([e["code"] for e in errors], ["rule"])
        # hidden whatever the answers (a constant "false" is refused as never shown)
        hidden = self.make_tree(
            *fields, section_rules=[rule], section_condition="today < '2000-01-01'"
        )
        __, errors = self.validate(hidden, {"a": 6, "b": 6})
        self.assertEqual(errors, [])

    def test_rule_without_message(self):
        """A failing rule without a message gets a default one naming the rule."""
        tree = self.make_tree(make_field("a"), rules=[self.rule("r1", "a == 'x'", "set")])
        tree["rules"][0]["message"] = ""  # a form rule always has one; an old tree may not
        __, errors = self.validate(tree, {"a": "y"})
        self.assertIn("r1", errors[0]["message"])


JSON_SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats(allow_nan=True, allow_infinity=True)
    | st.text(max_size=50)
)
JSON_VALUES = st.recursive(
    JSON_SCALARS,
    lambda inner: (
        st.lists(inner, max_size=5) | st.dictionaries(st.text(max_size=10), inner, max_size=5)
    ),
    max_leaves=20,
)
# every field type; ``text`` on a section of its own, since the next section's
# condition reads it
ALL_TYPES_FIELDS = [
    make_field("text", required=True, transform="trim", max_length=10, pattern="[a-z]*"),
    make_field("email", "email"),
    make_field("phone", "phone"),
    make_field("integer", "integer", min_value="0", max_value="99"),
    make_field("decimal", "decimal", digits=2),
    make_field("currency", "currency"),
    make_field("percentage", "percentage"),
    make_field("date", "date", min_date="today-18y", max_date="today"),
    make_field("time", "time"),
    make_field("datetime", "datetime"),
    make_field("select", "select", choices=("a", "b"), condition="integer > 5"),
    make_field("radio", "radio", choices=("a", "b"), required_if="text == 'x'"),
    make_field("checkboxes", "checkboxes", choices=("a", "b")),
    make_field("multi_select", "multi_select", choices=("a", "b")),
    make_field("boolean", "boolean"),
    make_field("consent", "consent", required=True),
    make_field("file", "file", file_types=".pdf", max_file_size_mb=100 / MB),
    make_field("country", "country"),
    make_field("hidden", "hidden"),
    make_field("static", "static"),
]
FIELD_CODES = [values["code"] for values in ALL_TYPES_FIELDS]


@tagged("post_install", "-at_install", "prs", "prs_validation")
class TestValidationHostileInput(ValidationCase):
    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        text, *others = ALL_TYPES_FIELDS
        cls.all_types_tree = cls.form_tree(
            cls.env,
            "validation_all_types",
            pages=[
                cls.page(
                    "page",
                    [
                        cls.section("first", [text]),
                        cls.section("section", others, condition="!(text == 'hide')"),
                    ],
                )
            ],
            rules=[cls.rule("r", "integer < decimal", "rule")],
        )

    def assert_well_formed(self, values, errors):
        self.assertIsInstance(values, dict)
        self.assertIsInstance(errors, list)
        for error in errors:
            self.assertEqual(set(error), {"field", "code", "message"})
            self.assertIn(error["code"], ERROR_CODES)
            self.assertTrue(error["field"] is False or isinstance(error["field"], str))
            self.assertIsInstance(error["message"], str)
            self.assertTrue(error["message"])

    @settings(
        max_examples=200, deadline=None, database=None, suppress_health_check=list(HealthCheck)
    )
    @given(
        answers=st.dictionaries(
            st.sampled_from(FIELD_CODES) | st.text(max_size=20), JSON_VALUES, max_size=12
        )
    )
    def test_arbitrary_answers_never_raise(self, answers):
        """Any JSON answers give well-formed (values, errors) and never raise."""
        values, errors = validate_answers(
            self.all_types_tree, answers, masters={"country": {"IN"}}, today=TODAY
        )
        self.assert_well_formed(values, errors)
        self.assertFalse(set(values) - set(FIELD_CODES))
        self.assertNotIn("static", values)

    @settings(
        max_examples=80, deadline=None, database=None, suppress_health_check=list(HealthCheck)
    )
    @given(answers=JSON_VALUES, tree=JSON_VALUES)
    def test_arbitrary_tree_and_answers_never_raise(self, answers, tree):
        """Even a malformed tree or non-object answers give structured errors."""
        values, errors = validate_answers(tree, answers, masters=answers, today=answers)
        self.assert_well_formed(values, errors)

    def test_hostile_values(self):
        """Huge strings, deep nesting and odd types become errors, not exceptions."""
        deep = []
        for __ in range(5000):
            deep = [deep]
        answers = {
            "text": "a" * 1_000_000,
            "integer": "9" * 10_000,
            "decimal": float("nan"),
            "select": deep,
            "file": {"name": {"x": 1}, "data": None},
            "date": "9999-99-99",
            "country": None,
            "\ud800": 1,
        }
        values, errors = validate_answers(self.all_types_tree, answers, today=TODAY)
        self.assert_well_formed(values, errors)
        codes = {(e["field"], e["code"]) for e in errors}
        self.assertIn(("text", "type"), codes)
        self.assertIn(("integer", "type"), codes)
        self.assertIn(("decimal", "type"), codes)
        self.assertIn(("file", "type"), codes)
        self.assertIn(("date", "type"), codes)
        self.assertEqual(values, {"country": None})

    def test_unknown_keys_are_capped(self):
        """Thousands of unknown keys give a bounded number of errors."""
        answers = {f"k{i}": i for i in range(5000)}
        values, errors = validate_answers(self.make_tree(make_field("a")), answers, today=TODAY)
        self.assertEqual(values, {})
        self.assertEqual(len(errors), 50)
        self.assertEqual({e["code"] for e in errors}, {"unknown_field"})

    def test_not_an_object(self):
        """Answers that are not an object give one structured error."""
        for answers in (None, [], "x", 3):
            values, errors = validate_answers(self.all_types_tree, answers)
            self.assertEqual(values, {})
            self.assertEqual([e["code"] for e in errors], ["type"])
