"""Prompt files (``<name>.system.md`` and ``<name>.user.md``) and their loader."""
