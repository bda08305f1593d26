"""Cà Mau demo data: pure catalogue and sample-report modules, loaded by ``seed``."""
