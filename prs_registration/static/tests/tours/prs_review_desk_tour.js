/** @odoo-module */

import {registry} from "@web/core/registry";

const ACTION = "/web#action=prs_registration.event_registration_prs_action";

// Type `code=value` in the search bar and pick the "Answer" entry of the autocomplete.
function answerSearchSteps(query) {
    return [
        {
            content: "Type an answer in the search bar",
            trigger: ".o_searchview_input",
            run: `text ${query}`,
        },
        {
            content: "Search it as an answer",
            trigger: '.o_searchview_autocomplete li:contains("Answer (code=value)")',
        },
    ];
}

// The Confirm button of `name`'s card in the kanban's Submitted column; then the card
// stands in the Confirmed column (the action ran and the kanban reloaded).
function kanbanConfirmSteps(name, extraTrigger) {
    return [
        {
            content: `Confirm ${name}'s card`,
            trigger:
                '.o_kanban_group:has(.o_column_title:contains("Submitted")) ' +
                `.o_kanban_record:contains("${name}") .o_prs_kanban_confirm`,
            extra_trigger: extraTrigger,
        },
        {
            content: "The card moved to the confirmed column",
            trigger:
                '.o_kanban_group:has(.o_column_title:contains("Confirmed")) ' +
                `.o_kanban_record:contains("${name}")`,
            isCheck: true,
        },
    ];
}

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
        ...answerSearchSteps("EMAIL=Kim@Desk.org"),
        // only Kim's card is left
        ...kanbanConfirmSteps(
            "Kim Desk",
            '.o_kanban_renderer:not(:has(.o_kanban_record:contains("Lee Desk")))'
        ),
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

// The coordinator's day (issue 16), first half: filter the list by an answer, select the
// two registrations it finds and request changes of both with one reason.
registry.category("web_tour.tours").add("prs_review_desk_request_changes_tour", {
    test: true,
    url: ACTION,
    steps: () => [
        {
            content: "The list shows the registration that will be filtered out",
            trigger: '.o_data_row:contains("Cal Tourist")',
            run: () => {},
        },
        ...answerSearchSteps("country=FR"),
        {
            content: "Select Ana (the filter left Ana and Bea)",
            trigger: '.o_data_row:contains("Ana Tourist") .o_list_record_selector input',
            extra_trigger: '.o_list_renderer:not(:has(.o_data_row:contains("Cal Tourist")))',
        },
        {
            content: "Select Bea",
            trigger: '.o_data_row:contains("Bea Tourist") .o_list_record_selector input',
        },
        {
            content: "Open the Actions menu of the two selected registrations",
            trigger: '.o_cp_action_menus .dropdown-toggle:contains("Actions")',
            extra_trigger: '.o_list_selection_box:contains("2")',
        },
        {
            content: "Request changes",
            trigger: '.o_cp_action_menus .o_menu_item:contains("Request Changes")',
        },
        // in a dialog, the tour looks for a step's trigger inside the dialog
        {
            content: "The wizard names both registrations; pick the step to reopen",
            trigger: '.o_field_widget[name="step_ids"] input',
            extra_trigger:
                '.modal .o_field_widget[name="registration_ids"]' +
                ':has(.o_tag:contains("Ana Tourist")):has(.o_tag:contains("Bea Tourist"))',
            run: "text Personal",
        },
        {
            content: "Choose the Personal step",
            trigger: '.o-autocomplete--dropdown-menu li a:contains("Personal")',
        },
        {
            content: "Give the reason",
            trigger: '.o_field_widget[name="message"] textarea',
            extra_trigger: '.modal .o_field_widget[name="step_ids"] .o_tag:contains("Personal")',
            run: "text Please confirm your country of residence.",
        },
        {
            content: "Apply",
            trigger: 'button[name="action_apply"]',
        },
        {
            content: "Both registrations now wait for changes",
            trigger: '.o_data_row:contains("Ana Tourist") .badge:contains("Changes Requested")',
            extra_trigger:
                'body:not(:has(.modal)) .o_data_row:contains("Bea Tourist") ' +
                '.badge:contains("Changes Requested")',
            isCheck: true,
        },
    ],
});

// Second half, after Ana answered again: the History page shows what she changed, and
// the coordinator confirms her from the kanban.
registry.category("web_tour.tours").add("prs_review_desk_history_tour", {
    test: true,
    url: ACTION,
    steps: () => [
        {
            content: "Open Ana's registration",
            trigger: '.o_data_row td:contains("Ana Tourist")',
        },
        {
            content: "Open the History page",
            trigger: '.o_notebook .nav-link:contains("History")',
        },
        {
            content: "The diff shows the changed age, old and new, highlighted",
            trigger:
                '.o_prs_history_diff tr.o_prs_changed:has(th:contains("Age"))' +
                ':has(td:contains("34")):has(td:contains("43"))',
            extra_trigger:
                '.o_prs_history_diff tr.o_prs_unchanged:has(th:contains("Country"))' +
                ':has(td:contains("France"))',
            run: () => {},
        },
        {
            content: "Back to the list",
            trigger: '.o_breadcrumb .breadcrumb-item:contains("Registrations")',
        },
        {
            content: "Switch to the kanban",
            trigger: ".o_switch_view.o_kanban",
            extra_trigger: ".o_list_view",
        },
        ...kanbanConfirmSteps("Ana Tourist"),
    ],
});
