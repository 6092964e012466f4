/** @odoo-module */

import {registry} from "@web/core/registry";

// tests/test_program_tour.py: a configurator opens a program, sees why it is closed,
// publishes its flow from the Flows smart button and finds the program open.
registry.category("web_tour.tours").add("prs_event_flow_program_tour", {
    test: true,
    steps: () => [
        {
            content: "Open the program",
            trigger: '.o_data_row td[name="prs_code"]:contains("EF-1")',
        },
        {
            content: "The program says why it is closed",
            trigger: '.alert-warning:contains("no published flow")',
            isCheck: true,
        },
        {
            content: "Open the Flows tab",
            trigger: '.o_notebook .nav-link:contains("Flows")',
        },
        {
            content: "The flow and its steps are listed",
            trigger: '.o_field_widget[name="prs_step_ids"] .o_data_row:contains("health")',
            extra_trigger: '.o_field_widget[name="flow_ids"] .o_data_row:contains("standard")',
            isCheck: true,
        },
        {
            content: "Open the program's flows",
            trigger: '.oe_stat_button[name="action_prs_view_flows"]',
        },
        {
            content: "Open the standard flow",
            trigger: '.o_list_view .o_data_row td[name="code"]:contains("standard")',
            extra_trigger: '.o_breadcrumb .o_last_breadcrumb_item:contains("Flows")',
        },
        {
            content: "Publish it",
            trigger: '.o_form_statusbar button[name="action_publish"]:contains("Publish")',
            extra_trigger: '.o_breadcrumb .o_last_breadcrumb_item:contains("Standard")',
        },
        {
            content: "The flow is published",
            trigger:
                '.o_statusbar_status button.o_arrow_button_current[data-value="published"]',
            isCheck: true,
        },
        {
            content: "Back to the program",
            trigger: '.breadcrumb-item a:contains("Program EF-1")',
        },
        {
            content: "The program is open for registration",
            trigger: '.alert-success:contains("Open for registration")',
            isCheck: true,
        },
    ],
});

// A coordinator lists the programs they coordinate, and no other.
registry.category("web_tour.tours").add("prs_event_flow_coordinator_tour", {
    test: true,
    steps: () => [
        {
            content: "Their program is listed",
            trigger: '.o_data_row td[name="prs_code"]:contains("EF-1")',
            isCheck: true,
        },
        {
            content: "Another coordinator's program is not",
            trigger: '.o_list_renderer:not(:has(td[name="prs_code"]:contains("EF-2")))',
            isCheck: true,
        },
    ],
});
