"""SMS's own promises on a texted form (bot/transports/sms/paging.py): a notice's short form
ends with the STOP line, and a long text is paged with the choices whole in the first text
and "More: send 0". What fits is the wire's measure (segments: segments.py), so the paging
is tried here with a measure in characters."""

from __future__ import annotations

from markupsafe import Markup

from bot.transports.sms.paging import (
    MORE,
    NOTICE_TEXTS,
    body_of,
    more_line,
    notice_pages,
    page,
    paged_next,
    pages,
)
from handlers.media.texted_form import form_of
from handlers.messages import Button, Message
from locales import translator

MARKS = frozenset("\u2066\u2067\u2068\u2069\u202a\u202b\u202c\u202d\u202e\u200e\u200f\u061c")


def test_a_notice_texted_ends_with_the_stop_line_and_other_texts_do_not():
    t = translator("de")
    buttons = [[Button("✅ Ja", "consent:yes")]]
    notice = form_of(Message(Markup("<b>Lang</b>"), buttons, brief=Markup("Kurz.")), t)
    assert notice is not None
    assert body_of(notice, t) == f"Kurz.\n{t.t('Send STOP to end all texts.')}"
    assert "STOPP" in body_of(notice, t)
    plain = form_of(Message(Markup("<b>Lang</b>"), buttons), t)
    assert plain is not None and body_of(plain, t) == "Lang"


def test_the_more_line_has_no_direction_marks_and_the_readers_digits():
    ar = translator("ar")
    assert not MARKS & set(more_line(ar))
    assert ar.digits(MORE) in more_line(ar)


def by_characters(text: str, room: int) -> bool:
    return len(text) <= room * 50


def test_a_text_that_fits_is_one_page():
    assert page("Kurz.", "Mehr: 0", by_characters, 2).rest == ""


def test_a_long_text_is_paged_at_a_line_with_the_more_line_and_the_choices_whole_first():
    lines = [f"Zeile {n}: " + "x" * 20 for n in range(1, 12)]
    text = "\n".join(lines)
    choices = "1 Ja\n2 Nein"
    paged = page(text, "Mehr: 0", by_characters, 2, choices)
    assert paged.first.endswith("\nMehr: 0\n1 Ja\n2 Nein")
    assert len(paged.first) <= 100
    head = paged.first.removesuffix("\nMehr: 0\n1 Ja\n2 Nein")
    assert head.split("\n") == lines[: len(head.split("\n"))]
    assert head + "\n" + paged.rest == text


def test_choices_longer_than_the_room_still_come_whole_in_the_first_page():
    choices = "\n".join(f"{n} Wahl Nummer {n}" for n in range(1, 15))
    paged = page("Welche Sprachen?\nDann Fertig.", "Mehr: 0", by_characters, 2, choices)
    assert paged.first.startswith("Welche Sprachen?")
    assert paged.first.endswith(choices)


def test_the_first_page_grows_by_a_unit_to_hold_its_first_whole_sentence():
    """Issue 80, point 1: the choices left room for 40 characters of the first sentence,
    and the text was cut between words before them ("Telefon numaranızı ya da sohbet
    hesabınızı," then "1 agree")."""
    sentence = "Wir speichern Ihre Nummer, Ihre Sprache und was Sie senden, sonst nichts."
    choices = "1 Ich stimme zu\n2 Nein, danke"
    text = f"{sentence} " + "Mehr dazu. " * 6
    paged = page(text, "Mehr: 0", by_characters, 2, choices)
    head = paged.first.removesuffix(f"\nMehr: 0\n{choices}")
    assert head.startswith(sentence) and head.endswith("."), paged.first
    assert f"{head} {paged.rest}" == text.strip()


def test_a_sentence_longer_than_a_text_takes_a_unit_more_not_a_cut_in_it():
    """QA of the texts: a Ukrainian sentence of 137 characters (two UCS-2 segments hold
    134) was cut between words on "0" ("… смартфоном, а також" and then "складають
    компанію."): a text that sends "0" for the rest gets whole sentences too, in a unit
    more where one is longer than the room, as the first text does."""
    long = "Nachbarn helfen bei kleinen Dingen des Alltags, beim Einkaufen und mehr."  # 72
    text = f"Kurz. {long} Danach. " + "Noch ein Satz. " * 8
    texts = pages(text, "Mehr: 0", lambda text, room: len(text) <= room * 30, 2)
    assert texts[1].startswith(long), texts
    ends = [part.removesuffix("\nMehr: 0") for part in texts]
    assert all(end.endswith(".") for end in ends), texts
    assert " ".join(ends) == text.strip()


def test_a_notice_has_stop_with_its_choices_and_ends_within_three_texts():
    sentences = [f"Satz {n} sagt etwas ganz Bestimmtes." for n in range(1, 10)]
    choices = "Senden Sie STOPP.\n1 Ja\n2 Nein"
    paged = notice_pages(" ".join(sentences), "Mehr: 0", by_characters, 2, choices)
    assert paged.first.endswith(f"\nMehr: 0\n{choices}")
    texts = [paged.first]
    rest = paged.rest
    while rest:
        following = paged_next(rest)
        assert following is not None
        texts.append(following.first)
        rest = following.rest
    # In two units a text it would take four texts: three, in a unit more each.
    assert len(pages(" ".join(sentences), "Mehr: 0", by_characters, 2, choices)) > NOTICE_TEXTS
    assert len(texts) <= NOTICE_TEXTS
    assert all(len(text) <= 150 for text in texts)
    said = " ".join(text.replace(f"\n{choices}", "").replace("\nMehr: 0", "") for text in texts)
    assert said.split(". ") == " ".join(sentences).split(". ")
    # A rest that is not paged already is paged as ever.
    assert paged_next("Noch ein Satz.") is None
