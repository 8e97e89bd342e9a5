"""Applications (placeholder)."""
