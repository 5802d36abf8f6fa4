"""Errors a user can cause. Each carries one sentence that names the thing at fault.

Domain functions raise these; the JSON API turns them into ``{"error": ..., "field": ...}``
with the status code below, the pages into a flashed message, the CLI into a line on stderr.
"""


class DomainError(Exception):
    status = 422

    def __init__(self, message: str, field: str | None = None, **extra):
        super().__init__(message)
        self.message = message
        self.field = field
        self.extra = extra  # more members of the JSON answer (``existing`` of a 409)

    def to_dict(self) -> dict:
        body = {"error": self.message}
        if self.field:
            body["field"] = self.field
        body.update(self.extra)
        return body


class BadRequest(DomainError):
    """The request is malformed (not JSON, wrong shape)."""

    status = 400


class Invalid(DomainError):
    """Well-formed but invalid: offsets out of range, unknown label..."""

    status = 422


class NotFound(DomainError):
    status = 404


class Forbidden(DomainError):
    status = 403


class Conflict(DomainError):
    """The request clashes with the stored state (a duplicate, a submitted document)."""

    status = 409


class Gone(DomainError):
    """What was asked for existed and was deleted for good (a deleted span's client_id)."""

    status = 410


class ImportFailed(DomainError):
    """An import was refused; nothing was written. ``message`` names the file and line."""

    status = 422
