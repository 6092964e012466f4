"""Benchmark 4, resync: rewrite 1,000 step keys (plus the program index keys) from the
database into an empty Redis with the cache target's Resync, counting seconds and Redis
round trips until every key is in Redis.

Resync = ``prs.cache.target.action_resync()`` and commit (the after-commit delivery
runs), then the delivery cron (``prs.cache.outbox._cron_deliver``) run in a loop until
no write of the target is pending, as the cron would. Round trips are counted on the
client (every write of a command or a pipeline on a redis-py connection of this
process); the server's ``total_commands_processed`` delta is shown too. Baselines
measured in the same run with the same payload bytes: one SET per key (a naive
resync), and all SETs in one pipeline (the floor). Goal: at most 10 round trips.
"""

import time

import common
import fixtures

DEFAULT_DB = "prs_bench_resync"  # its own database: resync rewrites every program in it
STEPS_PER_PROGRAM = 100


def ensure_programs(env, n_keys):
    """Programs of STEPS_PER_PROGRAM published form steps giving ``n_keys`` step keys
    (built once, reused); every other program of the database is unpublished."""
    n_programs = n_keys // STEPS_PER_PROGRAM
    tag = f"BRS{n_keys}"
    programs = env["event.event"].search([("prs_code", "=like", f"{tag}-%")], order="id")
    published = env["event.flow"].search([("state", "=", "published")])
    others = published.filtered(lambda flow: flow.event_id not in programs)
    if others:
        others.action_unpublish()
    if len(programs) == n_programs:
        drafts = programs.flow_ids.filtered(lambda flow: flow.state != "published")
        if drafts:
            drafts.action_publish()
        return programs
    common.log(f"building {n_programs} programs x {STEPS_PER_PROGRAM} steps")
    form = env["form.form"].search([("code", "=", "bench_resync")], limit=1)
    if not form:
        form = fixtures.create_form(env, "bench_resync", 10)
        form.action_publish()
    for index in range(len(programs), n_programs):
        program, _flow = fixtures.create_program(
            env, f"{tag}-{index:02d}", [form], n_steps=STEPS_PER_PROGRAM, confirmation=False
        )
        programs |= program
    return programs


def pending_count(env, target):
    return env["prs.cache.outbox"].search_count(
        [("target_id", "=", target.id), ("state", "in", ("pending", "failed"))]
    )


def step_keys(client, prefix):
    return sorted(
        key
        for key in client.scan_iter(match=f"{prefix}:*:*:*", count=1000)
        if key.count(b":") == prefix.count(":") + 3
    )


def main():
    arg_parser = common.parser(__doc__.splitlines()[0])
    arg_parser.set_defaults(db=DEFAULT_DB)
    args = arg_parser.parse_args()
    n_keys = 200 if args.quick else 1000
    common.header("Resync", args)
    common.prepare(args)
    redis_server = common.start_redis()
    import os

    os.environ["PRS_REDIS_URL"] = redis_server.url  # no default target may hit 6379
    with common.environment(args.db) as env:
        if "prs.cache.target" not in env or not hasattr(env["prs.cache.target"], "action_resync"):
            raise common.CannotRun("prs.cache.target.action_resync is missing (prs_cache_sync)")
        target = common.use_redis_target(env, redis_server)
        target_id = target.id
        prefix = target._prs_get_prefix()
        programs = ensure_programs(env, n_keys)
        n_programs = len(programs)
    with common.environment(args.db) as env:  # deliver anything the set-up queued
        env["prs.cache.outbox"]._prs_deliver(limit=100000, force=True)
    client = common.redis_client(redis_server)
    client.flushall()  # our own redis-server: start the resync from an empty Redis
    sql = common.SqlCounter()
    trips = common.RedisRoundTrips()
    commands_before = common.commands_processed(redis_server)
    cron_runs = 0
    with sql, trips:
        started = time.perf_counter()
        with common.environment(args.db) as env:
            target = env["prs.cache.target"].browse(target_id)
            target.action_resync()
        committed = time.perf_counter() - started
        trips_after_commit = trips.count
        while True:
            with common.environment(args.db) as env:
                target = env["prs.cache.target"].browse(target_id)
                if not pending_count(env, target):
                    break
                env["prs.cache.outbox"]._cron_deliver()
                cron_runs += 1
            if cron_runs > 50:
                raise common.CannotRun("writes still pending after 50 cron runs")
        elapsed = time.perf_counter() - started
    commands = common.commands_processed(redis_server) - commands_before - 1
    keys = step_keys(client, prefix)
    all_keys = [key for key in client.scan_iter(match=f"{prefix}:*", count=1000)]
    if len(keys) != n_keys:
        raise common.CannotRun(
            f"expected {n_keys} step keys in Redis after resync, found {len(keys)}"
        )
    payloads = client.mget(all_keys) if all_keys else []
    pairs = [
        (key, value) for key, value in zip(all_keys, payloads, strict=True) if value is not None
    ]
    nbytes = sum(len(value) for _key, value in pairs)

    # Baselines: the same key/value pairs written with redis-py.
    client.flushall()
    with common.RedisRoundTrips() as naive_trips:
        start = time.perf_counter()
        for key, value in pairs:
            client.set(key, value)
        naive = time.perf_counter() - start
    client.flushall()
    with common.RedisRoundTrips() as floor_trips:
        start = time.perf_counter()
        pipe = client.pipeline(transaction=False)
        for key, value in pairs:
            pipe.set(key, value)
        pipe.execute()
        floor = time.perf_counter() - start

    goal = trips.count <= 10
    common.table(
        f"Resync: {n_keys} step keys + {n_programs} program keys ({nbytes / 1e6:.1f} MB)",
        ["path", "seconds", "Redis round trips", "Redis commands", "SQL queries", "vs floor"],
        [
            [
                f"PRS resync (action_resync + commit, then {cron_runs} cron run(s))",
                f"{elapsed:.2f}",
                f"{trips.count} ({trips_after_commit} before the cron)",
                f"{commands} (EVALSHA + the script's HGET/SET/HSET)",
                sql.count,
                common.fmt_ratio(elapsed / floor),
            ],
            [
                "naive: one SET per key (redis-py)",
                f"{naive:.2f}",
                naive_trips.count,
                len(pairs),
                0,
                common.fmt_ratio(naive / floor),
            ],
            [
                "floor: every SET in one pipeline (redis-py)",
                f"{floor:.3f}",
                floor_trips.count,
                len(pairs),
                0,
                "1.00x",
            ],
        ],
        notes=[
            f"of the PRS time, {committed:.2f} s until the resync transaction "
            "committed and its after-commit delivery returned",
            f"goal: at most 10 round trips: {trips.count} -> {common.verdict(goal)}",
        ],
    )
    redis_server.stop()


if __name__ == "__main__":
    common.run_main(main)
