"""Issue 41, point 15: what a Persian native speaker corrected - one word for the
volunteer, no ASCII hyphen as a dash in a sentence, lists joined the Persian way."""

from __future__ import annotations

import re

from locales import FSI, PDI, translator
from locales.catalogs import read_catalog


def _strings(lang: str) -> list[tuple[str, str]]:
    out = []
    for message in read_catalog(lang):
        if not message.id:
            continue
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        strs = message.string if isinstance(message.string, tuple) else (message.string,)
        out += [(ids[0], s) for s in strs]
    return out


def test_persian_calls_the_volunteer_one_word():
    assert not [m for m, s in _strings("fa") if "کمک‌کننده" in s]


def test_persian_sentences_have_no_ascii_hyphen_as_a_dash():
    # " - " between words; "-" alone stays where it is what to send (an empty field).
    assert not [(m, s) for m, s in _strings("fa") if re.search(r"\S - (?!را)\S|^- \S", s)]


def test_persian_lists_have_no_comma_before_and():
    fa = translator("fa")
    joined = fa.list_of(["آلمانی", "روسی", "ترکی"]).replace(FSI, "").replace(PDI, "")
    assert joined == "آلمانی، روسی و ترکی"
    either = fa.list_of(["آلمانی", "روسی"], style="or").replace(FSI, "").replace(PDI, "")
    assert either == "آلمانی یا روسی"


# --- Arabic, Ukrainian and Turkish from the same review -----------------------------------


def _string(lang: str, msgid: str) -> str:
    return dict(_strings(lang))[msgid]


def test_arabic_wording_from_the_review():
    posted = "⏳ You have just posted a request. You can post the next one at {time}."
    assert _string("ar", posted).startswith("⏳ أرسلت طلبًا قبل قليل.")
    # The short mark in a list names what is partly accessible, as the details do.
    assert _string("ar", "partly accessible") == "مهيأ جزئيًا للكراسي المتحركة"
    assert _string("ar", "✏️ Request changed") == "✏️ تعديل الطلب"


def test_ukrainian_wording_from_the_review():
    assert _string("uk", "No, I read myself") == "Ні, прочитаю сам(а)"
    uk = translator("uk")
    groups = uk.list_of([uk._("everyone"), uk._("families")])
    line = str(uk.t("👥 For: {groups}", groups=groups)).replace(FSI, "").replace(PDI, "")
    assert line == "👥 для всіх і для родин"


def test_turkish_dates_write_the_weekday_in_full_after_the_date():
    from datetime import datetime

    from locales import TIMEZONE

    tuesday = datetime(2026, 11, 24, 12, tzinfo=TIMEZONE)
    assert translator("tr").skeleton(tuesday, "MMMMEEEEd") == "24 Kasım Salı"
    assert translator("de").skeleton(tuesday, "MMMMEEEEd") == "Dienstag, 24. November"
    # A short weekday stays short where it is asked for (buttons).
    assert translator("de").skeleton(tuesday, "MMMEd") == "Di., 24. Nov."
