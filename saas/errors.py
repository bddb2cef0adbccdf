"""Errors services raise for the view to show; never a 500 for a person's mistake."""

from __future__ import annotations


class ServiceError(Exception):
    """A rule refused the change. ``field`` names the form field the message belongs to."""

    def __init__(self, message: str, field: str | None = None):
        super().__init__(message)
        self.message = message
        self.field = field


class NotFound(ServiceError):
    """Doesn't exist, or belongs to another street: the same answer."""


class Forbidden(ServiceError):
    pass
