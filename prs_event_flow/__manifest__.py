{
    "name": "Global PRS Programs and Flows",
    "summary": "Programs (events) with flows of ordered registration steps",
    "version": "17.0.1.0.0",
    "category": "Global PRS",
    "license": "LGPL-3",
    "author": "Global PRS",
    "website": "https://github.com/global-prs/global-prs",
    "maintainers": ["global-prs"],
    "development_status": "Alpha",
    "depends": ["prs_form_builder", "event"],
    "external_dependencies": {"python": ["pyjexl"]},
    "data": [
        "security/prs_event_flow_security.xml",
        "security/ir.model.access.csv",
    ],
    "installable": True,
    "application": False,
}
