"""National records are sealed at rest with the operator key; the key is checked and named."""

from __future__ import annotations

import pytest
from sqlalchemy import Engine, select

from borderflow.exchange import crypto
from borderflow.services import accounts, exchange
from borderflow.store.exchange_schema import exchange_records


def test_seal_round_trip_and_associated_data() -> None:
    key = crypto.load_key(crypto.new_key())
    sealed = crypto.seal('{"title":"x"}', "xr_0123456789abcdef", 1, key)
    assert crypto.open_sealed(sealed, "xr_0123456789abcdef", 1, key) == '{"title":"x"}'
    for record_id, version in (("xr_0123456789abcdef", 2), ("xr_fedcba9876543210", 1)):
        with pytest.raises(crypto.ExchangeKeyError, match="cannot be decrypted"):
            crypto.open_sealed(sealed, record_id, version, key)
    with pytest.raises(crypto.ExchangeKeyError):
        crypto.open_sealed(sealed, "xr_0123456789abcdef", 1, crypto.load_key(crypto.new_key()))


@pytest.mark.parametrize("text", ["", "   ", "not base64!", "YWJj"])
def test_a_missing_or_malformed_key_is_one_line_naming_the_setting_and_the_fix(text: str) -> None:
    with pytest.raises(crypto.ExchangeKeyError) as caught:
        crypto.load_key(text)
    message = str(caught.value)
    assert "BORDERFLOW_EXCHANGE_KEY" in message and "borderflow exchange keygen" in message and "\n" not in message


def test_national_content_is_not_stored_in_clear(sqlite_engine: Engine) -> None:
    ana = accounts.create_user(sqlite_engine, "ana", agency="CBP", country="US", roles=["editor"])
    nat = exchange.publish(sqlite_engine, ana, exchange.draft("incident", "national", "Secret title", "secret body",
                                                             owner_country="US"))
    pub = exchange.publish(sqlite_engine, ana, exchange.draft("alert", "public", "Open title", "", owner_country="US"))
    with sqlite_engine.connect() as conn:
        rows = {r.record_id: r for r in conn.execute(select(exchange_records))}
    assert rows[nat.record_id].encrypted and rows[nat.record_id].payload.startswith("v1:")
    assert "Secret" not in rows[nat.record_id].payload and "secret" not in rows[nat.record_id].payload
    assert not rows[pub.record_id].encrypted and "Open title" in rows[pub.record_id].payload
    assert exchange.read(sqlite_engine, ana, nat.record_id).body == "secret body"


def test_a_wrong_key_cannot_read_and_says_why(sqlite_engine: Engine, monkeypatch: pytest.MonkeyPatch) -> None:
    ana = accounts.create_user(sqlite_engine, "ana", agency="CBP", country="US", roles=["editor"])
    nat = exchange.publish(sqlite_engine, ana, exchange.draft("incident", "national", "t", "", owner_country="US"))
    monkeypatch.setenv("BORDERFLOW_EXCHANGE_KEY", crypto.new_key())
    with pytest.raises(crypto.ExchangeKeyError, match="key differs"):
        exchange.read(sqlite_engine, ana, nat.record_id)
    monkeypatch.delenv("BORDERFLOW_EXCHANGE_KEY")
    with pytest.raises(crypto.ExchangeKeyError, match="no key is set"):
        exchange.publish(sqlite_engine, ana, exchange.draft("incident", "national", "t", "", owner_country="US"))
    # the failed read and the refused publish were logged, the publish wrote nothing, and the log is sound
    result = exchange.verify(sqlite_engine)
    assert result.ok and result.entries == 3 and result.versions == 1
