"""Application form definitions (KF1), the one field-type registry, routing and validation."""
