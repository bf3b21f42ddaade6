"""Helpers for the end-to-end suite: processes, HTTP, the access log, the stand-in."""
