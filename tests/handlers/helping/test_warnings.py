"""What the review post warns coordinators about; "very similar" names the closest of the
recent requests (compared once per page on the desk, once per post in the chat)."""

from __future__ import annotations

from handlers.helping.warnings import warnings_for
from handlers.text_safety import visible
from locales import translator

T = translator("en")


def test_the_most_similar_recent_request_is_named():
    recent = [
        (3, "Ganz anderes Thema: Fahrrad reparieren"),
        (7, "Bitte beim Einkauf am Montag helfen!"),
        # Every word of it is in the new text: as similar as can be (token set ratio 100).
        (9, "Bitte beim Einkauf helfen"),
    ]
    recent = [(other, visible(text)) for other, text in recent]
    found = warnings_for(T, "Bitte beim Einkauf am Montag helfen", recent)
    assert [str(line) for line in found] == ["⚠️ very similar to request #9"]
    found = warnings_for(T, "Bitte beim Einkauf am Montag helfen", recent[:2])
    assert [str(line) for line in found] == ["⚠️ very similar to request #7"]


def test_nothing_similar_nothing_said():
    assert warnings_for(T, "Wer hilft beim Umzug?", [(1, "Katze füttern im Urlaub")]) == []
    assert warnings_for(T, "Wer hilft beim Umzug?", []) == []


def test_contact_details_are_flagged():
    found = " ".join(str(line) for line in warnings_for(T, "Ruf an: 0231 1234567", []))
    assert "phone number" in found


def test_payment_links_and_bank_accounts_are_flagged():
    """What a request asking for money carries (issue 77, review of point 7): a payment or
    chat link without https://, a bank account; an order number or a fraction is none."""
    from handlers.helping.warnings import ACCOUNT, LINK, flagged

    for text in (
        "Bitte Geld an paypal.me/oma123",
        "Schreib mir: wa.me/4915112345678",
        "t.me/hilfe_dortmund",
        "bit.ly/3xYz",
        "revolut.me/oma",
    ):
        assert LINK in flagged(text), text
    assert ACCOUNT in flagged("Überweisung an DE89 3704 0044 0532 0130 00 bitte")
    assert ACCOUNT in flagged("IBAN: PL61109010140000071219812874.")
    for text in (
        "Bestellnummer AB12345678901234",
        "DE89 3704 0044 0532 0130 01",  # a wrong check digit
        "Ich brauche 1.5/2 Stunden Hilfe",
        "Einkauf bei Aldi, z.B. Milch und Brot.",
    ):
        assert ACCOUNT not in flagged(text) and LINK not in flagged(text), text
