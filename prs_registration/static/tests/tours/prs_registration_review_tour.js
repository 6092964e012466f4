/** @odoo-module */

import {registry} from "@web/core/registry";

// A coordinator opens a submitted registration from the Registrations action, reads
// the answers laid out like the form (page, section, label, choice label) and confirms it.
registry.category("web_tour.tours").add("prs_registration_review_tour", {
    test: true,
    url: "/web#action=prs_registration.event_registration_prs_action",
    steps: () => [
        {
            content: "Open the registration of Tour Participant",
            trigger: '.o_data_row td:contains("Tour Participant")',
        },
        {
            content: "The answers show the page title",
            trigger: '.o_prs_review h4:contains("About you")',
            run: () => {},
        },
        {
            content: "The answers show the label and the chosen choice label",
            trigger: '.o_prs_review tr:contains("Country") td:contains("India")',
            run: () => {},
        },
        {
            content: "The sensitive answer is masked",
            trigger: '.o_prs_review tr:contains("National ID") td:not(:contains("NID-"))',
            run: () => {},
        },
        {
            content: "Confirm the registration",
            trigger: 'button[name="action_prs_confirm"]',
        },
        {
            content: "The registration is confirmed",
            trigger: '.o_statusbar_status button.o_arrow_button_current[data-value="confirmed"]',
            isCheck: true,
        },
    ],
});
