"""Messages for people, in English and in the reader's language.

A :class:`Message` is a ``str``: its English text, what the CLI prints and the API sends.
It may also name its entry in :data:`borderflow.message_texts.TEXTS` (``key``) and the
values that fill the entry's placeholders (``fields``), so a page or a report can say it
in the reader's language with :func:`say`. A message without a key, or whose key has no
entry, is said in English, as it was written.

Errors carry one too: :attr:`borderflow.errors.BorderFlowError.message`. Results a page
shows (a staffing plan's issues, a KPI's reason, appraisal notes) hold Messages where
they held text, so everything that read them as text still does.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any, Self

from borderflow.message_texts import TEXTS

log = logging.getLogger("borderflow.messages")

LANGUAGES: tuple[str, ...] = ("en", "es")


class Message(str):
    """English text with the key and fields of its entry in the catalog.

    A field is a plain value (placeholders may format it: ``{hours:g}``, ``{got!r}``), a
    Message (said in the same language), or a list of Messages (each said, joined by "; ").
    """

    key: str | None
    fields: Mapping[str, Any]

    def __new__(cls, text: str, key: str | None = None, fields: Mapping[str, Any] | None = None) -> Self:
        made = super().__new__(cls, text)
        made.key = key
        made.fields = dict(fields or {})
        return made

    def __reduce__(self) -> tuple[Any, ...]:
        return (Message, (str(self), self.key, dict(self.fields)))

    def __repr__(self) -> str:
        return f"Message({str.__repr__(self)}, key={self.key!r})"


def say(message: object, lang: str) -> str:
    """``message`` (a Message, an error, or plain text) in ``lang``: its entry's text with
    its fields filled in, else its English text. An entry whose fields do not fit (a bug)
    gives the English text rather than nothing."""
    if isinstance(message, BaseException):
        message = getattr(message, "message", None) or str(message)
    text = str(message) if message is not None else ""
    key = getattr(message, "key", None)
    pair = TEXTS.get(key) if key else None
    if pair is None:
        return text
    fields: Mapping[str, Any] = getattr(message, "fields", {})
    values = {name: _said(value, lang) for name, value in fields.items()}
    try:
        return pair[1 if lang == "es" else 0].format(**values)
    except (KeyError, IndexError, ValueError):
        log.warning("message %r does not fit its fields %s", key, sorted(fields))
        return text


def _said(value: Any, lang: str) -> Any:
    if isinstance(value, Message):
        return say(value, lang)
    if isinstance(value, list | tuple) and any(isinstance(v, Message) for v in value):
        return "; ".join(say(v, lang) for v in value)
    return value


__all__ = ["LANGUAGES", "Message", "say"]
