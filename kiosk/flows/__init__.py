"""Visit flows: state machines in the core, driven by screens, tested without a window."""
