import json
import math
from pathlib import Path

from odoo.tests import BaseCase, tagged

from odoo.addons.prs_form_builder.tools import expression
from odoo.addons.prs_form_builder.tools.expression import ExpressionError, parser

VECTORS_PATH = Path(__file__).parent / "data" / "jexl_vectors.json"


def load_vectors():
    """The renderer's reference results (npm jexl 2.3.0), copied from shared/jexl."""
    with VECTORS_PATH.open(encoding="utf-8") as handle:
        return json.load(handle)


def same_result(server, reference):
    """``server`` (Python) equals ``reference`` (JSON written by JavaScript)."""
    if isinstance(server, float) and not math.isfinite(server):
        return reference is None  # JSON.stringify writes NaN and Infinity as null
    if isinstance(server, bool) or isinstance(reference, bool):
        return server is reference
    if isinstance(server, int | float) and isinstance(reference, int | float):
        return float(server) == float(reference)
    if isinstance(server, list) and isinstance(reference, list):
        return len(server) == len(reference) and all(
            same_result(s, r) for s, r in zip(server, reference, strict=True)
        )
    if isinstance(server, dict) and isinstance(reference, dict):
        return server.keys() == reference.keys() and all(
            same_result(server[k], reference[k]) for k in server
        )
    return type(server) is type(reference) and server == reference


def server_outcome(expr, context):
    """``("error", message)`` or ``("value", result, truthy)`` on the server."""
    try:
        result = expression.evaluate(expr, json.loads(json.dumps(context)))
    except ExpressionError as exc:
        return ("error", str(exc))
    return ("value", result, expression.is_true(expr, context))


def agrees(outcome, reference):
    """The server outcome matches one jexl reference entry ({result, truthy} or {error})."""
    if "error" in reference:
        return outcome[0] == "error"
    return (
        outcome[0] == "value"
        and outcome[2] == reference["truthy"]
        and same_result(outcome[1], reference["result"])
    )


def rejected_at_save(expr):
    """Problems ``check`` reports for ``expr`` with all its names known (construct only)."""
    try:
        known = expression.names(expr)
    except ExpressionError as exc:
        return [str(exc)]
    return expression.check(expr, known)


@tagged("post_install", "-at_install", "prs", "prs_expression")
class TestExpressionVectors(BaseCase):
    def test_every_vector_agrees_or_is_rejected(self):
        """Every reference vector: same truthy and result as jexl, or refused by check."""
        vectors = load_vectors()
        self.assertGreaterEqual(len(vectors), 62)
        for vector in vectors:
            with self.subTest(expr=vector["expr"], context=vector["context"]):
                outcome = server_outcome(vector["expr"], vector["context"])
                if not agrees(outcome, vector):
                    self.assertTrue(
                        rejected_at_save(vector["expr"]),
                        f"server {outcome} disagrees with jexl {vector} and check accepts it",
                    )

    def test_all_vectors_agree_without_rejection(self):
        """The server reaches jexl's answer on all the vectors (none needs a refusal)."""
        vectors = load_vectors()
        agreeing = [v for v in vectors if agrees(server_outcome(v["expr"], v["context"]), v)]
        self.assertEqual(len(agreeing), len(vectors))

    def test_vectors_copy_is_the_shared_one(self):
        """The repo copy matches ../shared/jexl/vectors.json when that file is present."""
        shared = Path(__file__).resolve().parents[3] / "shared" / "jexl" / "vectors.json"
        if shared.exists():
            with shared.open(encoding="utf-8") as handle:
                self.assertEqual(json.load(handle), load_vectors())
        else:
            self.assertTrue(VECTORS_PATH.exists())


@tagged("post_install", "-at_install", "prs", "prs_expression")
class TestExpressionSemantics(BaseCase):
    def test_missing_name_is_undefined(self):
        """A missing answer reads as undefined (None) and comparisons with it are false."""
        self.assertIsNone(expression.evaluate("age", {}))
        self.assertFalse(expression.evaluate("age >= 18", {}))
        self.assertFalse(expression.evaluate("age < 18", {}))

    def test_null_compares_as_zero(self):
        """null (an empty answer) compares as 0 like in JavaScript: null <= 18 is true."""
        self.assertTrue(expression.evaluate("age <= 18", {"age": None}))
        self.assertFalse(expression.evaluate("age <= 18", {}))

    def test_loose_equality(self):
        """== is JavaScript's loose equality."""
        self.assertTrue(expression.evaluate("a == '1'", {"a": 1}))
        self.assertTrue(expression.evaluate("a == null", {}))
        self.assertTrue(expression.evaluate("a == 'x'", {"a": ["x"]}))
        self.assertFalse(expression.evaluate("a == b", {"a": [1], "b": [1]}))
        self.assertTrue(expression.evaluate("a == 1", {"a": True}))
        self.assertFalse(expression.evaluate("a == 0", {"a": None}))

    def test_truthy_is_javascript(self):
        """truthy: [] and {} are true, '' 0 NaN None false are false."""
        for value in ([], {}, "0", "false", -1, 0.5, True):
            self.assertTrue(expression.truthy(value), value)
        for value in ("", 0, 0.0, math.nan, None, False):
            self.assertFalse(expression.truthy(value), value)

    def test_path_through_missing_object(self):
        """A path through a missing object is undefined, not an error."""
        self.assertIsNone(expression.evaluate("missing.deep.deeper", {}))
        self.assertTrue(expression.evaluate("program.fee > 0", {"program": {"fee": 5}}))

    def test_property_of_array_reads_first_element(self):
        """A property of an array reads the property of its first element (jexl)."""
        self.assertEqual(expression.evaluate("tags.length", {"tags": ["abc", "d"]}), 3)
        self.assertEqual(expression.evaluate("items.x", {"items": [{"x": 7}]}), 7)
        with self.assertRaises(ExpressionError):
            expression.evaluate("tags.length", {"tags": []})

    def test_in_operator(self):
        """in: substring on strings, strict membership on arrays, false otherwise."""
        self.assertTrue(expression.evaluate("'IN' in 'INDIA'", {}))
        self.assertTrue(expression.evaluate("'a' in tags", {"tags": ["a"]}))
        self.assertFalse(expression.evaluate("1 in tags", {"tags": ["1"]}))
        self.assertFalse(expression.evaluate("'a' in tags", {}))

    def test_arithmetic_and_strings(self):
        """+ concatenates with a string, numbers are doubles, division by zero is Infinity."""
        self.assertEqual(expression.evaluate("a + 1", {"a": "1"}), "11")
        self.assertEqual(expression.evaluate("0.1 + 0.2", {}), 0.30000000000000004)
        self.assertEqual(expression.evaluate("a / 0", {"a": 1}), math.inf)
        self.assertEqual(expression.evaluate("7 // 2", {}), 3)
        self.assertEqual(expression.evaluate("-7 % 3", {}), -1)
        self.assertEqual(expression.evaluate("2 ^ 10", {}), 1024)
        self.assertEqual(expression.evaluate("'n=' + a", {"a": 1e21}), "n=1e+21")
        self.assertTrue(math.isnan(expression.evaluate("a * 2", {})))

    def test_logical_operators_return_operands(self):
        """&& and || return an operand, like JavaScript."""
        self.assertEqual(expression.evaluate("a || 'x'", {"a": ""}), "x")
        self.assertEqual(expression.evaluate("a && 'x'", {"a": 0}), 0)
        self.assertEqual(expression.evaluate("a ? 'y' : 'n'", {"a": []}), "y")

    def test_dates_compare_as_strings(self):
        """ISO dates (and today, a context value) compare as strings."""
        context = {"dob": "2000-05-05", "today": "2026-01-01"}
        self.assertTrue(expression.evaluate("dob < today", context))
        self.assertTrue(expression.evaluate("dob >= '1999-12-31'", context))

    def test_unary_minus_is_a_syntax_error(self):
        """-name is a syntax error (jexl), a negative number literal is fine."""
        with self.assertRaises(ExpressionError):
            expression.evaluate("-age < 0", {"age": 3})
        self.assertTrue(expression.evaluate("age > -5", {"age": 3}))

    def test_is_true(self):
        """is_true: empty expression true, error false, else JavaScript truthiness."""
        self.assertTrue(expression.is_true("", {}))
        self.assertTrue(expression.is_true(None, {}))
        self.assertFalse(expression.is_true("age >=", {"age": 1}))
        self.assertFalse(expression.is_true("tags.length > 0", {"tags": []}))
        self.assertTrue(expression.is_true("tags", {"tags": []}))
        self.assertFalse(expression.is_true("x|upper", {"x": "a"}))

    def test_evaluate_refuses_bad_input(self):
        """evaluate raises ExpressionError (never another error) on bad input."""
        for expr, context in (
            (None, {}),
            ("", {}),
            ("a +", {}),
            ("a" * (expression.MAX_LENGTH + 1), {}),
            ("a", []),
            ("(" * 500 + "a" + ")" * 500, {}),
            ("a.b", {"a": object()}),
        ):
            with self.subTest(expr=str(expr)[:30]), self.assertRaises(ExpressionError):
                expression.evaluate(expr, context)


@tagged("post_install", "-at_install", "prs", "prs_expression")
class TestExpressionCheck(BaseCase):
    def test_valid_expression_has_no_problem(self):
        """A correct expression over known names passes."""
        self.assertEqual(expression.check("age >= 18 && country == 'IN'", {"age", "country"}), [])
        self.assertEqual(expression.check("", set()), [])
        self.assertEqual(expression.check(None, set()), [])

    def test_syntax_error(self):
        """A syntax error is reported."""
        problems = expression.check("age >= ", {"age"})
        self.assertEqual(len(problems), 1)
        self.assertIn("Syntax", problems[0])
        self.assertTrue(expression.check("-age < 0", {"age"}))
        self.assertTrue(expression.check(42, {"age"}))

    def test_unknown_name(self):
        """A name that is not a known field code is reported by name."""
        problems = expression.check("age >= 18 && contry == 'IN'", {"age", "country"})
        self.assertEqual(problems, ["Unknown name 'contry'"])

    def test_dotted_names(self):
        """Dotted names (step answers, program) are known only as listed."""
        known = {"personal.age", "program.fee"}
        self.assertEqual(expression.check("personal.age > 18 && program.fee > 0", known), [])
        self.assertEqual(
            expression.check("personal.agee > 18", known), ["Unknown name 'personal.agee'"]
        )
        self.assertEqual(expression.check("program > 0", known), ["Unknown name 'program'"])

    def test_length_of_text_allowed_of_list_refused(self):
        """name.length is accepted on a text value, refused on a list field."""
        self.assertEqual(expression.check("name.length >= 2", {"name"}), [])
        problems = expression.check("interests.length > 1", {"interests"}, list_names={"interests"})
        self.assertEqual(len(problems), 1)
        self.assertIn("first item", problems[0])

    def test_rejected_constructs(self):
        """Transforms, relative names, computed indexes, built-in names are refused."""
        known = {"x", "tags", "i", "constructor", "obj", "obj.toString"}
        for expr in (
            "x|upper",
            "tags[.a == 1]",
            "tags[i]",
            "tags[-1]",
            "constructor == 1",
            "obj.toString",
            "(tags)[0]",
            "'abc'[0]",
            "- 5 == x",
            "'a' inx",
            "f(x)",
            "x == 'a\\nb'",
            "x ^ 2 > 3",
            "tags[1.5]",
        ):
            with self.subTest(expr=expr):
                self.assertTrue(expression.check(expr, known))

    def test_loose_syntax_refused(self):
        """What jexl accepts but reads loosely is refused at save (and still evaluated
        like jexl): empty values, unclosed brackets, a space inside a negative number."""
        for expr in (
            "(x == 1",
            "x ? : 1",
            "x ? 1 :",
            "[1,,2] == x",
            "[1,] == x",
            "{k:} == x",
            "tags[] == x",
            "(x ? 1 : ) == 1",
            "- 5 == x",
        ):
            with self.subTest(expr=expr):
                self.assertTrue(expression.check(expr, {"x", "tags"}))
                self.assertIsInstance(expression.parse(expr), expression.Node)
        self.assertEqual(expression.check("[] == x || [1, 2] == x", {"x"}), [])
        self.assertEqual(expression.check("x == 'it\\'s'", {"x"}), [])

    def test_literal_index_accepted(self):
        """A literal index or key inside [...] is accepted."""
        self.assertEqual(expression.check("tags[0] == 'a' && obj['k'] == 1", {"tags", "obj"}), [])

    def test_today_is_a_name(self):
        """today must be listed among the known names (the caller provides it)."""
        self.assertEqual(expression.check("dob < today", {"dob", "today"}), [])
        self.assertEqual(expression.check("dob < today", {"dob"}), ["Unknown name 'today'"])


@tagged("post_install", "-at_install", "prs", "prs_expression")
class TestExpressionNesting(BaseCase):
    """Deep nesting is an ExpressionError, never a RecursionError (parse and evaluate)."""

    def assert_refused(self, expr, message):
        with self.assertRaisesRegex(ExpressionError, message):
            expression.evaluate(expr, {"a": 1})
        problems = expression.check(expr, {"a"})
        self.assertEqual(len(problems), 1)
        self.assertRegex(problems[0], message)
        self.assertFalse(expression.is_true(expr, {"a": 1}))

    def test_too_long(self):
        """5,000 nested parentheses: longer than MAX_LENGTH."""
        self.assert_refused("(" * 5000 + "a" + ")" * 5000, "longer than")

    def test_nested_too_deeply(self):
        """Brackets, filters, arrays, objects nested beyond MAX_DEPTH."""
        depth = expression.MAX_DEPTH + 1
        for expr in (
            "(" * depth + "a" + ")" * depth,
            "a+(" * depth + "a" + ")" * depth,
            "[" * depth + "]" * depth,
            "{k:" * depth + "1" + "}" * depth,
            "a[" * depth + "0" + "]" * depth,
            "!(" * depth + "a" + ")" * depth,
            "a" + "|f" * depth,
        ):
            with self.subTest(expr=expr[:20]):
                self.assert_refused(expr, "nested more than")

    def test_parser_needs_no_recursion(self):
        """The parser itself reads 100,000 nested brackets (no length limit) and refuses
        them with an ExpressionError, quickly."""
        with self.assertRaisesRegex(ExpressionError, "nested more than"):
            parser.parse_tree("(" * 100_000 + "a" + ")" * 100_000)

    def test_long_chains_evaluate(self):
        """Long flat chains are no nesting: they evaluate in a loop, like in jexl."""
        length = expression.MAX_LENGTH
        self.assertTrue(expression.evaluate("!" * (length - 2) + "a", {"a": 1}))
        self.assertIsNone(expression.evaluate(".".join(["a"] * (length // 2)), {"a": 1}))
        self.assertEqual(expression.evaluate("||".join(["a"] * (length // 3)), {"a": 5}), 5)
        self.assertEqual(expression.evaluate("+".join(["1"] * (length // 2)), {}), length // 2)
        self.assertEqual(expression.evaluate("a?0:" * (length // 4 - 1) + "2", {}), 2)
        self.assertEqual(
            expression.names(".".join(["a"] * (length // 2))), {".".join(["a"] * (length // 2))}
        )
        depth = expression.MAX_DEPTH
        self.assertEqual(expression.evaluate("(" * depth + "a" + ")" * depth, {"a": 3}), 3)

    def test_deep_values(self):
        """Deeply nested values in the context: converted without recursion, returned
        up to MAX_VALUE_DEPTH."""
        deep = []
        for _i in range(5000):
            deep = [deep]
        self.assertEqual(expression.evaluate("a + ''", {"a": deep}), "")
        self.assertTrue(expression.is_true("a", {"a": deep}))
        with self.assertRaisesRegex(ExpressionError, "nested more than"):
            expression.evaluate("a", {"a": deep})


@tagged("post_install", "-at_install", "prs", "prs_expression")
class TestExpressionNames(BaseCase):
    def test_names(self):
        """names lists bare codes and dotted paths read by the expression."""
        self.assertEqual(
            expression.names("age >= 18 && (personal.country == 'IN' || !consent)"),
            {"age", "personal.country", "consent"},
        )
        self.assertEqual(
            expression.names("tags[0] == x ? a.b : [c, {k: d}]"), {"tags", "x", "a.b", "c", "d"}
        )
        self.assertEqual(expression.names("name.length > 2"), {"name.length"})
        self.assertEqual(expression.names("1 + 2"), set())
        self.assertEqual(expression.names(""), set())

    def test_names_of_invalid_expression(self):
        """names raises ExpressionError on a syntax error."""
        with self.assertRaises(ExpressionError):
            expression.names("a ==")
