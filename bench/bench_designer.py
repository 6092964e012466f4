"""Benchmark 7, designer: opening the form designer on a large form, and one edit.

Over JSON-RPC (``/web/dataset/call_kw``, a logged-in ``requests`` session on
``odoo-bin --workers=0``), measured in the same run:

- Designer open: the one call the designer makes when it opens
  (``form.form.prs_designer_data``: the whole outline with every field's settings and
  choices, the lint problems per node, the palette).
- Designer edit: one change (``prs_designer_edit`` writing a field's label), which
  answers the new outline: the one call an edit costs.
- Baseline: the standard form view opening the same form: ``form.form.web_read`` with
  the form view's own specification (its fields; the pages list's columns), as the
  web client's form view sends it.

- In Chromium (headless, the Odoo web client already loaded): from the action
  service's ``doAction`` of the designer to its outline showing every field, and the
  standard form view of the same form to its pages list rendered.

Goal: the designer opens a 200-field form in under 1 s; an edit is one RPC.
"""

import json
import os
import sys
import time

import common
import fixtures
from bench_read import JsonRpcClient


def ensure_form(env, n_fields):
    code = f"bench_designer_{n_fields}"
    form = env["form.form"].search([("code", "=", code)], limit=1)
    if not form:
        common.log(f"building a draft form of {n_fields} fields")
        form = fixtures.create_form(env, code, n_fields)
    return form.id


def form_view_spec(env):
    """The specification the web client's form view of form.form reads with."""
    view = env["form.form"].get_views([(False, "form")])
    fields = view["models"]["form.form"]
    spec = {}
    for name in fields:
        spec[name] = {}
    page_fields = view["models"].get("form.page", {})
    if "page_ids" in spec:
        spec["page_ids"] = {"fields": {name: {} for name in page_fields}}
    return spec


def call_kw(rpc, model, method, args, kwargs=None):
    return rpc._post(
        f"/web/dataset/call_kw/{model}/{method}",
        {"model": model, "method": method, "args": args, "kwargs": kwargs or {}},
    )


OPEN_JS = """
(async () => {
    const env = odoo.__WOWL_DEBUG__.root.env;
    const start = performance.now();
    await env.services.action.doAction(%(action)s, { clearBreadcrumbs: true });
    while (!(%(ready)s)) {
        await new Promise((resolve) => setTimeout(resolve, 5));
    }
    return performance.now() - start;
})()
"""


def browser_open_times(url, db, form_id, n_fields, repeat):
    """{"designer": [s], "view": [s]}: opening each in the web client, alternately."""
    sys.path.insert(0, os.path.join(os.path.dirname(__file__), "..", "scripts"))
    from designer_screenshots import Browser, _session

    from odoo.addons.prs_cache_sync.tests.redis_server import free_port

    browser = Browser(port=free_port())
    try:
        browser.send("Runtime.enable")
        browser.send("Network.enable")
        session = _session(url, db, common.ADMIN_LOGIN, common.ADMIN_PASSWORD)
        browser.send(
            "Network.setCookie", name="session_id", value=session, domain="127.0.0.1", path="/"
        )
        browser.send("Page.navigate", url=f"{url}/web")
        for _attempt in range(200):
            time.sleep(0.1)
            if browser.evaluate(
                "!!(window.odoo && odoo.__WOWL_DEBUG__ && document.querySelector('.o_main_navbar'))"
            ):
                break
        designer = {
            "action": json.dumps(
                {
                    "type": "ir.actions.client",
                    "tag": "prs_form_designer",
                    "params": {"form_id": form_id},
                }
            ),
            "ready": f"document.querySelectorAll('.o_prs_dd_field').length === {n_fields}",
        }
        view = {
            "action": json.dumps(
                {
                    "type": "ir.actions.act_window",
                    "res_model": "form.form",
                    "res_id": form_id,
                    "views": [[False, "form"]],
                }
            ),
            "ready": "document.querySelector("
            "'.o_form_view .o_field_widget[name=page_ids] .o_data_row')",
        }
        times = {"designer": [], "view": []}
        for index in range(repeat + 1):
            for name, spec in (("designer", designer), ("view", view)):
                result = browser.send(
                    "Runtime.evaluate",
                    expression=OPEN_JS % spec,
                    awaitPromise=True,
                    returnByValue=True,
                )
                value = result.get("result", {}).get("value")
                if value is None:
                    raise common.CannotRun(f"the {name} did not open in Chromium: {result}")
                if index:  # the first round warms up
                    times[name].append(value / 1000)
        return times
    finally:
        browser.close()


def main():
    args = common.parser(__doc__.splitlines()[0]).parse_args()
    sizes = (20,) if args.quick else (20, 200)
    repeat = 5 if args.quick else 20
    common.header("Designer", args)
    common.prepare(args)
    with common.environment(args.db) as env:
        if not hasattr(env["form.form"], "prs_designer_data"):
            raise common.CannotRun("the form designer (prs_designer_data) is missing")
        forms = {n: ensure_form(env, n) for n in sizes}
        spec = form_view_spec(env)
    server = common.OdooServer(args.db)
    rpc = JsonRpcClient(server.url, args.db)
    rows, verdicts = [], []
    for n_fields in sizes:
        form_id = forms[n_fields]
        data = call_kw(rpc, "form.form", "prs_designer_data", [[form_id]])
        count = sum(len(s["fields"]) for p in data["pages"] for s in p["sections"])
        if count != n_fields:
            raise common.CannotRun("the designer's data does not hold the form's fields")
        field_id = data["pages"][0]["sections"][0]["fields"][0]["id"]
        labels = iter(f"Label {i}" for i in range(10_000))

        def designer_open(form_id=form_id):
            return call_kw(rpc, "form.form", "prs_designer_data", [[form_id]])

        def designer_edit(form_id=form_id, field_id=field_id, labels=labels):
            before = rpc.calls
            operation = {
                "op": "write",
                "model": "form.field",
                "id": field_id,
                "values": {"label": next(labels)},
            }
            call_kw(rpc, "form.form", "prs_designer_edit", [[form_id], operation])
            assert rpc.calls == before + 1

        def form_view(form_id=form_id):
            return call_kw(rpc, "form.form", "web_read", [[form_id]], {"specification": spec})

        timings = common.timeit_alternating(
            {"open": designer_open, "edit": designer_edit, "view": form_view},
            repeat,
            warmup=2,
        )
        med = {name: common.median(values) for name, values in timings.items()}
        for name, label in (
            ("open", "designer open: prs_designer_data (1 RPC)"),
            ("edit", "designer edit: prs_designer_edit, answers the outline (1 RPC)"),
            ("view", "baseline: standard form view web_read (1 RPC)"),
        ):
            rows.append(
                [
                    n_fields,
                    label,
                    common.fmt_ms(med[name]),
                    common.fmt_ms(common.p95(timings[name])),
                    common.fmt_ratio(med[name] / med["view"]),
                ]
            )
        browser = browser_open_times(server.url, args.db, form_id, n_fields, repeat // 2 or 2)
        for name, label in (
            ("designer", "Chromium: designer open (doAction to every field shown)"),
            ("view", "Chromium: standard form view open (doAction to pages list shown)"),
        ):
            rows.append(
                [
                    n_fields,
                    label,
                    common.fmt_ms(common.median(browser[name])),
                    common.fmt_ms(common.p95(browser[name])),
                    common.fmt_ratio(common.median(browser[name]) / common.median(browser["view"])),
                ]
            )
        shown = common.median(browser["designer"])
        verdicts.append(
            f"{n_fields} fields: the designer opens in Chromium in {common.fmt_ms(shown)} "
            f"({common.verdict(shown < 1.0)} goal < 1 s; its data call "
            f"{common.fmt_ms(med['open'])}), an edit is one RPC of {common.fmt_ms(med['edit'])}"
        )
    server.stop()
    common.table(
        f"Designer: open and edit over JSON-RPC ({repeat} calls each, alternating)",
        ["fields", "call", "median", "p95", "vs form view (same path)"],
        rows,
        notes=[
            "requests.Session (keep-alive, logged in as admin) to odoo-bin --workers=0",
            "the form view's web_read reads the form's own columns and its pages list; "
            "the designer reads every page, section, field (all settings) and choice",
            *verdicts,
        ],
    )


if __name__ == "__main__":
    common.run_main(main)
