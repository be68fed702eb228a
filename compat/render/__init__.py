"""Rendering answers as text, JSON dicts and rich tables (the CLI prints them)."""
