/** @odoo-module */

import {registry} from "@web/core/registry";

// tests/test_tours.py: a configurator-administrator publishes a flow from its form and
// finds the flow's step key and the program index key in the Cache menu.
registry.category("web_tour.tours").add("prs_h7_cache_tour", {
    test: true,
    steps: () => [
        {
            content: "Publish the draft flow",
            trigger: '.o_form_statusbar button[name="action_publish"]:contains("Publish")',
        },
        {
            content: "The flow is published",
            trigger:
                '.o_statusbar_status button.o_arrow_button_current[data-value="published"]',
            isCheck: true,
        },
        {
            content: "Open the Cache menu",
            trigger: '.o_menu_sections button:contains("Cache")',
        },
        {
            content: "Open its Keys",
            trigger: '.dropdown-item:contains("Keys")',
        },
        {
            content: "Unfold the keys of the test target",
            trigger: '.o_group_name:contains("H7 Tour Redis")',
        },
        {
            content: "The step key of the flow is listed",
            trigger: '.o_data_row td[name="name"]:contains("prs:h7tour:"):contains(":")',
            extra_trigger: '.o_data_row td[name="kind"]:contains("Step")',
            isCheck: true,
        },
        {
            content: "The program index key is listed",
            trigger: '.o_data_row td[name="kind"]:contains("Program Index")',
            isCheck: true,
        },
    ],
});
