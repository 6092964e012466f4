"""Benchmark 5, review at a million: the coordinators' registration list and its
filters, search by an answer and the export, over 1,000,000 registrations (100,000 with
``--quick``) generated in SQL with their answers.

- List: the ``web_search_read`` the web client sends (limit 80, the view's columns as
  specification, the view's default order, count when the page is full), in-process as
  a coordinator of every bench program (so the coordinator record rule applies), for
  the PRS list filtered by program and ``prs_state = confirmed`` and for Odoo's own
  registration list (``event.view_event_registration_tree``) filtered by program and
  ``state = open``: the same rows (confirmed is the only PRS state that maps to open).
  Then each filter of the PRS search view (its domain, with the program) on the PRS
  list. Goal: within 1.5x of Odoo's list.
- Search by an answer: ``search([('prs_answer_search', '=', 'code=value')])`` as the
  coordinator, over every program (the value is one participant's email: one
  registration per program matches); the plan PostgreSQL chooses is printed. Goal:
  under 200 ms.
- Export: the export wizard's file (``_prs_write``, CSV and XLSX) of 1,000, 10,000 and
  50,000 registrations into a file on disk; peak Python memory (``tracemalloc``) while
  writing. Goal: the peak does not grow with the count.
"""

import os
import random
import time

import common
from lxml import etree

from odoo.tools import SQL

N_PROGRAMS = 20
PRS_VIEW = "prs_registration.event_registration_prs_view_tree"
ODOO_VIEW = "event.view_event_registration_tree"
PRS_SEARCH = "prs_registration.event_registration_prs_view_search"
COORDINATOR_LOGIN = "prs_bench_coordinator"


def ensure_user(env):
    users = env["res.users"].with_context(active_test=False)
    user = users.search([("login", "=", COORDINATOR_LOGIN)], limit=1)
    if not user:
        user = users.create(
            {
                "name": "Bench Coordinator",
                "login": COORDINATOR_LOGIN,
                "groups_id": [(6, 0, [env.ref("prs_base.group_prs_coordinator").id])],
            }
        )
    return user


def ensure_data(env, total, user):
    """``total`` registrations over N_PROGRAMS programs (built once, reused)."""
    tag = f"BRV{total}"
    programs = env["event.event"].search([("prs_code", "=like", f"{tag}-%")], order="id")
    if len(programs) == N_PROGRAMS:
        count = env["event.registration"].search_count([("event_id", "in", programs.ids)])
        if count >= total:
            return programs
    common.log(f"building {total} registrations over {N_PROGRAMS} programs")
    started = time.monotonic()
    if programs:
        env.cr.execute("DELETE FROM event_registration WHERE event_id IN %s", [tuple(programs.ids)])
        programs.unlink()
    from odoo.addons.prs_registration.models.event_registration_mixin import (
        PRS_STATES,
        PRS_TO_ODOO_STATE,
    )

    form = env["form.form"].search([("code", "=", "bench_review")], limit=1)
    if not form:
        import fixtures

        form = fixtures.create_form(env, "bench_review", 10)
        form.action_publish()
    import fixtures

    programs = env["event.event"]
    for index in range(N_PROGRAMS):
        program, _flow = fixtures.create_program(env, f"{tag}-{index:02d}", [form])
        programs |= program
    programs.write({"prs_coordinator_ids": [(4, user.id)]})
    flows = programs.flow_ids
    answers = {"s000": fixtures.answers_for(10)}
    # one template registration per program, created through the ORM
    templates = env["event.registration"].create(
        [
            {
                "event_id": program.id,
                "flow_id": flow.id,
                "name": "Template",
                "email": "template@example.com",
                "answers": answers,
                "step_versions": {"s000": 1},
                "prs_state": "submitted",
            }
            for program, flow in zip(programs, flows, strict=True)
        ]
    )
    env.flush_all()
    env.cr.execute(
        "SELECT column_name FROM information_schema.columns "
        "WHERE table_name = 'event_registration' AND column_name != 'id'"
    )
    columns = [row[0] for row in env.cr.fetchall()]
    states = [code for code, _label in PRS_STATES]
    per_program = total // N_PROGRAMS
    overrides = {
        "name": "'Participant ' || g",
        "email": "'p' || g || '@example.com'",
        "barcode": "'B' || t.id || '-' || g",
        "prs_state": "(%(states)s)[1 + g %% %(n)s]",
        "state": "(%(odoo_states)s)[1 + g %% %(n)s]",
        "create_date": "now() at time zone 'utc' - g * interval '1 minute'",
        "write_date": "now() at time zone 'utc' - g * interval '1 minute'",
        "prs_submitted_at": "now() at time zone 'utc' - g * interval '1 minute'",
        # answers vary: the text answer and the email (what search by answer finds)
        "answers": "jsonb_set(jsonb_set(t.answers, '{s000,f0000}', to_jsonb('Ada ' || g)),"
        " '{s000,f0001}', to_jsonb('p' || g || '@example.com'))",
    }
    select = ", ".join(overrides.get(column, f't."{column}"') for column in columns)
    quoted = ", ".join(f'"{column}"' for column in columns)
    query = (
        f"INSERT INTO event_registration ({quoted}) "
        f"SELECT {select} FROM event_registration t, generate_series(1, %(count)s) g "
        "WHERE t.id IN %(templates)s"
    )
    env.cr.execute(
        query,  # pylint: disable=sql-injection
        {
            "states": states,
            "odoo_states": [PRS_TO_ODOO_STATE[state] for state in states],
            "n": len(states),
            "count": per_program - 1,
            "templates": tuple(templates.ids),
        },
    )
    if hasattr(env["event.registration"], "_prs_recompute_waitlist_positions"):
        env["event.registration"]._prs_recompute_waitlist_positions(programs)
    env.cr.execute("ANALYZE event_registration")
    built = time.monotonic() - started
    common.log(f"built in {built:.0f} s")
    env["ir.config_parameter"].set_param(f"prs_bench.review_built.{total}", f"{built:.0f}")
    return programs


def view_request(env, xmlid):
    """(specification, order) the web client sends for the list view ``xmlid``."""
    model = env["event.registration"]
    view = env.ref(xmlid)
    arch = etree.fromstring(model.get_view(view.id, "tree")["arch"])
    spec = {}
    for node in arch.iterchildren("field"):
        name = node.get("name")
        field = model._fields[name]
        if field.type in ("many2one", "many2many", "one2many"):
            spec[name] = {"fields": {"display_name": {}}}
        else:
            spec[name] = {}
    order = arch.get("default_order") or None
    return spec, order


def search_filters(env):
    """``[(label, domain)]`` of the PRS search view's filters that have a domain."""
    from odoo.tools.safe_eval import datetime as safe_datetime
    from odoo.tools.safe_eval import safe_eval

    arch = etree.fromstring(env["event.registration"].get_view(env.ref(PRS_SEARCH).id)["arch"])
    context = {
        "uid": env.uid,
        "context_today": lambda: safe_datetime.date.today(),
        "datetime": safe_datetime,
    }
    return [
        (node.get("string") or node.get("name"), safe_eval(node.get("domain"), context))
        for node in arch.iter("filter")
        if node.get("domain")
    ]


def time_lists(env, cases, program_ids, repeat, rng):
    """Median/p95 and match counts of each ``(label, domain, spec, order)`` list."""
    model = env["event.registration"]
    timings = [[] for _case in cases]
    lengths = [set() for _case in cases]
    for index in range(repeat + 3):
        program_id = rng.choice(program_ids)  # the same program for every list
        for position, (_label, domain, spec, order) in enumerate(cases):
            env.invalidate_all()
            start = time.perf_counter()
            result = model.web_search_read(
                [("event_id", "=", program_id), *domain],
                spec,
                offset=0,
                limit=80,
                order=order,
                count_limit=10001,
            )
            elapsed = time.perf_counter() - start
            if index >= 3:  # warm-up
                timings[position].append(elapsed)
                lengths[position].add(result["length"])
    return timings, lengths


def answer_search(env, repeat, per_program):
    """(timings, matches, plan lines) of a search by one participant's email."""
    model = env["event.registration"]
    if "prs_answer_search" not in model._fields:
        return None
    rng = random.Random(11)
    timings, matches = [], set()
    for index in range(repeat + 2):
        query = f"f0001=p{rng.randint(1, per_program - 1)}@example.com"
        env.invalidate_all()
        start = time.perf_counter()
        found = model.search([("prs_answer_search", "=", query)])
        elapsed = time.perf_counter() - start
        if index >= 2:
            timings.append(elapsed)
            matches.add(len(found))
    sql = model._search([("prs_answer_search", "=", query)]).select()
    env.cr.execute(SQL("EXPLAIN (ANALYZE, BUFFERS OFF) %s", sql))
    plan = [row[0] for row in env.cr.fetchall()]
    return timings, matches, plan


def shared_answer_search(env, repeat=3):
    """``[(label, matches, timings)]`` of a search by a value every registration shares
    (the select answer ``f0003=b`` of the templates): the index selects every row."""
    model = env["event.registration"]
    domain = [("prs_answer_search", "=", "f0003=b")]
    calls = [
        ("search([('prs_answer_search', '=', 'f0003=b')]) (shared value)", model.search),
        (
            "search(..., limit=80) (shared value)",
            lambda dom: model.search(dom, limit=80),
        ),
    ]
    results = []
    for label, call in calls:
        timings, matches = [], set()
        for index in range(repeat + 1):
            env.invalidate_all()
            start = time.perf_counter()
            found = call(domain)
            elapsed = time.perf_counter() - start
            if index >= 1:  # warm-up
                timings.append(elapsed)
                matches.add(len(found))
        results.append((label, matches, timings))
    return results


def export_memory(db, uid, registration_ids, sizes, formats):
    """``[(format, count, seconds, peak bytes, file bytes)]`` of the export wizard
    writing the file of the first ``count`` registrations to a file on disk."""
    import tempfile
    import tracemalloc

    results = []
    for file_format in formats:
        for count in sizes:
            with common.environment(db, uid=uid) as env:
                wizard = env["event.registration.export"].create(
                    {
                        "registration_ids": [(6, 0, registration_ids[:count])],
                        "file_format": file_format,
                    }
                )
                env.invalidate_all()
                with tempfile.TemporaryFile() as out:
                    tracemalloc.start()
                    start = time.perf_counter()
                    wizard._prs_write(out)
                    elapsed = time.perf_counter() - start
                    _current, peak = tracemalloc.get_traced_memory()
                    tracemalloc.stop()
                    size = out.seek(0, 2)
                wizard.unlink()
            results.append((file_format, count, elapsed, peak, size))
    return results


def main():
    args = common.parser(__doc__.splitlines()[0]).parse_args()
    total = 100000 if args.quick else 1000000
    repeat = 15 if args.quick else 40
    export_sizes = (1000, 10000) if args.quick else (1000, 10000, 50000)
    common.header("Review at a million", args)
    common.prepare(args)
    redis_server = common.start_redis()  # publishing the set-up flows writes keys
    os.environ["PRS_REDIS_URL"] = redis_server.url
    with common.environment(args.db) as env:
        if "prs_state" not in env["event.registration"]._fields:
            raise common.CannotRun("event.registration has no prs_state (prs_registration)")
        for xmlid in (PRS_VIEW, ODOO_VIEW, PRS_SEARCH):
            if not env.ref(xmlid, raise_if_not_found=False):
                raise common.CannotRun(f"view {xmlid} is missing")
        common.use_redis_target(env, redis_server)
        user = ensure_user(env)
        started = time.monotonic()
        programs = ensure_data(env, total, user)
        took = time.monotonic() - started
        built = env["ir.config_parameter"].get_param(f"prs_bench.review_built.{total}")
        uid = user.id
        program_ids = programs.ids
        env.cr.execute(
            "SELECT id FROM event_registration WHERE event_id = ANY(%s) ORDER BY id LIMIT %s",
            [program_ids, max(export_sizes)],
        )
        export_ids = [row[0] for row in env.cr.fetchall()]
    generated = (
        f"generated in this run in {took:.0f} s"
        if took > 30
        else f"reused (generated in {built} s when built)"
    )
    rng = random.Random(7)
    with common.environment(args.db, uid=uid) as env:
        prs_spec, prs_order = view_request(env, PRS_VIEW)
        odoo_spec, odoo_order = view_request(env, ODOO_VIEW)
        filters = search_filters(env)
    minimal = {"name": {}, "email": {}, "event_id": {"fields": {"display_name": {}}}}
    cases = [
        ("PRS list (prs_state = confirmed, PRS view)", [("prs_state", "=", "confirmed")]),
        ("Odoo list (state = open, Odoo view)", [("state", "=", "open")]),
        ("same columns, filter prs_state = confirmed", [("prs_state", "=", "confirmed")]),
        ("same columns, filter state = open", [("state", "=", "open")]),
    ]
    specs = [(prs_spec, prs_order), (odoo_spec, odoo_order), (minimal, None), (minimal, None)]
    cases = [(label, dom, *spec) for (label, dom), spec in zip(cases, specs, strict=True)]
    cases += [(f"PRS list, filter {label}", dom, prs_spec, prs_order) for label, dom in filters]
    with common.environment(args.db, uid=uid) as env:
        timings, lengths = time_lists(env, cases, program_ids, repeat, rng)
        searched = answer_search(env, repeat, total // N_PROGRAMS)
        shared = shared_answer_search(env) if searched is not None else []
    base = common.median(timings[1])
    rows = []
    for position, (label, _domain, spec, _order) in enumerate(cases):
        rows.append(
            [
                label,
                len(spec),
                "/".join(str(n) for n in sorted(lengths[position])),
                common.fmt_ms(common.median(timings[position])),
                common.fmt_ms(common.p95(timings[position])),
                common.fmt_ratio(common.median(timings[position]) / base),
            ]
        )
    ratio = common.median(timings[0]) / base
    prs_lists = [0, *range(4, len(cases))]  # the PRS list and its filters
    worst = max(prs_lists, key=lambda p: common.median(timings[p]))
    worst_ratio = common.median(timings[worst]) / base
    common.table(
        f"Review list: {total:,} registrations, {N_PROGRAMS} programs, {repeat} requests each",
        ["list", "columns", "matches", "median", "p95", "vs Odoo list"],
        rows,
        notes=[
            f"registrations: {generated}",
            "web_search_read(limit=80, count_limit=10001) in-process as a coordinator of "
            "the programs; each round picks a random program and runs every list in "
            "turn; ORM cache cleared before each request; 3 warm-up rounds",
            f"goal: PRS list within 1.5x of Odoo's list: {common.fmt_ratio(ratio)} "
            f"-> {common.verdict(ratio <= 1.5)}",
            f"goal: every PRS filter within 1.5x of Odoo's list: slowest "
            f"{cases[worst][0]!r} {common.fmt_ratio(worst_ratio)} "
            f"-> {common.verdict(worst_ratio <= 1.5)}",
        ],
    )
    if searched is None:
        common.out("\nCANNOT RUN (search by answer): event.registration has no prs_answer_search\n")
    else:
        search_timings, matches, plan = searched
        median = common.median(search_timings)
        common.table(
            f"Search by an answer: {total:,} registrations, {repeat} searches",
            ["search", "matches", "median", "p95"],
            [
                [
                    "search([('prs_answer_search', '=', 'f0001=p<n>@example.com')])",
                    "/".join(str(n) for n in sorted(matches)),
                    common.fmt_ms(median),
                    common.fmt_ms(common.p95(search_timings)),
                ]
            ]
            + [
                [
                    label,
                    "/".join(str(n) for n in sorted(found)),
                    common.fmt_ms(common.median(times)),
                    common.fmt_ms(common.p95(times)),
                ]
                for label, found, times in shared
            ],
            notes=[
                "as the coordinator, every program; a random participant's email each time",
                "plan of the last search (EXPLAIN ANALYZE): "
                + " / ".join(line.strip() for line in plan[:6]),
                f"goal: under 200 ms: {common.fmt_ms(median)} -> {common.verdict(median < 0.2)}",
                "shared value: every registration answers f0003=b (3 searches after a "
                "warm-up); goal under 200 ms without a limit: "
                f"{common.fmt_ms(common.median(shared[0][2]))} -> "
                f"{common.verdict(common.median(shared[0][2]) < 0.2)}",
            ],
        )
    with common.environment(args.db, uid=uid) as env:
        if not hasattr(env["event.registration.export"], "_prs_write"):
            raise common.CannotRun("the export wizard cannot write to a file (_prs_write)")
    exported = export_memory(args.db, uid, export_ids, export_sizes, ("csv", "xlsx"))
    rows, peaks = [], {}
    for file_format, count, elapsed, peak, size in exported:
        peaks.setdefault(file_format, []).append(peak)
        rows.append(
            [
                file_format.upper(),
                f"{count:,}",
                f"{elapsed:.1f} s",
                f"{count / elapsed:,.0f}",
                f"{peak / 2**20:.1f} MiB",
                f"{size / 2**20:.1f} MiB",
            ]
        )
    growth = max(max(values) / min(values) for values in peaks.values())
    per_registration = max(
        (values[-1] - values[0]) / (export_sizes[-1] - export_sizes[0]) for values in peaks.values()
    )
    common.table(
        "Export: the wizard's file written to disk, streamed",
        ["format", "registrations", "time", "rows/s", "peak Python memory", "file"],
        rows,
        notes=[
            "peak Python memory: tracemalloc while _prs_write runs (after the wizard is "
            "created), as the coordinator; times include tracemalloc's overhead",
            f"growth from {export_sizes[0]:,} to {export_sizes[-1]:,} registrations: "
            f"{per_registration:.0f} bytes per registration",
            f"goal: memory does not grow with the count: largest/smallest peak "
            f"{common.fmt_ratio(growth)} -> {common.verdict(growth <= 1.5)}",
        ],
    )
    redis_server.stop()


if __name__ == "__main__":
    common.run_main(main)
