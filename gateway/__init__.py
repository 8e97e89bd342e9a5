"""The municipality's side: the reference gateway HTTP server (FastAPI + SQLAlchemy), demo data.

The gateway stands on `common/` alone (docs/architecture.md, "Layers"): it imports no kiosk,
printer, screen or launcher module and no Kivy, and the kiosk reaches it over HTTP only.

Layout: `app` builds the application, `deps` holds the routes' dependencies, `routes/` has one
module per resource, `services/` the rules the routes call, `models` the tables, `schemas` the
applications' API models (the shared ones are in `common.schema`), `settings` the configuration.
"""
