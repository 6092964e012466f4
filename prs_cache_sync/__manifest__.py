{
    "name": "Global PRS Redis Cache Sync",
    "summary": "Publish program, flow and form configuration to Redis for the renderer",
    "version": "17.0.1.0.0",
    "category": "Global PRS",
    "license": "LGPL-3",
    "author": "Global PRS",
    "website": "https://github.com/global-prs/global-prs",
    "maintainers": ["global-prs"],
    "development_status": "Alpha",
    "depends": ["prs_event_flow"],
    "external_dependencies": {"python": ["redis", "jsonschema"]},
    "data": [
        "security/ir.model.access.csv",
    ],
    "installable": True,
    "application": False,
}
