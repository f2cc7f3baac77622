"""The gateways' reading of incoming requests: Kannel's get-url query, %-encoded, in UTF-8
(mo-recode) or UTF-16BE (a UCS-2 text not recoded)."""

from __future__ import annotations

from urllib.parse import quote, urlencode

import pytest

from bot.transports.sms.gateways import Kannel, Received, Refused, Request

SECRET = "kannel-get-url-secret"
NUMBER = "+4917612345678"


def _kannel() -> Kannel:
    return Kannel("http://127.0.0.1:13013", "bot", "pw", "+4923100000", SECRET)


def _request(query: str) -> Request:
    return Request(query=query.encode("ascii"), headers={}, body=b"")


@pytest.mark.parametrize(
    "text", ["Grüße aus Dortmund", "مرحبا، أحتاج مساعدة", "Здравствуйте\n1", "44137 ü € 😀"]
)
def test_kannel_reads_utf8_texts_as_smsbox_sends_them(text: str) -> None:
    query = urlencode(
        {"secret": SECRET, "from": NUMBER, "text": text, "coding": "0", "charset": "UTF-8"}
    )
    assert _kannel().received(_request(query), 0.0) == Received(NUMBER, text)


def test_kannel_reads_a_ucs2_text_that_was_not_recoded() -> None:
    text = "مرحبا Grüße"  # ü is the byte 0xFC in UTF-16BE
    raw = quote(text.encode("utf-16-be"), safe="")
    query = f"secret={SECRET}&from={quote(NUMBER)}&text={raw}&coding=2&charset=UTF-16BE"
    assert _kannel().received(_request(query), 0.0) == Received(NUMBER, text)


def test_kannel_refuses_a_non_ascii_wrong_secret() -> None:
    query = urlencode({"secret": "Grüße", "from": NUMBER, "text": "Hallo"})
    with pytest.raises(Refused):
        _kannel().received(_request(query), 0.0)
