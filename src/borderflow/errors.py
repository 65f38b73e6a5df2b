"""The exception tree.

Subclasses are chosen by what the caller can do about the problem, not by where it
happened. Every message names the rule, the value received and the fix.

The text is English (the CLI and the API say it as it is). An error a page can show may
also name its entry in :data:`borderflow.message_texts.TEXTS` and the fields that fill
it (``key=``, ``fields=``), so the page says it in the reader's language.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from borderflow.messages import Message


class BorderFlowError(Exception):
    """Root of every error BorderFlow raises on purpose."""

    #: HTTP status the API uses for this kind of error.
    http_status = 400
    #: Short machine-readable code used in the API error envelope.
    code = "error"

    def __init__(self, *args: object, key: str | None = None, fields: Mapping[str, Any] | None = None) -> None:
        super().__init__(*args)
        first = args[0] if args else None
        self.key = key if key is not None else getattr(first, "key", None)
        self.fields = dict(fields if fields is not None else getattr(first, "fields", {}))

    @property
    def message(self) -> Message:
        """The text with its key and fields, for a page to say in the reader's language."""
        return Message(str(self), self.key, self.fields)


class BadInputError(BorderFlowError):
    """The input (file, option, request body) breaks a rule; fix the input."""

    http_status = 422
    code = "bad_input"


class UnknownFormatError(BadInputError):
    """A file's format could not be recognised; name it with --format."""

    code = "unknown_format"


class SourceUnavailableError(BorderFlowError):
    """A remote source could not be reached or answered badly; try again later."""

    http_status = 502
    code = "source_unavailable"


class NotFoundError(BorderFlowError):
    """The thing asked for does not exist."""

    http_status = 404
    code = "not_found"


class ConflictError(BorderFlowError):
    """The request contradicts what is already stored."""

    http_status = 409
    code = "conflict"


class WithdrawnError(BorderFlowError):
    """The thing asked for existed but was withdrawn (a retracted exchange record's content)."""

    http_status = 410
    code = "gone"


class UnauthorizedError(BorderFlowError):
    """No credentials, or credentials that are not valid."""

    http_status = 401
    code = "unauthorized"


class ForbiddenError(BorderFlowError):
    """Valid credentials that do not allow this action."""

    http_status = 403
    code = "forbidden"


class InfeasibleError(BorderFlowError):
    """The problem as posed has no solution (a target that cannot be met)."""

    http_status = 422
    code = "infeasible"


class DataIntegrityError(BorderFlowError):
    """Stored data fails its own check (a payload that does not match its hash)."""

    http_status = 500
    code = "data_integrity"
