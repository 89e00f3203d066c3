"""Lambda handlers: one module per declared function, entry attribute `handler`."""
