/** @odoo-module */

import {registry} from "@web/core/registry";

// A coordinator opens the registrations' kanban (grouped by state), finds a participant
// by an answer typed in the search bar and confirms the card with its Confirm button.
registry.category("web_tour.tours").add("prs_review_desk_tour", {
    test: true,
    url: "/web#action=prs_registration.event_registration_prs_action&view_type=kanban",
    steps: () => [
        {
            content: "The kanban shows the submitted column",
            trigger: '.o_kanban_group .o_column_title:contains("Submitted")',
            run: () => {},
        },
        {
            content: "Type an answer in the search bar",
            trigger: ".o_searchview_input",
            run: "text EMAIL=Kim@Desk.org",
        },
        {
            content: "Search it as an answer",
            trigger: '.o_searchview_autocomplete li:contains("Answer (code=value)")',
        },
        {
            content: "Only Kim's card is left: confirm it",
            trigger: '.o_kanban_record:contains("Kim Desk") .o_prs_kanban_confirm',
            extra_trigger:
                '.o_kanban_renderer:not(:has(.o_kanban_record:contains("Lee Desk")))',
        },
        {
            content: "The card moved to the confirmed column",
            trigger:
                '.o_kanban_group:has(.o_column_title:contains("Confirmed")) ' +
                '.o_kanban_record:contains("Kim Desk")',
            isCheck: true,
        },
    ],
});

// The Review Desk: a program's card counts its registrations by state; "to review"
// opens the program's submitted registrations.
registry.category("web_tour.tours").add("prs_review_desk_dashboard_tour", {
    test: true,
    url: "/web#action=prs_registration.event_event_action_prs_dashboard",
    steps: () => [
        {
            content: "The program's card counts one registration to review",
            trigger: '.o_prs_program_card:contains("DESK-1") .o_prs_dashboard_submitted:contains("1")',
        },
        {
            content: "The list shows the submitted registration, filtered by its state",
            trigger: '.o_data_row:contains("Lee Desk")',
            extra_trigger: '.o_searchview_facet:contains("Submitted")',
            isCheck: true,
        },
    ],
});
