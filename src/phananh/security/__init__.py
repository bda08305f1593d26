"""Abuse limits shared by every process and server (issue 11)."""
