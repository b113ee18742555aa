"""Domain errors: one exception type that carries a field, a stable code and a human message."""

from __future__ import annotations

from django.utils.functional import Promise


class ServiceError(Exception):
    """A rule of the domain was broken; the message is for people (translated), code is for programs."""

    status = 400

    def __init__(self, message: str | Promise, *, code: str = "invalid", field: str | None = None) -> None:
        super().__init__(str(message))
        self.message = str(message)
        self.code = code
        self.field = field


class NotFound(ServiceError):
    status = 404

    def __init__(self, message: str | Promise, *, code: str = "not-found", field: str | None = None) -> None:
        super().__init__(message, code=code, field=field)


class PermissionDenied(ServiceError):
    status = 403

    def __init__(self, message: str | Promise, *, code: str = "forbidden", field: str | None = None) -> None:
        super().__init__(message, code=code, field=field)


class Conflict(ServiceError):
    status = 409

    def __init__(self, message: str | Promise, *, code: str = "conflict", field: str | None = None) -> None:
        super().__init__(message, code=code, field=field)
