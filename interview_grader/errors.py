"""Errors the CLI reports as one clear line and a non-zero exit, without a traceback."""

from __future__ import annotations


class UserError(Exception):
    """Bad input or a refused request: the message tells the user what to fix."""

    exit_code = 1
