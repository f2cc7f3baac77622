"""The papers a coordinator signs for a volunteer, as PDF (issue 41, point 17), read back
with pypdf: the text holds the organisation, the volunteer's name, the period, the kinds of
help, the hours and the signer, in German and beside it in the volunteer's language; every
font is embedded; Arabic is drawn right to left and shaped (joined letters), so a reader
shows words, not letters standing apart in reverse order; the logo is in the file."""

from __future__ import annotations

import base64
from collections import defaultdict
from dataclasses import replace
from datetime import date

from handlers.documents.pdf import pdf_of
from handlers.documents.volunteer_papers import CONDUCT, RECORD, TITLES, Help, Paper, html_of
from handlers.helping.vocabulary import HELP_CATEGORIES
from handlers.settings import Organisation
from locales import translator
from tests.support.pdf_glyphs import fonts, images, runs, text_of

ORGANISATION = Organisation("FreiwilligenAgentur Dortmund", ("Königswall 25", "44137 Dortmund"))
FACTS = Help(
    date(2025, 3, 3),
    date(2025, 6, 4),
    12,
    870,
    (HELP_CATEGORIES["shopping"][1], HELP_CATEGORIES["accompaniment"][1]),
)
PAPER = Paper(
    kind=RECORD,
    number=7,
    name="Vera Müller-Öztürk",
    birth_date="",
    lang="en",
    help=FACTS,
    signer_name="Cora Schmidt",
    signer_role="Koordinatorin",
    activity="",
    basis="",
    issued_on=date(2025, 11, 24),
    organisation=ORGANISATION,
    city="Dortmund",
)
# A PNG of one red pixel.
PIXEL = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8DwHwAFBQIAX8jx0gAAAABJRU5ErkJggg=="
)


def _arabic(text: str) -> bool:
    return any("\u0600" <= ch <= "\u06ff" for ch in text)


async def test_a_certificate_of_volunteering_says_who_when_what_how_long_and_who_signed():
    pdf = await pdf_of(html_of(PAPER))
    assert pdf.startswith(b"%PDF")
    text = " ".join(text_of(pdf).split())
    for expected in (
        "FreiwilligenAgentur Dortmund",
        "Königswall 25",
        "44137 Dortmund",
        "Bescheinigung über ehrenamtliches Engagement",
        "Vera Müller-Öztürk hat sich vom 3. März 2025 bis zum 4. Juni 2025",
        "Einkäufe und Besorgungen",
        "Einsätze: 12",
        "Geleistete Zeit: 14,5 Stunden",
        "Dortmund, den 24. November 2025",
        "Cora Schmidt, Koordinatorin",
        # The volunteer's language beside the German text.
        "Certificate of volunteering",
        "Vera Müller-Öztürk volunteered from March 3, 2025 to June 4, 2025",
        "Time volunteered: 14.5 hours",
        "Only the German text counts",
    ):
        assert expected in text, expected
    assert "ENTWURF" not in text
    embedded = fonts(pdf)
    assert embedded and all(is_embedded for _, is_embedded in embedded), embedded
    assert all("DejaVu" in name for name, _ in embedded), embedded


async def test_a_german_reader_gets_one_column_and_a_draft_says_so():
    pdf = await pdf_of(html_of(replace(PAPER, lang="de", draft=True)))
    text = text_of(pdf)
    assert "ENTWURF – noch nicht unterschrieben" in text
    assert "Certificate" not in text and text.count("Bescheinigung über ehrenamtliches") == 1


async def test_the_confirmation_for_the_certificate_of_good_conduct_names_the_law():
    paper = replace(
        PAPER,
        kind=CONDUCT,
        lang="de",
        help=None,
        birth_date="1990-03-17",
        activity="Hausaufgabenhilfe für Kinder",
        basis="minors",
    )
    text = " ".join(text_of(await pdf_of(html_of(paper))).split())
    for expected in (
        "Bestätigung zur Vorlage bei der Meldebehörde oder beim Bundesamt für Justiz",
        "gebührenfreie Erteilung eines erweiterten Führungszeugnisses",
        "Vera Müller-Öztürk, geboren am 17. März 1990",
        "für FreiwilligenAgentur Dortmund ehrenamtlich tätig",
        "Tätigkeit: Hausaufgabenhilfe für Kinder",
        "§ 30a Abs. 1 BZRG",
        "Beaufsichtigung, Betreuung, Erziehung oder Ausbildung Minderjähriger",
        "von der Erhebung einer Gebühr abzusehen",
        "Cora Schmidt, Koordinatorin",
    ):
        assert expected in text, expected


async def test_arabic_is_drawn_right_to_left_and_shaped():
    name = "أمينة الحسن"
    pdf = await pdf_of(html_of(replace(PAPER, name=name, lang="ar")))
    title = translator("ar")._(TITLES[RECORD])
    assert _arabic(title), "the Arabic title must be translated for this test to mean anything"
    drawn = runs(pdf)
    # A line is drawn left to right: an Arabic line read backwards, glyph by glyph (a
    # lam-alef ligature stays one glyph for two letters), is the text as written.
    backwards = ["".join(glyph.text for glyph in reversed(run)) for run in drawn]
    assert title in backwards, backwards
    assert [line for line in backwards if name in line]
    # Shaped: letters take their joining forms, so one letter is drawn with different
    # glyphs where it stands alone, at the start, in the middle or at the end of a word.
    glyphs_of: dict[str, set[tuple[str, int]]] = defaultdict(set)
    for run in drawn:
        for glyph in run:
            if len(glyph.text) == 1 and _arabic(glyph.text):
                glyphs_of[glyph.text].add((glyph.font, glyph.gid))
    forms = {letter: len({gid for _, gid in found}) for letter, found in glyphs_of.items()}
    assert max(forms.values()) >= 3, forms
    # And a text extractor finds the words as they are written.
    text = text_of(pdf)
    assert name in text and title in text


async def test_persian_digits_and_words_come_out_in_order():
    pdf = await pdf_of(html_of(replace(PAPER, name="پریسا احمدی", lang="fa")))
    backwards = ["".join(glyph.text for glyph in reversed(run)) for run in runs(pdf)]
    assert translator("fa")._(TITLES[RECORD]) in backwards
    assert "پریسا احمدی" in text_of(pdf)


async def test_the_logo_comes_from_the_configuration(tmp_path):
    logo = tmp_path / "logo.png"
    logo.write_bytes(PIXEL)
    with_logo = replace(PAPER, organisation=replace(ORGANISATION, logo=str(logo)))
    assert images(await pdf_of(html_of(with_logo))) == 1
    assert images(await pdf_of(html_of(PAPER))) == 0


async def test_markup_in_a_name_stays_text_and_fetches_nothing(tmp_path):
    secret = tmp_path / "secret.png"
    secret.write_bytes(PIXEL)
    name = f'<img src="file://{secret}"> Vera'
    pdf = await pdf_of(html_of(replace(PAPER, name=name)))
    assert images(pdf) == 0
    assert "<img" in text_of(pdf)
