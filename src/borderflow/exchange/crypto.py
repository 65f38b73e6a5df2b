"""Encryption at rest of national records: AES-256-GCM with a key the operator supplies.

- The key is 32 random bytes, written as URL-safe base64 (44 characters) in the setting
  ``BORDERFLOW_EXCHANGE_KEY``; ``borderflow exchange keygen`` prints a new one. It is read
  when needed, never stored in the database.
- A sealed payload is ``v1:`` + base64(nonce (12 random bytes) + ciphertext + tag).
- The associated data is ``"<record_id>:<version>"``: a ciphertext copied onto another
  record or version fails to open, as does any changed byte.
- Without the key a national record can be neither written nor read
  (:class:`ExchangeKeyError`, HTTP 503: the server is not configured for it).
- A request that carries national content is remembered (to recognise its retry) by a
  keyed fingerprint (:func:`fingerprint`), never a plain hash of its text, so the database
  alone does not confirm a guess of that content.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import os

from borderflow.errors import BorderFlowError
from borderflow.settings import setting

PREFIX = "v1:"
#: What starts a keyed request fingerprint; a plain SHA-256 in hex never holds a colon.
FINGERPRINT_PREFIX = "k1:"
_FINGERPRINT_LABEL = b"borderflow exchange request fingerprint v1"
KEY_BYTES = 32
NONCE_BYTES = 12
_HOW = ("set BORDERFLOW_EXCHANGE_KEY to 32 random bytes in URL-safe base64; "
        "make one with 'borderflow exchange keygen'")


class ExchangeKeyError(BorderFlowError):
    """The operator key for national records is missing, malformed or not the right one."""

    http_status = 503
    code = "exchange_key"


def new_key() -> str:
    """A fresh key as the setting wants it: 32 random bytes, URL-safe base64."""
    return base64.urlsafe_b64encode(os.urandom(KEY_BYTES)).decode("ascii")


def load_key(text: str | None = None) -> bytes:
    """The key from ``text`` (else the setting); ExchangeKeyError when missing or malformed."""
    value = (text if text is not None else setting("exchange_key")).strip()
    if not value:
        raise ExchangeKeyError(f"national records are encrypted at rest and no key is set: {_HOW}")
    try:
        key = base64.urlsafe_b64decode(value.encode("ascii"))
    except (binascii.Error, ValueError, UnicodeEncodeError):
        key = b""
    if len(key) != KEY_BYTES:
        raise ExchangeKeyError(f"BORDERFLOW_EXCHANGE_KEY is not 32 bytes of URL-safe base64 "
                               f"({len(value)} characters given): {_HOW}")
    return key


def _aad(record_id: str, version: int) -> bytes:
    return f"{record_id}:{version}".encode()


def seal(plaintext: str, record_id: str, version: int, key: bytes) -> str:
    """``plaintext`` encrypted for ``(record_id, version)``; see the module doc for the form."""
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    nonce = os.urandom(NONCE_BYTES)
    sealed = AESGCM(key).encrypt(nonce, plaintext.encode("utf-8"), _aad(record_id, version))
    return PREFIX + base64.urlsafe_b64encode(nonce + sealed).decode("ascii")


def open_sealed(token: str, record_id: str, version: int, key: bytes) -> str:
    """The plaintext of a sealed payload; ExchangeKeyError when the key or the bytes are wrong."""
    from cryptography.exceptions import InvalidTag
    from cryptography.hazmat.primitives.ciphers.aead import AESGCM

    try:
        if not token.startswith(PREFIX):
            raise ValueError("no version prefix")
        raw = base64.urlsafe_b64decode(token[len(PREFIX):].encode("ascii"))
        plain = AESGCM(key).decrypt(raw[:NONCE_BYTES], raw[NONCE_BYTES:], _aad(record_id, version))
    except (InvalidTag, ValueError, binascii.Error):
        raise ExchangeKeyError(
            f"record {record_id} version {version} cannot be decrypted: the key differs from the one it was "
            "written with, or the stored bytes were altered ('borderflow audit verify' tells which)"
        ) from None
    return plain.decode("utf-8")


def fingerprint(text: str, key: bytes) -> str:
    """``text``'s keyed fingerprint: ``k1:`` + URL-safe base64 (no padding) of HMAC-SHA256
    under a subkey of ``key`` (HMAC-SHA256 of ``key`` over a fixed label, so the
    fingerprints never share a key with the sealing); 46 characters."""
    subkey = hmac.new(key, _FINGERPRINT_LABEL, hashlib.sha256).digest()
    digest = hmac.new(subkey, text.encode("utf-8"), hashlib.sha256).digest()
    return FINGERPRINT_PREFIX + base64.urlsafe_b64encode(digest).decode("ascii").rstrip("=")
