"""The municipality's side: the reference gateway HTTP server (FastAPI + SQLAlchemy), demo data.

Imports no Kivy. The kiosk shares only `gateway.schema` and `gateway.invoice_codes` with it.
"""
