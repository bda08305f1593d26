"""HTTP wiring shared by every domain's routes: the database, the caller, the clock."""
