"""Install hook: adopt the groups that prs_form_builder owned before prs_base existed."""

from odoo.tools import SQL

# XML ids that moved from prs_form_builder to prs_base (17.0.1.0.0 -> prs_base 17.0.1.0.0)
MOVED_XMLIDS = (
    "module_category_global_prs",
    "group_prs_configurator",
    "group_prs_coordinator",
    "group_prs_administrator",
    "group_prs_api",
)


def rename_xmlids(cr, old_module, new_module, names):
    """Give the records ``old_module.<name>`` the XML id ``new_module.<name>``, so that the
    new module's data updates them (memberships, rules and ACLs pointing to them stay)
    instead of creating duplicates. Names already owned by ``new_module`` are left alone.
    Return the number of XML ids moved."""
    cr.execute(
        SQL(
            """
            UPDATE ir_model_data old
               SET module = %(new)s
             WHERE old.module = %(old)s
               AND old.name IN %(names)s
               AND NOT EXISTS (
                   SELECT 1 FROM ir_model_data new
                    WHERE new.module = %(new)s AND new.name = old.name
               )
            """,
            new=new_module,
            old=old_module,
            names=tuple(names),
        )
    )
    return cr.rowcount


def pre_init_hook(env):
    """A database installed before prs_base keeps its groups and their members: the
    upgrade of prs_form_builder installs prs_base first, which takes the XML ids over."""
    rename_xmlids(env.cr, "prs_form_builder", "prs_base", MOVED_XMLIDS)
