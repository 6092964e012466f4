"""Compare two form trees (pure Python): nodes added, removed and changed."""

from . import form_tree

NODE_ORDER = {"form": 0, "rule": 1, "page": 2, "section": 3, "field": 4}


def _flatten(tree):
    """{(kind, code): (path, settings)} for every node of ``tree``."""
    nodes = {("form", tree.get("code")): (tree.get("code"), {"title": tree.get("title")})}

    def rules(node, parent):
        for rule in form_tree.node_rules(node):
            nodes[("rule", rule["code"])] = (
                f"{parent}/{rule['code']}",
                {"expr": rule.get("expr"), "message": rule.get("message"), "parent": parent},
            )

    rules(tree, tree.get("code"))
    for page in form_tree.tree_pages(tree):
        settings = {key: page.get(key) for key in ("title", "help", "condition")}
        nodes[("page", page["code"])] = (page["code"], settings)
    for page, section in form_tree.iter_sections(tree):
        path = f"{page['code']}/{section['code']}"
        settings = {key: section.get(key) for key in ("title", "help", "condition")}
        settings["page"] = page["code"]
        nodes[("section", section["code"])] = (path, settings)
        rules(section, path)
    for page, section, field in form_tree.iter_fields(tree):
        settings = {}
        for key, value in field.items():
            if key == "code":
                continue
            if key == "validation":
                for rule, bound in (value or {}).items():
                    settings[f"validation.{rule}"] = bound
                continue
            settings[key] = value
        settings["section"] = section["code"]
        nodes[("field", field["code"])] = (
            f"{page['code']}/{section['code']}/{field['code']}",
            settings,
        )
    return nodes


def compare_trees(old, new):
    """Return {"added": [...], "removed": [...], "changed": [...]} from ``old`` to ``new``.

    Nodes are matched by kind and code; added/removed items are {"kind", "code", "path"};
    changed items add "changes": [{"setting", "old", "new"}].
    """
    before, after = _flatten(old or {}), _flatten(new or {})
    if ("form", (old or {}).get("code")) in before and ("form", (new or {}).get("code")) in after:
        # the form itself is matched even when its code changed
        before[("form", None)] = before.pop(("form", (old or {}).get("code")))
        after[("form", None)] = after.pop(("form", (new or {}).get("code")))

    def key(item):
        return (NODE_ORDER[item[0]], item[1] or "")

    result = {"added": [], "removed": [], "changed": []}
    for node in sorted(set(after) - set(before), key=key):
        result["added"].append({"kind": node[0], "code": node[1], "path": after[node][0]})
    for node in sorted(set(before) - set(after), key=key):
        result["removed"].append({"kind": node[0], "code": node[1], "path": before[node][0]})
    for node in sorted(set(before) & set(after), key=key):
        old_settings, new_settings = before[node][1], after[node][1]
        changes = [
            {"setting": name, "old": old_settings.get(name), "new": new_settings.get(name)}
            for name in sorted(set(old_settings) | set(new_settings))
            if old_settings.get(name) != new_settings.get(name)
        ]
        if changes:
            result["changed"].append(
                {
                    "kind": node[0],
                    "code": node[1] or (new or {}).get("code"),
                    "path": after[node][0],
                    "changes": changes,
                }
            )
    return result
