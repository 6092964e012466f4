"""Benchmark 2, publish: serialize and publish forms of 10, 100 and 1,000 fields (time
and SQL queries), vs ``json.dumps`` + Redis ``SET`` of the same bytes (the floor).

Each form is used by a step of a published flow, so publishing it writes the step key:
one publish = ``form.form.action_publish()`` (checks, serializer, new version, chatter
message, Redis writes queued in the outbox) + commit + the after-commit delivery to
Redis, measured until the cursor is closed. Queries are every ``cursor.execute`` of the
process (the transaction, its commit and the after-commit delivery's own cursor).
Before each publish the form is reopened with ``action_new_version()`` (not timed).
The floor: ``json.dumps`` (canonical: sorted keys, compact) of the step payload read back
from Redis and one redis-py ``SET`` of those bytes. Goals (issue 17): publish query count
flat in size; publish + delivery within 10x of the floor at 1,000 fields and under
100 ms at 100 fields.
"""

import json
import time

import common
import fixtures


def ensure_form(env, n_fields):
    code = f"bench_pub_{n_fields}"
    form = env["form.form"].search([("code", "=", code)], limit=1)
    program = env["event.event"].search([("prs_code", "=", f"BPUB-{n_fields}")], limit=1)
    if form and program:
        return form, program
    common.log(f"building a form of {n_fields} fields")
    form = form or fixtures.create_form(env, code, n_fields)
    if form.state != "published":
        form.action_publish()
    program, _flow = fixtures.create_program(env, f"BPUB-{n_fields}", [form])
    return form, program


def main():
    args = common.parser(__doc__.splitlines()[0]).parse_args()
    sizes = (10, 100, 300) if args.quick else (10, 100, 1000)
    repeat = 3 if args.quick else 5
    common.header("Publish", args)
    common.prepare(args)
    redis_server = common.start_redis()
    import os

    os.environ["PRS_REDIS_URL"] = redis_server.url
    with common.environment(args.db) as env:
        for model, method in (
            ("form.form", "_prs_build_tree"),
            ("form.form", "action_publish"),
            ("form.form", "action_new_version"),
            ("prs.cache.target", "_prs_get_prefix"),
        ):
            if model not in env or not hasattr(env[model], method):
                raise common.CannotRun(f"{model}.{method} is missing")
        target = common.use_redis_target(env, redis_server)
        prefix = target._prs_get_prefix()
        built = {}
        for n_fields in sizes:
            form, program = ensure_form(env, n_fields)
            flow = program.flow_ids[:1]
            step = flow.step_ids.filtered(lambda s, form=form: s.form_id == form)[:1]
            built[n_fields] = (form.id, f"{prefix}:{program.id}:{flow.id}:{step.id}")
    client = common.redis_client(redis_server)
    # the product's canonical JSON (importable once Odoo's addons path is loaded)
    from odoo.addons.prs_form_builder.tools.form_tree import canonical_json as canonical

    rows, results = [], {}
    for n_fields in sizes:
        form_id, key = built[n_fields]
        # serializer alone
        serialize_times = []
        with common.environment(args.db) as env:
            form = env["form.form"].browse(form_id)
            for index in range(repeat + 1):
                env.invalidate_all()
                with common.SqlCounter() as serialize_sql:
                    start = time.perf_counter()
                    form._prs_build_tree()
                    elapsed = time.perf_counter() - start
                if index:
                    serialize_times.append(elapsed)
        publish_times, body_times, publish_queries, trip_counts = [], [], [], []
        for index in range(repeat + 1):
            with common.environment(args.db) as env:
                env["form.form"].browse(form_id).action_new_version()
            with common.SqlCounter() as sql, common.RedisRoundTrips() as trips:
                start = time.perf_counter()
                with common.environment(args.db) as env:
                    form = env["form.form"].browse(form_id)
                    form.action_publish()
                    version = form.version
                    env.flush_all()
                    body = time.perf_counter() - start
                elapsed = time.perf_counter() - start
            raw = client.get(key)
            if raw is None or (json.loads(raw).get("form") or {}).get("version") != version:
                raise common.CannotRun(
                    f"publishing version {version} of a {n_fields}-field form did not update "
                    f"{key} in Redis after commit"
                )
            if index:  # the first publish warms the caches
                publish_times.append(elapsed)
                body_times.append(body)
                publish_queries.append(sql.count)
                trip_counts.append(trips.count)
        payload = json.loads(client.get(key))

        def floor_once(payload=payload, key=key):
            client.set(key + ":floor", canonical(payload).encode())

        floor = common.median(common.timeit(floor_once, repeat=max(20, repeat * 4), warmup=3))
        nbytes = len(canonical(payload).encode())
        publish = common.median(publish_times)
        results[n_fields] = (publish, floor, publish_queries)
        rows.append(
            [
                n_fields,
                f"{nbytes / 1024:.0f} KiB",
                common.fmt_ms(common.median(serialize_times)),
                serialize_sql.count,
                common.fmt_ms(publish),
                common.fmt_ms(common.median(body_times)),
                "/".join(str(n) for n in sorted(set(publish_queries))),
                "/".join(str(n) for n in sorted(set(trip_counts))),
                common.fmt_ms(floor),
                common.fmt_ratio(publish / floor),
            ]
        )
    queries = [results[n][2] for n in sizes]
    flat = max(max(q) for q in queries) == min(min(q) for q in queries)
    big = sizes[-1]
    ratio = results[big][0] / results[big][1]
    hundred = results[100][0]
    common.table(
        f"Publish: median of {repeat} publishes per size (after one warm-up)",
        [
            "fields",
            "step payload",
            "serialize",
            "serialize SQL",
            "publish + deliver",
            "of which in transaction",
            "publish SQL",
            "Redis round trips",
            "floor: dumps + SET",
            "publish vs floor",
        ],
        rows,
        notes=[
            "publish SQL: every query of the publish transaction, its commit and the "
            "after-commit delivery (values seen over the runs)",
            "goal: publish query count flat in size: "
            f"{', '.join(str(sorted(set(q))) for q in queries)} -> {common.verdict(flat)}",
            f"goal: publish within 10x of the floor at {big} fields: {common.fmt_ratio(ratio)} "
            f"-> {common.verdict(ratio <= 10)}",
            f"goal: publish under 100 ms end to end at 100 fields: {common.fmt_ms(hundred)} "
            f"-> {common.verdict(hundred < 0.1)}",
        ],
    )
    redis_server.stop()


if __name__ == "__main__":
    common.run_main(main)
