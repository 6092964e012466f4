"""Benchmark 5, review: the coordinators' registration list filtered by program and
state over 100,000 registrations, vs the same filter on Odoo's own event.registration
list (its ``state`` field, the same rows).

Both lists are the ``web_search_read`` the web client sends (limit 80, the view's
columns as specification, the view's default order, count when the page is full), run
in-process as a coordinator of every bench program (so the coordinator record rule
applies to both). The PRS filter ``prs_state = confirmed`` and the Odoo filter
``state = open`` select exactly the same rows (confirmed is the only PRS state that maps
to Odoo's open). Goal: PRS within 1.5x of Odoo's own list.
"""

import os
import random
import time

import common
from lxml import etree

N_PROGRAMS = 20
PRS_VIEW = "prs_registration.event_registration_prs_view_tree"
ODOO_VIEW = "event.view_event_registration_tree"
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
    env.cr.execute("ANALYZE event_registration")
    common.log(f"built in {time.monotonic() - started:.0f} s")
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


def main():
    args = common.parser(__doc__.splitlines()[0]).parse_args()
    total = 20000 if args.quick else 100000
    repeat = 15 if args.quick else 40
    common.header("Review list", args)
    common.prepare(args)
    redis_server = common.start_redis()  # publishing the set-up flows writes keys
    os.environ["PRS_REDIS_URL"] = redis_server.url
    with common.environment(args.db) as env:
        if "prs_state" not in env["event.registration"]._fields:
            raise common.CannotRun("event.registration has no prs_state (prs_registration)")
        for xmlid in (PRS_VIEW, ODOO_VIEW):
            if not env.ref(xmlid, raise_if_not_found=False):
                raise common.CannotRun(f"view {xmlid} is missing")
        common.use_redis_target(env, redis_server)
        user = ensure_user(env)
        programs = ensure_data(env, total, user)
        uid = user.id
        program_ids = programs.ids
    rng = random.Random(7)
    with common.environment(args.db, uid=uid) as env:
        prs_spec, prs_order = view_request(env, PRS_VIEW)
        odoo_spec, odoo_order = view_request(env, ODOO_VIEW)
    minimal = {"name": {}, "email": {}, "event_id": {"fields": {"display_name": {}}}}
    cases = [
        (
            "PRS list (prs_state = confirmed, PRS view)",
            "prs_state",
            "confirmed",
            prs_spec,
            prs_order,
        ),
        ("Odoo list (state = open, Odoo view)", "state", "open", odoo_spec, odoo_order),
        ("same columns, filter prs_state = confirmed", "prs_state", "confirmed", minimal, None),
        ("same columns, filter state = open", "state", "open", minimal, None),
    ]
    timings = [[] for _case in cases]
    lengths = [set() for _case in cases]
    with common.environment(args.db, uid=uid) as env:
        model = env["event.registration"]
        for index in range(repeat + 3):
            program_id = rng.choice(program_ids)  # the same program for every list
            for position, (_label, field, value, spec, order) in enumerate(cases):
                domain = [("event_id", "=", program_id), (field, "=", value)]
                env.invalidate_all()
                start = time.perf_counter()
                result = model.web_search_read(
                    domain, spec, offset=0, limit=80, order=order, count_limit=10001
                )
                elapsed = time.perf_counter() - start
                if index >= 3:  # warm-up
                    timings[position].append(elapsed)
                    lengths[position].add(result["length"])
    results = [(case[0], timings[i], lengths[i], len(case[3])) for i, case in enumerate(cases)]
    base = common.median(results[1][1])
    rows = []
    for label, timings, lengths, n_columns in results:
        rows.append(
            [
                label,
                n_columns,
                "/".join(str(n) for n in sorted(lengths)),
                common.fmt_ms(common.median(timings)),
                common.fmt_ms(common.p95(timings)),
                common.fmt_ratio(common.median(timings) / base),
            ]
        )
    ratio = common.median(results[0][1]) / base
    common.table(
        f"Review list: {total:,} registrations, {N_PROGRAMS} programs, {repeat} requests each",
        ["list", "columns", "matches", "median", "p95", "vs Odoo list"],
        rows,
        notes=[
            "web_search_read(limit=80, count_limit=10001) in-process as a coordinator of "
            "the programs; each round picks a random program and runs the four lists in "
            "turn; ORM cache cleared before each request; 3 warm-up rounds",
            f"goal: PRS list within 1.5x of Odoo's list: {common.fmt_ratio(ratio)} "
            f"-> {common.verdict(ratio <= 1.5)}",
        ],
    )


if __name__ == "__main__":
    common.run_main(main)
