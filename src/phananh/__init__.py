"""Phản ánh hiện trường — a province's field-report system."""

__version__ = "0.1.0"
