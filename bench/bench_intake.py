"""Benchmark 3, intake: validated submissions per second over XML-RPC on one Odoo worker,
vs Odoo's own ``event.registration`` created over XML-RPC with the same answers as event
question answers (``website_event``'s ``event.question`` / ``event.registration.answer``).

One ``odoo-bin --workers=0`` serves both paths; one client sends calls one after the
other (``xmlrpc.client``, ``execute_kw``), alternating PRS and native calls one by one so
that both see the same machine load. PRS: ``event.registration.prs_submit(payload)`` as
the API integration user, the first step of a 10-field form (every field validated,
idempotency record, navigation, capacity), each call a new registration. Native:
``event.registration.create`` as an event user, the same 10 answers as question answers
(text box or suggested answer). Both programs are configured alike, without mail
schedulers (neither path sends mail). Goal: PRS at least 1.5x the native rate.
"""

import os
import time
import uuid
import xmlrpc.client

import common
import fixtures

N_FIELDS = 10
API_LOGIN = "prs_bench_api"
NATIVE_LOGIN = "prs_bench_native"
PASSWORD = "prs-bench-password"  # local benchmark users of a throw-away database

QUESTION_TYPES = {"email": "email", "phone": "phone"}
CHOICE_KINDS = {"select", "radio", "boolean"}


def ensure_user(env, login, groups):
    users = env["res.users"].with_context(active_test=False)
    user = users.search([("login", "=", login)], limit=1)
    values = {
        "name": login,
        "login": login,
        "password": PASSWORD,
        "groups_id": [(6, 0, [env.ref(xmlid).id for xmlid in groups])],
    }
    if user:
        user.write(values)
    else:
        user = users.create(values)
    return user


def answer_text(value):
    if isinstance(value, bool):
        return "Yes" if value else "No"
    return str(value)


def ensure_programs(env):
    """The PRS program (one form step + confirmation) and the native event with one
    question per form field; both without mail schedulers."""
    form = env["form.form"].search([("code", "=", "bench_intake")], limit=1)
    if not form:
        form = fixtures.create_form(env, "bench_intake", N_FIELDS)
    if form.state != "published":
        form.action_publish()
    program = env["event.event"].search([("prs_code", "=", "BINT")], limit=1)
    if not program:
        program, _flow = fixtures.create_program(env, "BINT", [form])
    native = env["event.event"].search([("name", "=", "Bench native event")], limit=1)
    if not native:
        native = env["event.event"].create(
            {
                "name": "Bench native event",
                "date_begin": program.date_begin,
                "date_end": program.date_end,
            }
        )
        questions = []
        for index in range(N_FIELDS):
            kind, _settings, value = fixtures.FIELD_KINDS[index % len(fixtures.FIELD_KINDS)]
            if kind in CHOICE_KINDS:
                labels = ["Yes", "No"] if kind == "boolean" else [c[0] for c in fixtures.CHOICES]
                questions.append(
                    {
                        "title": f"Question {index + 1}",
                        "question_type": "simple_choice",
                        "answer_ids": [(0, 0, {"name": label}) for label in labels],
                    }
                )
            else:
                questions.append(
                    {
                        "title": f"Question {index + 1}",
                        "question_type": QUESTION_TYPES.get(kind, "text_box"),
                    }
                )
        native.write({"question_ids": [(5, 0, 0)] + [(0, 0, q) for q in questions]})
    (program | native).event_mail_ids.unlink()
    flow = program.flow_ids[:1]
    step = flow.step_ids.sorted("sequence")[:1]
    answers = fixtures.answers_for(N_FIELDS)
    native_answers = []
    for question, (_code, value) in zip(
        native.question_ids.sorted("sequence"), sorted(answers.items()), strict=True
    ):
        if question.question_type == "simple_choice":
            choice = question.answer_ids.filtered(lambda a, v=value: a.name == answer_text(v))
            native_answers.append({"question_id": question.id, "value_answer_id": choice.id})
        else:
            native_answers.append({"question_id": question.id, "value_text_box": str(value)})
    return {
        "program_id": program.id,
        "flow_id": flow.id,
        "step_id": step.id,
        "form_version": form.version,
        "answers": answers,
        "native_event_id": native.id,
        "native_answers": native_answers,
    }


def native_values(data, index):
    return {
        "event_id": data["native_event_id"],
        "name": f"Participant {index}",
        "email": f"p{index}@example.com",
        "phone": "+31 20 1234567",
        "registration_answer_ids": [(0, 0, answer) for answer in data["native_answers"]],
    }


def count_queries(db, data, payload_of):
    """SQL queries of one call of each path, in-process as the same users (the median
    of 5 calls after 2 warm-up calls; rolled back)."""
    import odoo

    registry = common.load_odoo(db)
    counts = {"prs": [], "native": []}
    with registry.cursor() as cr:
        env = odoo.api.Environment(cr, odoo.SUPERUSER_ID, {})
        users = env["res.users"].search([("login", "in", (API_LOGIN, NATIVE_LOGIN))])
        by_login = {user.login: user for user in users}
        prs = env["event.registration"].with_user(by_login[API_LOGIN])
        native = env["event.registration"].with_user(by_login[NATIVE_LOGIN])
        for index in range(7):
            # cr.flush(): the ORM flush and the pre-commit hooks the call's commit runs,
            # counted with their own call (not with the next call's first savepoint)
            with common.SqlCounter() as sql:
                prs.prs_submit(payload_of())
                cr.flush()
            with common.SqlCounter() as sql_native:
                native.create(native_values(data, index))
                cr.flush()
            if index >= 2:
                counts["prs"].append(sql.count)
                counts["native"].append(sql_native.count)
        cr.rollback()
    return {name: int(common.median(values)) for name, values in counts.items()}


def main():
    args = common.parser(__doc__.splitlines()[0]).parse_args()
    count = 50 if args.quick else 180
    common.header("Intake", args)
    common.prepare(args, extra_modules=("website_event",))
    redis_server = common.start_redis()
    os.environ["PRS_REDIS_URL"] = redis_server.url
    with common.environment(args.db) as env:
        if not hasattr(env["event.registration"], "prs_submit"):
            raise common.CannotRun("event.registration.prs_submit is missing (prs_registration)")
        if "event.question" not in env:
            raise common.CannotRun("website_event is not installed")
        common.use_redis_target(env, redis_server)
        ensure_user(env, API_LOGIN, ["prs_base.group_prs_api"])
        ensure_user(env, NATIVE_LOGIN, ["event.group_event_user"])
        data = ensure_programs(env)
    server = common.OdooServer(args.db)
    common_proxy = xmlrpc.client.ServerProxy(f"{server.url}/xmlrpc/2/common")
    models = xmlrpc.client.ServerProxy(f"{server.url}/xmlrpc/2/object", allow_none=True)
    api_uid = common_proxy.authenticate(args.db, API_LOGIN, PASSWORD, {})
    native_uid = common_proxy.authenticate(args.db, NATIVE_LOGIN, PASSWORD, {})
    if not api_uid or not native_uid:
        raise common.CannotRun("XML-RPC authentication of the benchmark users failed")

    def prs_payload():
        return {
            "submission_id": str(uuid.uuid4()),
            "program_id": data["program_id"],
            "flow_id": data["flow_id"],
            "step_id": data["step_id"],
            "form_version": data["form_version"],
            "answers": data["answers"],
        }

    def prs_call(index):
        payload = prs_payload()
        result = models.execute_kw(
            args.db, api_uid, PASSWORD, "event.registration", "prs_submit", [payload]
        )
        if not result.get("ok"):
            raise common.CannotRun(f"prs_submit refused the benchmark payload: {result}")

    def native_call(index):
        values = native_values(data, index)
        models.execute_kw(args.db, native_uid, PASSWORD, "event.registration", "create", [values])

    for call in (prs_call, native_call):  # warm-up: caches, first-call compilation
        for index in range(5):
            call(index)
    spent = {"prs": 0.0, "native": 0.0}
    latencies = {"prs": [], "native": []}
    for index in range(count):
        for name, call in (("prs", prs_call), ("native", native_call)):
            start = time.perf_counter()
            call(index)
            elapsed = time.perf_counter() - start
            spent[name] += elapsed
            latencies[name].append(elapsed)
    server.stop()
    queries = count_queries(args.db, data, payload_of=prs_payload)
    redis_server.stop()
    rate = {name: count / spent[name] for name in spent}
    ratio = rate["prs"] / rate["native"]
    common.table(
        f"Intake: {count} calls per path over XML-RPC, one client, odoo-bin --workers=0",
        ["path", "submissions/s", "median latency", "p95 latency", "SQL/call", "vs native"],
        [
            [
                f"PRS prs_submit ({N_FIELDS} validated answers)",
                f"{rate['prs']:.1f}",
                common.fmt_ms(common.median(latencies["prs"])),
                common.fmt_ms(common.p95(latencies["prs"])),
                queries["prs"],
                common.fmt_ratio(ratio),
            ],
            [
                f"native event.registration create ({N_FIELDS} question answers)",
                f"{rate['native']:.1f}",
                common.fmt_ms(common.median(latencies["native"])),
                common.fmt_ms(common.p95(latencies["native"])),
                queries["native"],
                "1.00x",
            ],
        ],
        notes=[
            "PRS and native calls alternate one by one, after 5 warm-up calls per path; "
            "submissions/s = calls / time spent in that path's calls",
            "SQL/call: queries of one call in-process as the same user (median of 5, "
            "rolled back; prs_submit's intake log commits on its own cursor and counts; "
            "pre-commit hooks count with their call, after-commit deliveries do not run)",
            f"goal: PRS at least 1.5x the native rate: {common.fmt_ratio(ratio)} "
            f"-> {common.verdict(ratio >= 1.5)}",
        ],
    )


if __name__ == "__main__":
    common.run_main(main)
