/** @odoo-module */

import {registry} from "@web/core/registry";

// Triggers are looked up inside the top-most open dialog (web_tour's findTrigger), so
// dialog steps name no ".modal"; extra triggers search the whole page.
// A configurator builds a form in the backend: a page, a section, two fields (the second
// shown on a condition over the first), saves, publishes and opens the Preview.
registry.category("web_tour.tours").add("prs_form_builder_tour", {
    test: true,
    steps: () => [
        {
            content: "Name the form",
            trigger: '.o_field_widget[name="name"] input',
            run: "text Tour Form",
        },
        {
            content: "Give it a code",
            trigger: '.o_field_widget[name="code"] input',
            run: "text tour_form",
        },
        {
            content: "Add a page",
            trigger: '.o_field_widget[name="page_ids"] .o_field_x2many_list_row_add a',
        },
        {
            content: "Title the page",
            trigger: '.o_field_widget[name="title"] input',
            extra_trigger: ".modal:eq(0)",
            run: "text Personal",
        },
        {
            content: "Add a section to the page",
            trigger: '.o_field_widget[name="section_ids"] .o_field_x2many_list_row_add a',
        },
        {
            content: "Title the section",
            trigger: '.o_field_widget[name="title"] input',
            extra_trigger: ".modal:eq(1)",
            run: "text Identity",
        },
        {
            content: "Add a first field",
            trigger: '.o_field_widget[name="field_ids"] .o_field_x2many_list_row_add a',
        },
        {
            content: "The field dialog is open",
            trigger: '.o_field_widget[name="label"] input',
            extra_trigger: ".modal:eq(2)",
            run: "text Age",
        },
        {
            content: "Make it an integer",
            trigger: '.o_field_widget[name="field_type"] select',
            run: "text Integer",
        },
        {
            content: "Save the field",
            trigger: ".modal-footer .o_form_button_save",
        },
        {
            content: "Add a second field",
            trigger: '.o_field_widget[name="field_ids"] .o_field_x2many_list_row_add a',
            extra_trigger: '.o_field_widget[name="field_ids"] .o_data_row',
        },
        {
            content: "Label the second field",
            trigger: '.o_field_widget[name="label"] input',
            extra_trigger: ".modal:eq(2)",
            run: "text Employer",
        },
        {
            content: "Show it to adults only",
            trigger: '.o_field_widget[name="condition"] input',
            run: "text age >= 18",
        },
        {
            content: "Save the second field",
            trigger: ".modal-footer .o_form_button_save",
        },
        {
            content: "Save the section",
            trigger: ".modal-footer .o_form_button_save",
            extra_trigger: '.o_field_widget[name="field_ids"] .o_data_row:eq(1)',
        },
        {
            content: "Save the page",
            trigger: ".modal-footer .o_form_button_save",
            extra_trigger: '.o_field_widget[name="section_ids"] .o_data_row',
        },
        {
            content: "Save the form",
            trigger: ".o_form_button_save",
            extra_trigger: 'body:not(:has(.modal)) .o_field_widget[name="page_ids"] .o_data_row',
        },
        {
            content: "Publish",
            trigger: 'button[name="action_publish"]',
            extra_trigger: ".o_form_saved",
        },
        {
            content: "The form is published",
            trigger: 'button[name="action_new_version"]',
            run: () => {},
        },
        {
            content: "Open the Preview",
            trigger: 'button[name="action_preview"]',
        },
        {
            content: "Open the versions",
            trigger: 'button[name="action_view_versions"]',
            extra_trigger: '.o_field_widget[name="current_version_id"]',
        },
        {
            content: "Open version 1",
            trigger: ".o_data_row .o_data_cell[name='version']",
        },
        {
            content: "The frozen tree is shown",
            trigger: '.o_field_widget[name="tree_text"]:contains("employer")',
            isCheck: true,
        },
    ],
});
