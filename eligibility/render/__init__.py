"""Rendering results for programs (CSV, JSON lines) and for people (terminal); the only place text
for people is formatted. Files are written atomically and never over an input."""
