"""Relay of calls to partner platforms (built by the syndication issue)."""
