"""Server expressions against the renderer's evaluator itself (npm jexl 2.3.0 via node).

Needs ``node`` and ``tests/node/node_modules/jexl`` (``scripts/setup.sh`` installs it):
the test fails, never skips, when they are missing.
"""

import json
import random
import shutil
import subprocess
from pathlib import Path
from unittest.mock import patch

from odoo.tests import BaseCase, tagged

from odoo.addons.prs_form_builder.tools import expression

from .test_expression import agrees, load_vectors, rejected_at_save, server_outcome

NODE_DIR = Path(__file__).resolve().parents[2] / "tests" / "node"

ANSWERS = {
    "age": 20,
    "minor": 12,
    "zero": 0,
    "height": 1.62,
    "name": "Asha",
    "blank": "",
    "spaces": "  ",
    "num_text": "10",
    "country": "IN",
    "dob": "2000-05-05",
    "today": "2026-11-25",
    "consent": True,
    "declined": False,
    "empty": None,
    "interests": ["yoga", "music"],
    "none_selected": [],
    "numbers": [1, 2, 3],
    "single": ["x"],
    "personal": {"age": 61, "country": "NP", "tags": ["a"]},
    "program": {"fee": 100, "code": "RET-1", "free": False},
    "health": {"conditions": ["asthma"], "fit": False},
    "nested": {"a": {"b": {"c": 3}}},
}

# (expression, context) pairs covering operators, missing values, strings, numbers,
# lists, nested objects and booleans. None as context means ANSWERS.
EXTRA_CASES = [
    # comparisons and missing values
    ("age >= 18", None),
    ("minor >= 18", None),
    ("missing >= 18", None),
    ("missing < 18", None),
    ("missing <= 0", None),
    ("empty <= 0", None),
    ("empty >= 0", None),
    ("empty == 0", None),
    ("empty == null", None),
    ("missing == empty", None),
    ("missing != null", None),
    ("zero == false", None),
    ("zero == ''", None),
    ("blank == 0", None),
    ("spaces == 0", None),
    ("num_text == 10", None),
    ("num_text > 9", None),
    ("num_text > '9'", None),
    ("name > 'Ash'", None),
    ("name < 'asha'", None),
    ("dob < '2008-01-01'", None),
    ("dob >= today", None),
    ("today > '2026-01-01'", None),
    ("height > 1.6 && height < 1.7", None),
    ("age == 20.0", None),
    ("age != '20'", None),
    # booleans and logic
    ("consent", None),
    ("!consent", None),
    ("!!consent", None),
    ("declined == false", None),
    ("consent == 1", None),
    ("consent == 'true'", None),
    ("consent && age >= 18", None),
    ("declined || 'fallback'", None),
    ("missing || empty", None),
    ("missing && x", None),
    ("consent && declined || age", None),
    ("!(missing)", None),
    ("!blank", None),
    ("!interests", None),
    ("!none_selected", None),
    # strings
    ("name + ' ' + country", None),
    ("name + age", None),
    ("age + num_text", None),
    ("'IN' in 'INDIA'", None),
    ("country in 'INDIA'", None),
    ("'' in name", None),
    ("name.length", None),
    ("blank.length == 0", None),
    ("name[0]", None),
    ("name['length']", None),
    ("missing + 'x'", None),
    ("empty + 'x'", None),
    ('name == "Asha"', None),
    ("'It\\'s' == \"It's\"", None),
    # numbers
    ("age + 1", None),
    ("age - 25", None),
    ("age * 1.5", None),
    ("age / 3", None),
    ("age // 3", None),
    ("age % 7", None),
    ("age ^ 2", None),
    ("2.5 ^ 2.5", {}),
    ("age / zero", None),
    ("zero / zero", None),
    ("0.1 + 0.2", None),
    ("big + ''", {"big": 1e21}),
    ("small + ''", {"small": 1e-7}),
    ("missing * 2", None),
    ("empty * 2", None),
    ("consent + 1", None),
    ("age > -1", None),
    ("age - -1", None),
    ("2 + 3 * 4 == 14", {}),
    ("(2 + 3) * 4", {}),
    ("10 - 2 - 3", {}),
    ("2 ^ 3 ^ 2", {}),
    ("7 % 3 * 2", {}),
    ("num_text * 2", None),
    # lists
    ("'yoga' in interests", None),
    ("'dance' in interests", None),
    ("'x' in none_selected", None),
    ("1 in numbers", None),
    ("'1' in numbers", None),
    ("interests == 'yoga,music'", None),
    ("single == 'x'", None),
    ("numbers == '1,2,3'", None),
    ("none_selected == ''", None),
    ("none_selected == 0", None),
    ("interests[0]", None),
    ("interests[1] == 'music'", None),
    ("interests[2]", None),
    ("interests['1']", None),
    ("interests.length", None),
    ("numbers + 1", None),
    ("interests", None),
    ("none_selected", None),
    ("[1, 2] == [1, 2]", {}),
    ("country in ['IN', 'NP']", None),
    ("age in [18, 20]", None),
    ("missing in [missing]", None),
    ("none_selected.length", None),
    # nested objects and dotted paths
    ("personal.age < 60", None),
    ("personal.country == 'NP'", None),
    ("personal.missing == null", None),
    ("personal.tags.length", None),
    ("program.fee > 0 && !program.free", None),
    ("program.code + '-' + personal.country", None),
    ("nested.a.b.c * 2", None),
    ("nested.a.x.y", None),
    ("nested['a'].b", None),
    ("health.conditions.length > 0 && health.fit == false", None),
    ("missing.deep.deeper == null", None),
    ("empty.deep", None),
    ("personal", None),
    ("{a: age, b: missing}", None),
    ("{a: 1}.a", {}),
    ("personal == personal", None),
    # conditional
    ("age > 10 ? 'adult' : 'child'", None),
    ("minor > 10 ? 'adult' : 'child'", None),
    ("missing ? 1 : 2", None),
    ("consent ? declined ? 'a' : 'b' : 'c'", None),
    ("declined ? 1 : consent ? 2 : 3", None),
    # errors in jexl and server
    ("none_selected.length == 0", None),
    ("empty[0]", None),
    ("missing[0]", None),
    ("-age < 0", None),
    ("x|upper", {"x": "a"}),
    ("age >=", None),
    # the grammar where jexl is looser than it looks (the server reads it the same way,
    # check refuses most of it at save): open brackets, empty values, spaced minus,
    # backslashes, redundant or odd brackets, chains, functions
    ("(age >= 18", None),
    ("((age", None),
    ("consent ? : 'no'", None),
    ("declined ? 'yes' :", None),
    ("[1,,2]", None),
    ("[1,]", None),
    ("{k:}", None),
    ("interests[]", None),
    ("- 5 < age", None),
    ("name == 'As\\ha'", None),
    ("'a\\nb'", None),
    ("'a\\\\b\\\\c'", None),
    ("'it\\'s'", None),
    ("((((((age))))))", None),
    ("(!consent).x", None),
    ("(age + 1).x", None),
    ("(age ? 1 : 2).x", None),
    ("f(age)", None),
    ("age[0](1)", None),
    ("age > 1 ? minor > 1 ? 'a' : 'b' : 'c'", None),
    ("!!!!!!!!!!consent", None),
    ("nested.a.b.c.d.e", None),
    ("0 || 0 || 0 || 0 || 0 || 0 || 0 || 0 || 'last'", None),
    ("age ?: 5", None),
    ("() + 1", None),
    ("[] + []", None),
    ("{} + 1", None),
    ("1.", None),
    ("1.x", None),
    ("\u00e4ge == 1", {"\u00e4ge": 1}),
]


def generated_cases(count=400, seed=20261125):
    """Deterministic random expressions over a small vocabulary of values and operators."""
    rnd = random.Random(seed)
    values = [0, 1, 2, -1, 1.5, "", "a", "IN", "10", " 5 ", "2008-01-01", True, False, None]
    values += [[], ["a"], ["a", "b"], [1, 2], {}, {"x": 1}, {"x": {"y": "z"}}, [{"x": 2}]]
    names = ["a", "b", "c", "o"]
    literals = ["0", "1", "2.5", "-1", "'a'", "''", "'10'", "'IN'", "true", "false", "[]", "['a']"]
    operators = ["+", "-", "*", "/", "//", "%", "==", "!=", "<", "<=", ">", ">=", "&&", "||", "in"]

    def operand(depth):
        roll = rnd.random()
        if depth > 2 or roll < 0.4:
            return rnd.choice(literals + names * 2)
        if roll < 0.55:
            return rnd.choice(names) + "." + rnd.choice(["x", "length", "x.y"])
        if roll < 0.65:
            return rnd.choice(names) + "[" + rnd.choice(["0", "1", "'x'", "'length'"]) + "]"
        if roll < 0.75:
            return "!" + operand(depth + 1)
        return "(" + expr(depth + 1) + ")"

    def expr(depth=0):
        text = operand(depth)
        for _i in range(rnd.randint(0, 3)):
            text += " " + rnd.choice(operators) + " " + operand(depth)
        if rnd.random() < 0.1:
            text += " ? " + operand(depth) + " : " + operand(depth)
        return text

    cases = []
    for _i in range(count):
        context = {name: rnd.choice(values) for name in names if rnd.random() < 0.8}
        cases.append((expr(), json.loads(json.dumps(context))))
    return cases


def run_node(cases):
    """Evaluate ``cases`` ([(expr, context)]) with npm jexl 2.3.0; one result per case."""
    node = shutil.which("node")
    if not node:
        raise AssertionError("node is not installed: the jexl conformance test needs it")
    if not (NODE_DIR / "node_modules" / "jexl").is_dir():
        raise AssertionError(
            f"npm jexl is not installed in {NODE_DIR}: run scripts/setup.sh "
            "(or `npm install` there)"
        )
    payload = json.dumps([{"expr": expr, "context": context} for expr, context in cases])
    proc = subprocess.run(
        [node, str(NODE_DIR / "eval.js")],
        input=payload,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    if proc.returncode:
        raise AssertionError(f"node eval.js failed: {proc.stderr}")
    results = json.loads(proc.stdout)
    if len(results) != len(cases):
        raise AssertionError("node eval.js returned a wrong number of results")
    return results


@tagged("post_install", "-at_install", "prs", "prs_expression")
class TestExpressionAgainstNode(BaseCase):
    def test_missing_node_fails_clearly(self):
        """Without node or the npm package the conformance check fails (never skips)."""
        with patch.object(shutil, "which", return_value=None), self.assertRaises(AssertionError):
            run_node([("1", {})])
        missing = Path("/nonexistent/prs/tests/node")
        with patch(f"{__name__}.NODE_DIR", missing), self.assertRaises(AssertionError) as caught:
            run_node([("1", {})])
        self.assertIn("npm jexl is not installed", str(caught.exception))

    def assert_agree(self, cases):
        references = run_node(cases)
        agreed = 0
        for (expr, context), reference in zip(cases, references, strict=True):
            with self.subTest(expr=expr, context=context):
                outcome = server_outcome(expr, context)
                if agrees(outcome, reference):
                    agreed += 1
                else:
                    self.assertTrue(
                        rejected_at_save(expr),
                        f"server {outcome} disagrees with jexl {reference} and check accepts it",
                    )
        return agreed

    def test_node_reproduces_the_vectors(self):
        """npm jexl 2.3.0 in tests/node gives the stored reference for every vector."""
        vectors = load_vectors()
        references = run_node([(v["expr"], v["context"]) for v in vectors])
        for vector, reference in zip(vectors, references, strict=True):
            with self.subTest(expr=vector["expr"]):
                if "error" in vector:
                    self.assertIn("error", reference)
                else:
                    self.assertEqual(
                        (reference["result"], reference["truthy"]),
                        (vector["result"], vector["truthy"]),
                    )

    def test_vectors_against_node(self):
        """The server agrees with npm jexl on every vector (or refuses it at save)."""
        vectors = load_vectors()
        agreed = self.assert_agree([(v["expr"], v["context"]) for v in vectors])
        self.assertEqual(agreed, len(vectors))

    def test_extra_cases_against_node(self):
        """The server agrees with npm jexl on the hand-written extra cases."""
        cases = [(expr, ANSWERS if ctx is None else ctx) for expr, ctx in EXTRA_CASES]
        self.assertGreaterEqual(len(cases), 100)
        agreed = self.assert_agree(cases)
        self.assertGreaterEqual(agreed, len(cases) - 3)

    def test_generated_cases_against_node(self):
        """The server agrees with npm jexl on 400 generated expressions and contexts."""
        cases = generated_cases()
        agreed = self.assert_agree(cases)
        self.assertGreater(agreed, len(cases) * 0.9)

    def test_long_chains_against_node(self):
        """Issue 13 item 5: 2,000-character member chains and long sums (the longest the
        length limit lets through, and past it) agree with npm jexl or are refused at
        save; nothing raises a RecursionError."""
        limit = expression.MAX_LENGTH
        chain = "a." * ((limit - 1) // 2) + "b"  # 1,999 characters
        nested = {"a": {"a": {"b": 1}}, "b": 2}
        cases = [
            (chain, {"a": 1}),
            (chain, nested),
            ("a" + ".a" * ((limit - 1) // 2), {"a": {"a": 1}}),
            ("+".join(["a"] * ((limit + 1) // 2)), {"a": 1}),  # 1,999 characters
            ("+".join(["a"] * ((limit + 1) // 2)), {"a": "x"}),
            ("-".join(["a"] * 700), {"a": 1}),
            ("*".join(["a"] * 700), {"a": 2}),
            ("&&".join(["a"] * 600), {"a": 1}),
            ("a?0:" * 450 + "2", {"a": 0}),
            ("a." * limit + "b", {"a": 1}),  # past the length limit: refused
            ("+".join(["a"] * limit), {"a": 1}),
        ]
        for expr, __ in cases:
            with self.subTest(expr=expr[:20], length=len(expr)):
                try:
                    problems = expression.check(expr, expression.names(expr))
                    expression.is_true(expr, {"a": 1})
                except RecursionError as error:  # pragma: no cover - the defect
                    self.fail(f"RecursionError: {error}")
                except expression.ExpressionError as error:
                    problems = [str(error)]  # a structured refusal
                self.assertIsInstance(problems, list)
        # every case agrees with jexl except the two past the length limit (refused)
        self.assertEqual(self.assert_agree(cases), len(cases) - 2)
