"""Payments (placeholder)."""
