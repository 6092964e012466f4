/** @odoo-module */

import {registry} from "@web/core/registry";

// tests/test_tours.py: Cody the coordinator opens Asha's registration from the
// Registrations menu, reads her answers laid out like the form and confirms it.
registry.category("web_tour.tours").add("prs_h7_review_tour", {
    test: true,
    steps: () => [
        {
            content: "Open the Registrations menu",
            trigger: '.o_menu_sections a:contains("Registrations"), .o_menu_sections button:contains("Registrations")',
        },
        {
            content: "Open Asha's registration",
            trigger: '.o_data_row td:contains("Asha Rao")',
        },
        {
            content: "The answers show the page title",
            trigger: '.o_prs_review h4:contains("Identity")',
            isCheck: true,
        },
        {
            content: "The answers show the section and the label with its answer",
            trigger: '.o_prs_review h5:contains("About")',
            extra_trigger: '.o_prs_review tr:contains("First name") td:contains("Asha")',
            isCheck: true,
        },
        {
            content: "The chosen choice shows its label",
            trigger: '.o_prs_review tr:contains("Country") td:contains("India")',
            isCheck: true,
        },
        {
            content: "Confirm the registration",
            trigger: 'button[name="action_prs_confirm"]',
        },
        {
            content: "The registration is confirmed",
            trigger:
                '.o_statusbar_status button.o_arrow_button_current[data-value="confirmed"]',
            isCheck: true,
        },
    ],
});
