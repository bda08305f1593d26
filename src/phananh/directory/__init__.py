"""Categories, areas, agencies and routing rules: the province's reference data."""
