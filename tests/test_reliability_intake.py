"""Intake under stress: replays of one submission (sequential and concurrent, each call
in its own committed transaction) and hypothesis-generated hostile payloads."""

import math
import threading
import uuid
from unittest.mock import patch

from common import (
    GROUP_API,
    PrsBuilder,
    PrsCommittedCase,
    PrsHttpCase,
    session_redis,
    xmlrpc_object,
)
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from odoo.tests import TransactionCase, new_test_user, tagged

FUZZ_EXAMPLES = 2000
REPLAYS = 1000
THREADS = 8
CONCURRENT_PER_THREAD = 25  # 200 concurrent calls, then sequential ones up to REPLAYS


@tagged("post_install", "-at_install", "prs", "prs_reliability", "prs_intake_replay")
class TestSubmissionReplays(PrsCommittedCase):
    def setUp(self):
        super().setUp()
        tag = uuid.uuid4().hex[:8]
        self.committed_redis_target(session_redis())  # publishing stays off the shared Redis
        with self.committed_env() as env:
            form = self.track(self.simple_form(env, f"h7_replay_{tag}"))
            self.api_user_id = self.track(
                new_test_user(env, login=f"h7_replay_api_{tag}", groups=GROUP_API)
            ).id
            program = self.track(self.create_program(env, f"H7-REPLAY-{tag}"))
            flow = self.create_flow(
                env,
                program,
                [
                    self.step("main", 10, form=form),
                    self.step("done", 20, step_type="confirmation"),
                ],
                publish=True,
            )
            self.payload = {
                "submission_id": f"h7-replay-{tag}",
                "program_id": program.id,
                "flow_id": flow.id,
                "step_id": flow.step_ids.sorted("sequence")[0].id,
                "form_version": form.current_version_id.version,
                "answers": {"name": "Ravi"},
            }
            self.program_id = program.id

    def _submit(self, payload):
        with self.committed_env(uid=self.api_user_id) as env:
            return env["event.registration"].prs_submit(dict(payload))

    def _counts(self):
        with self.committed_env() as env:
            return (
                env["event.registration"].search_count([("event_id", "=", self.program_id)]),
                env["event.registration.submission"].search_count(
                    [("submission_id", "=", self.payload["submission_id"])]
                ),
            )

    def test_replays_make_one_registration(self):
        """1,000 calls with one submission id (the first 200 from 8 threads at once, each
        call its own transaction) all get the first answer, and one registration exists;
        the same id with another body is refused and writes nothing."""
        barrier = threading.Barrier(THREADS)
        results, failures = [], []

        def worker():
            try:
                barrier.wait(timeout=30)
                for __ in range(CONCURRENT_PER_THREAD):
                    results.append(self._submit(self.payload))
            except Exception as error:  # reported below: a thread must never raise
                failures.append(repr(error))

        threads = [threading.Thread(target=worker) for __ in range(THREADS)]
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join(timeout=120)
        self.assertEqual(failures, [])
        while len(results) < REPLAYS:
            results.append(self._submit(self.payload))

        first = results[0]
        self.assertTrue(first["ok"], first)
        different = [result for result in results if result != first]
        self.assertEqual(different, [], f"{len(different)} replays got another answer")
        self.assertEqual(self._counts(), (1, 1))

        other_body = dict(self.payload, answers={"name": "Someone else"})
        refused = self._submit(other_body)
        self.assertEqual(refused["ok"], False)
        self.assertEqual(refused["errors"][0]["code"], "duplicate_submission")
        self.assertEqual(self._counts(), (1, 1))
        with self.committed_env() as env:
            registration = env["event.registration"].search([("event_id", "=", self.program_id)])
            self.assertEqual(registration.answers["main"], {"name": "Ravi"})


# ---------------------------------------------------------------------- hostile payloads

SPECIAL_STRINGS = [
    "NaN",
    "Infinity",
    "-1",
    "1e309",
    "",
    " ",
    "\x00",
    "null",
    "true",
    "2020-02-30",
    "2999-12-31",
    "<script>alert(1)</script>",
    "'; DROP TABLE event_registration; --",
    "\u202e\ufeff\U0001f600",
    "{{ 7*7 }}",
    "%s%s%s",
]
JSON_SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(max_size=20),
    st.sampled_from(SPECIAL_STRINGS),
)
JSON_VALUES = st.recursive(
    JSON_SCALARS,
    lambda children: (
        st.lists(children, max_size=3) | st.dictionaries(st.text(max_size=6), children, max_size=3)
    ),
    max_leaves=6,
)


def _deep(depth, leaf="x"):
    value = leaf
    for index in range(depth):
        value = [value] if index % 2 else {"k": value}
    return value


class Deep:
    """Stands for ``depth`` levels of nesting until :func:`materialize` (hypothesis
    prints examples, and printing 5,000 levels would exhaust its recursion)."""

    def __init__(self, depth):
        self.depth = depth

    def __repr__(self):
        return f"Deep({self.depth})"


class Huge:
    """Stands for a string of ``size`` two-byte characters until :func:`materialize`."""

    def __init__(self, size):
        self.size = size

    def __repr__(self):
        return f"Huge({self.size})"


def materialize(value):
    if isinstance(value, Deep):
        return _deep(value.depth)
    if isinstance(value, Huge):
        return "é" * value.size
    if isinstance(value, dict):
        return {key: materialize(item) for key, item in value.items()}
    if isinstance(value, list):
        return [materialize(item) for item in value]
    return value


HOSTILE = st.one_of(
    JSON_VALUES,
    st.sampled_from([2, 30, 400, 990, 1200, 5000]).map(Deep),
    st.sampled_from([300, 70_000, 140_000]).map(Huge),
    st.just({"name": "a.pdf", "mimetype": "application/pdf", "data": "!!not base64!!"}),
    st.just({"name": "a.exe", "mimetype": "application/x-msdownload", "data": "TVqQ"}),
)
IDS = st.one_of(st.integers(min_value=-(2**63), max_value=2**63), HOSTILE)
# values a participant could plausibly send, mixed with hostile ones
PLAUSIBLE = st.one_of(
    st.text(max_size=60),
    st.integers(min_value=-1000, max_value=1000),
    st.sampled_from(["in", "fr", "xx", "en", "hi", "ABC", "abc", "a@b.co", "2000-01-01"]),
    st.lists(st.sampled_from(["en", "hi", "xx", 1]), max_size=3),
    st.booleans(),
    st.just({"name": "p.pdf", "mimetype": "application/pdf", "data": "JVBERi0xLjQK"}),
)


@tagged("post_install", "-at_install", "prs", "prs_reliability", "prs_intake_fuzz")
class TestHostilePayloads(PrsBuilder, TransactionCase):
    """>= 2,000 generated payloads through ``prs_submit`` in-process (a savepoint per
    example): only well-formed structured errors, never an exception, nothing written
    on error."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["prs.cache.target"].search([]).write({"active": False})
        cls.api_user = new_test_user(cls.env, login="h7_fuzz_api", groups=GROUP_API)
        fields_spec = [
            cls.field("name", "text", required=True, max_length=50, transform="trim"),
            cls.field("email", "email"),
            cls.field("age", "integer", min_value="0", max_value="120"),
            cls.field("fee", "decimal", digits=2),
            cls.field("birth", "date", max_date="today"),
            cls.field("country", "select", choice_ids=cls.choices("in", "fr")),
            cls.field("langs", "checkboxes", choice_ids=cls.choices("en", "hi")),
            cls.field("agree", "boolean"),
            cls.field("code", "text", pattern="^[A-Z]{3}$"),
            cls.field("guardian", "text", required=True, condition="age < 18"),
            cls.field("passport", "file", file_types=".pdf", max_file_size_mb=1.0),
        ]
        cls.form = cls.create_form(cls.env, "h7_fuzz", fields_spec, publish=True)
        cls.program = cls.create_program(cls.env, "H7-FUZZ")
        cls.flow = cls.create_flow(
            cls.env,
            cls.program,
            [cls.step("main", 10, form=cls.form), cls.step("done", 20, "confirmation")],
            publish=True,
        )
        cls.step_main = cls.flow.step_ids.sorted("sequence")[0]
        cls.field_codes = [spec["code"] for spec in fields_spec]

    def _payloads(self):
        """A quarter each: the real envelope with generated answers, the envelope with
        wrong ids (negative, zero, beyond 32 and 64 bits), a mutated envelope, and any
        JSON value at all."""
        real = {
            "program_id": self.program.id,
            "flow_id": self.flow.id,
            "step_id": self.step_main.id,
            "form_version": self.form.current_version_id.version,
        }
        answers = st.dictionaries(
            st.sampled_from(self.field_codes) | st.text(max_size=8),
            PLAUSIBLE | HOSTILE,
            max_size=8,
        )
        optional = {
            "registration_id": IDS,
            "test": st.booleans() | HOSTILE,
            "extra": HOSTILE,
        }
        real_envelope = st.fixed_dictionaries(
            {
                **{key: st.just(value) for key, value in real.items()},
                "submission_id": st.uuids().map(str),
                "answers": answers,
            },
            optional={"test": st.booleans()},
        )
        mutated_envelope = st.fixed_dictionaries(
            {
                **{key: st.just(value) | IDS for key, value in real.items()},
                "submission_id": st.uuids().map(str) | HOSTILE,
                "answers": answers | HOSTILE,
            },
            optional=optional,
        )
        wrong_ids = st.fixed_dictionaries(
            {
                **{
                    key: st.just(value) | st.integers(min_value=-(2**63), max_value=2**63)
                    for key, value in real.items()
                },
                "submission_id": st.uuids().map(str),
                "answers": answers,
            },
            optional={"registration_id": st.integers(min_value=-(2**63), max_value=2**63)},
        )
        return st.one_of(real_envelope, wrong_ids, mutated_envelope, HOSTILE)

    def _counts(self):
        self.env.flush_all()
        self.env.cr.execute(
            """SELECT (SELECT count(*) FROM event_registration),
                      (SELECT count(*) FROM event_registration_submission),
                      (SELECT count(*) FROM ir_attachment WHERE res_model = 'event.registration')"""
        )
        return self.env.cr.fetchone()

    def _check_result(self, payload, result):
        """``payload``: what to name in a failure (never a deeply nested value)."""
        self.assertIsInstance(result, dict, f"not a dict for {payload!r:.300}")
        if result.get("ok") is True:
            self.assertIsInstance(result["registration_id"], int)
            self.assertIn(type(result["next_step_id"]), (int, bool))
            return
        self.assertEqual(set(result), {"ok", "errors"}, f"{result!r:.300}")
        self.assertIs(result["ok"], False)
        self.assertIsInstance(result["errors"], list)
        self.assertTrue(result["errors"], "a refusal names at least one error")
        for error in result["errors"]:
            self.assertEqual(set(error), {"field", "code", "message"}, f"{error!r:.300}")
            self.assertTrue(error["field"] is False or isinstance(error["field"], str))
            self.assertIsInstance(error["code"], str)
            self.assertIsInstance(error["message"], str)
            self.assertNotEqual(
                error["code"], "internal_error", f"server error for {payload!r:.500}"
            )

    def _log_in_test_cursor(self):
        """The intake log commits each call on its own cursor; here it writes in the
        test transaction instead (rolled back with each example, and no commit per
        example)."""

        def write(log, vals):
            return bool(log.sudo().create(vals))

        return patch.object(type(self.env["prs.intake.log"]), "_prs_write", write)

    def test_hostile_payloads_get_structured_errors(self):
        """Generated payloads (malformed, wrong types, huge, deeply nested, unicode, NaN,
        negative ids) only ever get structured answers, and a refusal writes nothing."""
        registration_model = self.env["event.registration"].with_user(self.api_user)
        seen = []
        before = self._counts()  # each example is rolled back to this state

        @settings(
            max_examples=FUZZ_EXAMPLES,
            deadline=None,
            database=None,
            derandomize=True,
            suppress_health_check=list(HealthCheck),
        )
        @given(payload=self._payloads())
        def check(payload):
            savepoint = self.env.cr.savepoint()
            try:
                result = registration_model.prs_submit(materialize(payload))
                self._check_result(payload, result)
                seen.append(
                    {"ok"} if result["ok"] else {error["code"] for error in result["errors"]}
                )
                if not result["ok"]:
                    self.assertEqual(self._counts(), before, f"written on error: {result!r:.300}")
            finally:
                savepoint.close(rollback=True)
                self.env.invalidate_all()

        with self._log_in_test_cursor():
            check()
        self.assertGreaterEqual(len(seen), FUZZ_EXAMPLES)
        # the generator reaches every layer: the envelope check, the program/flow/step
        # lookup, and the answers' validator
        codes = set().union(*seen)
        for code in ("malformed", "payload_too_large", "unknown_program", "unknown_field"):
            self.assertIn(code, codes)
        self.assertTrue(codes & {"type", "required", "choice", "max_length", "pattern"}, codes)

    def test_nan_and_deep_values_are_refused(self):
        """Hand-picked hostile answers (NaN, infinity, 5,000 levels of nesting, a 400 kB
        string) on the real step are refused with structured errors."""
        base = {
            "program_id": self.program.id,
            "flow_id": self.flow.id,
            "step_id": self.step_main.id,
            "form_version": self.form.current_version_id.version,
        }
        cases = [
            {"name": "x", "age": math.nan},
            {"name": "x", "age": math.inf},
            {"name": "x", "fee": "NaN"},
            {"name": _deep(5000)},
            {"name": "é" * 400_000},
            {"name": "x", "age": -1},
            {"name": "x", "country": ["in"]},
        ]
        registration_model = self.env["event.registration"].with_user(self.api_user)
        before = self._counts()
        with self._log_in_test_cursor():
            for index, answers in enumerate(cases):
                payload = dict(base, submission_id=str(uuid.uuid4()), answers=answers)
                result = registration_model.prs_submit(payload)
                self._check_result(f"case {index}", result)
                self.assertIs(result["ok"], False, f"case {index} accepted")
        self.assertEqual(self._counts(), before)


@tagged("post_install", "-at_install", "prs", "prs_reliability", "prs_intake_fuzz")
class TestHostilePayloadsOverXmlrpc(PrsHttpCase):
    """The same kind of hostile payloads over the wire: the API worker gets structured
    errors back, never an XML-RPC fault."""

    @classmethod
    def setUpClass(cls):
        super().setUpClass()
        cls.env["prs.cache.target"].search([]).write({"active": False})
        cls.api_user = new_test_user(cls.env, login="h7_wire_api", groups=GROUP_API)
        form = cls.create_form(
            cls.env, "h7_wire", [cls.field("name", "text", required=True)], publish=True
        )
        program = cls.create_program(cls.env, "H7-WIRE")
        flow = cls.create_flow(cls.env, program, [cls.step("main", 10, form=form)], publish=True)
        cls.envelope = {
            "program_id": program.id,
            "flow_id": flow.id,
            "step_id": flow.step_ids.id,
            "form_version": form.current_version_id.version,
        }

    def test_hostile_payloads_over_xmlrpc(self):
        """Wrong types, nesting, a 400 kB string, NaN strings, None and negative ids sent
        over XML-RPC come back as ``{"ok": false, "errors": [...]}``."""
        payloads = [
            None,
            "garbage",
            [1, 2, 3],
            {},
            {**self.envelope, "submission_id": "w1", "answers": {"name": _deep(400)}},
            {**self.envelope, "submission_id": "w2", "answers": {"name": "é" * 400_000}},
            {**self.envelope, "submission_id": "w3", "answers": {"name": "NaN", "x": None}},
            {**self.envelope, "submission_id": "w4", "answers": {"name": None}},
            {**self.envelope, "submission_id": "w5", "answers": [], "program_id": -1},
            {**self.envelope, "submission_id": "", "answers": {"name": "x"}},
            {**self.envelope, "submission_id": "w6", "answers": {"name": "x"}, "step_id": "1"},
            {**self.envelope, "submission_id": "w7", "answers": {"name": {"$enc": "x"}}},
        ]
        proxy = xmlrpc_object()
        count = self.env["event.registration"].search_count([])
        for index, payload in enumerate(payloads):
            result = proxy.execute_kw(
                self.env.cr.dbname,
                self.api_user.id,
                self.api_user.login,
                "event.registration",
                "prs_submit",
                [payload],
            )
            self.assertIs(result["ok"], False, f"payload {index} accepted")
            self.assertTrue(result["errors"], f"payload {index}")
            for error in result["errors"]:
                self.assertEqual(set(error), {"field", "code", "message"}, f"payload {index}")
                self.assertNotEqual(error["code"], "internal_error", f"payload {index}")
        self.assertEqual(self.env["event.registration"].search_count([]), count)
