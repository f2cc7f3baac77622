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
