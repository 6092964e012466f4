"""Benchmark: the cost of keeping the capacity state in Redis current.

In-process (one Odoo registry, committed transactions, a private redis-server):

- ``prs_submit``: first steps of new registrations of a 10-field form as the API user,
  with the capacity hook on (the product) and off (context ``prs_cache_no_capacity``,
  the baseline), alternating one by one; time, SQL queries and outbox rows per call.
- A burst: a coordinator confirms 50 submitted registrations of one program in one
  transaction (seats run out: some go to the waitlist), hook on and off; outbox rows
  the transaction queued (goal: at most one per program, plus the catalogue).
"""

import common
import fixtures

N_FIELDS = 10
BURST = 50


def ensure_program(env):
    programs = env["event.event"].with_context(active_test=False)
    program = programs.search([("prs_code", "=", "BENCH-CAP")], limit=1)
    if program:
        return program, program.flow_ids[:1]
    form = fixtures.create_form(env, "bench_cap", N_FIELDS)
    form.action_publish()
    program, flow = fixtures.create_program(env, "BENCH-CAP", forms=[form])
    program.write({"seats_limited": True, "seats_max": 10**6, "prs_waitlist_allowed": True})
    return program, flow


def api_user(env):
    users = env["res.users"].with_context(active_test=False)
    user = users.search([("login", "=", "prs_bench_cap_api")], limit=1)
    return user or users.create(
        {
            "name": "prs_bench_cap_api",
            "login": "prs_bench_cap_api",
            "groups_id": [(6, 0, [env.ref("prs_base.group_prs_api").id])],
        }
    )


def outbox_count(env):
    env.cr.execute("SELECT count(*) FROM prs_cache_outbox")
    return env.cr.fetchone()[0]


def main():
    args = common.parser(__doc__.splitlines()[0]).parse_args()
    repeat = 20 if args.quick else 100
    common.header("Capacity state", args)
    common.prepare(args)
    redis_server = common.start_redis()
    with common.environment(args.db) as env:
        common.use_redis_target(env, redis_server)
        program, flow = ensure_program(env)
        ids = (program.id, flow.id, flow.step_ids.sorted("sequence")[0].id)
        user_id = api_user(env).id
        version = flow.step_ids.sorted("sequence")[0].form_id.current_version_id.version

    answers = fixtures.answers_for(N_FIELDS)
    stats = {"on": {"sql": [], "rows": []}, "off": {"sql": [], "rows": []}}

    def submit(mode):
        context = {} if mode == "on" else {"prs_cache_no_capacity": True}
        with common.environment(args.db, uid=user_id, context=context) as env:
            before = outbox_count(env)
            with common.SqlCounter() as sql:
                result = env["event.registration"].prs_submit(
                    {
                        "submission_id": fixtures.submission_id(),
                        "program_id": ids[0],
                        "flow_id": ids[1],
                        "step_id": ids[2],
                        "form_version": version,
                        "answers": answers,
                    }
                )
            assert result["ok"], result
            stats[mode]["sql"].append(sql.count)
            env.flush_all()
            stats[mode]["rows"].append(outbox_count(env) - before)

    timings = common.timeit_alternating(
        {"on": lambda: submit("on"), "off": lambda: submit("off")}, repeat
    )
    rows = [
        [
            "prs_submit, capacity hook " + mode,
            common.fmt_ms(common.median(timings[mode])),
            common.fmt_ms(common.p95(timings[mode])),
            f"{common.median(stats[mode]['sql']):.0f}",
            max(stats[mode]["rows"]),
        ]
        for mode in ("off", "on")
    ]
    ratio = common.median(timings["on"]) / common.median(timings["off"])

    burst_rows = []
    burst_queued = {}
    for mode in ("off", "on"):
        context = {} if mode == "on" else {"prs_cache_no_capacity": True}
        with common.environment(args.db) as env:
            regs = env["event.registration"].create(
                [
                    {"event_id": ids[0], "flow_id": ids[1], "prs_state": "submitted"}
                    for _i in range(BURST)
                ]
            )
            # seats run out in the middle of the burst: the state moves to "waitlist"
            env["event.event"].browse(ids[0]).seats_max = (
                len(
                    env["event.registration"].search(
                        [("event_id", "=", ids[0]), ("prs_state", "=", "confirmed")]
                    )
                )
                + BURST // 2
            )
            reg_ids = regs.ids
        with common.environment(args.db, context=context) as env:
            before = outbox_count(env)
            confirm = env["event.registration"].browse(reg_ids).action_prs_confirm
            timing = common.timeit(confirm, 1, warmup=0)
            env.cr.precommit.run()
            env.flush_all()
            queued = outbox_count(env) - before
            burst_queued[mode] = queued
        with common.environment(args.db) as env:
            program = env["event.event"].browse(ids[0])
            program.write({"seats_max": 10**6})
            env["event.registration"].browse(reg_ids).write({"prs_state": "cancelled"})
        burst_rows.append(
            [f"confirm {BURST}, capacity hook {mode}", common.fmt_ms(timing[0]), queued]
        )

    common.table(
        "prs_submit with and without the capacity hook",
        ["path", "median", "p95", "SQL queries", "outbox rows per call"],
        rows,
        notes=[
            f"on/off time: {common.fmt_ratio(ratio)} ({repeat} calls each, alternating)",
            "prs_submit moves no registration into or out of confirmed/waitlisted: "
            "the hook queues nothing there",
        ],
    )
    extra = burst_queued["on"] - burst_queued["off"]
    common.table(
        "One transaction confirming a burst",
        ["path", "time", "outbox rows queued"],
        burst_rows,
        notes=[
            "one burst per path, hook off first: the times include the first run's cold "
            "caches and are not a comparison of the hook",
            f"rows the hook added: {extra} (the {BURST} registrations: one program)",
            f"goal: at most one program index row per program (+ the catalogue): "
            f"{extra} <= 2 -> {common.verdict(extra <= 2)}",
        ],
    )


if __name__ == "__main__":
    common.run_main(main)
