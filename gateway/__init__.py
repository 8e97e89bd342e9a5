"""The municipality's side: the reference gateway HTTP server (FastAPI + SQLAlchemy), demo data.

Imports no Kivy. The kiosk shares only `common.schema` and `common.invoice_codes` with it.
"""
