"""Persistence: practice sessions, answers and grades; SQLite by default, PostgreSQL via ``DATABASE_URL``."""
