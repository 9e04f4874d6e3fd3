"""The one user-safe exception: its message is Vietnamese and fit to show as is.

Faces (CLI, ribbon macros, UDFs) show an ``XlplanError``'s message to the user;
anything else is a bug, logged with its traceback and shown as a generic message.
"""

from __future__ import annotations


class XlplanError(Exception):
    """An error whose message (Vietnamese) tells the user what went wrong and how to fix it."""

    def __init__(self, message: str, findings: list | None = None):
        super().__init__(message)
        self.findings = list(findings or [])
