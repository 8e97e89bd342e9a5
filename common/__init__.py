"""The bottom layer both sides agree on: money, i18n, clock, paths, personal code, invoice codes,
the API schema, form definitions with their field-type registry and validation, receipt signing
and service names. Plain Python: no Kivy, FastAPI or SQLAlchemy (docs/architecture.md)."""
