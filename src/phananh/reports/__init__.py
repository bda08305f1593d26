"""Reports, their event log and their media: the heart of the product."""
