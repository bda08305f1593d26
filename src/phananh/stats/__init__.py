"""Statistics maintained incrementally from the event log."""
