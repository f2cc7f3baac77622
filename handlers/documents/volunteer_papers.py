"""The papers a coordinator signs for a volunteer, as HTML for :mod:`handlers.documents.pdf`:
the certificate of volunteering (``record``) and the confirmation for a free extended
certificate of good conduct (``conduct``: Bestätigung zur Vorlage bei der Meldebehörde oder
beim Bundesamt für Justiz, § 30a BZRG).

Each is in German, the text that counts, and beside it in the volunteer's language when that
is another one. The organisation's name, address and logo come from the configuration
(``[organisation]``); what the paper says of the volunteer is the :class:`Paper` a
coordinator signed (handlers/helping/certificate_requests.py). Every value is escaped, and
right-to-left columns are marked as such, so Pango orders and shapes them.
"""

from __future__ import annotations

import base64
import mimetypes
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from markupsafe import Markup, escape

from handlers.documents.pdf import FONT
from handlers.settings import Organisation
from locales import N_, Translator, translator

RECORD = "record"
CONDUCT = "conduct"
# The German column is the paper's own text.
OFFICIAL = "de"

TITLES = {
    RECORD: N_("Certificate of volunteering"),
    CONDUCT: N_("Confirmation for the registration office or the Federal Office of Justice"),
}
CONDUCT_SUBTITLE = N_(
    "for the free issue of an extended certificate of good conduct to a volunteer "
    "(section 30a BZRG)"
)
# Why the activity needs an extended certificate: § 30a (1) BZRG, as the coordinator states.
BASES = {
    "sgb8": N_("to check personal suitability under section 72a SGB VIII (no. 2 a)"),
    "minors": N_(
        "for the voluntary supervision, care, upbringing or education of minors (no. 2 b)"
    ),
    "contact": N_("for an activity that in a comparable way allows contact with minors (no. 2 c)"),
    "law": N_("because a law requires it for this activity (no. 1)"),
}


@dataclass(frozen=True)
class Help:
    """The help a certificate of volunteering states: the days of the first and the last
    completed request, how many, the minutes reported, and the kinds of help as their
    labels (message ids, translated into each column's language)."""

    first: date
    last: date
    times: int
    minutes: int
    kinds: tuple[str, ...]


@dataclass(frozen=True)
class Paper:
    kind: str
    number: int
    # The volunteer as they want to be named, their date of birth (conduct; YYYY-MM-DD)
    # and their language.
    name: str
    birth_date: str
    lang: str
    help: Help | None
    signer_name: str
    signer_role: str
    activity: str
    basis: str
    issued_on: date
    organisation: Organisation
    city: str
    # Not signed yet: what a coordinator previews on the desk.
    draft: bool = False


def filename(paper: Paper) -> str:
    stem = "Bescheinigung-Ehrenamt" if paper.kind == RECORD else "Bestaetigung-Fuehrungszeugnis"
    return f"{stem}-{paper.number}.pdf"


def _day(t: Translator, day: date) -> str:
    return t.date(day, "long")


def _record_body(t: Translator, paper: Paper) -> list[Markup]:
    facts = paper.help
    assert facts is not None
    organisation = paper.organisation.name
    if facts.first == facts.last:
        opening = t.t(
            "{name} volunteered on {day} in the neighbourhood help of {organisation} in {city}.",
            name=paper.name,
            day=_day(t, facts.first),
            organisation=organisation,
            city=paper.city,
        )
    else:
        opening = t.t(
            "{name} volunteered from {first} to {last} in the neighbourhood help of "
            "{organisation} in {city}.",
            name=paper.name,
            first=_day(t, facts.first),
            last=_day(t, facts.last),
            organisation=organisation,
            city=paper.city,
        )
    facts_lines = [
        t.t("Kinds of help: {kinds}", kinds=t.list_of(t._(kind) for kind in facts.kinds)),
        t.t("Assignments: {count}", count=facts.times),
    ]
    if facts.minutes:
        facts_lines.append(t.t("Time volunteered: {duration}", duration=t.duration(facts.minutes)))
    return [
        opening,
        Markup("<br>").join(facts_lines),
        t.t("The help was voluntary and unpaid."),
        t.t("We thank {name} for this commitment to the neighbourhood.", name=paper.name),
    ]


def _conduct_body(t: Translator, paper: Paper) -> list[Markup]:
    return [
        t.t(
            "We confirm that {name}, born on {birth}, volunteers for {organisation} or is "
            "about to start.",
            name=paper.name,
            birth=_day(t, date.fromisoformat(paper.birth_date)),
            organisation=paper.organisation.name,
        ),
        t.t("Activity: {activity}", activity=paper.activity),
        t.t(
            "For this activity we need an extended certificate of good conduct under "
            "section 30a (1) BZRG, {basis}.",
            basis=Markup(escape(t._(BASES[paper.basis]))),
        ),
        t.t("The activity is voluntary and unpaid. We therefore ask that no fee be charged."),
        t.t(
            "Please send the certificate of good conduct to the applicant, who will show it to us."
        ),
    ]


def _column(t: Translator, paper: Paper, *, official: bool) -> Markup:
    heading = Markup("<h1>{}</h1>").format(t._(TITLES[paper.kind]))
    if paper.kind == CONDUCT:
        heading += Markup('<p class="subtitle">{}</p>').format(t._(CONDUCT_SUBTITLE))
    body = _record_body(t, paper) if paper.kind == RECORD else _conduct_body(t, paper)
    paragraphs = Markup("").join(Markup("<p>{}</p>").format(part) for part in body)
    if not official:
        paragraphs += Markup('<p class="note">{}</p>').format(
            t._("Translation for your information. Only the German text counts.")
        )
    return Markup('<td class="column" lang="{lang}" dir="{dir}">{heading}{body}</td>').format(
        lang=t.lang, dir="rtl" if t.rtl else "ltr", heading=heading, body=paragraphs
    )


def _logo(organisation: Organisation) -> Markup:
    if not organisation.logo:
        return Markup("")
    path = Path(organisation.logo)
    kind = mimetypes.guess_type(path.name)[0] or "image/png"
    data = base64.b64encode(path.read_bytes()).decode("ascii")
    return Markup('<img class="logo" alt="" src="data:{kind};base64,{data}">').format(
        kind=kind, data=data
    )


def _signature(de: Translator, paper: Paper) -> Markup:
    place_and_day = de.t("{city}, {date}", city=paper.city, date=de.date(paper.issued_on, "long"))
    signer = ", ".join(part for part in (paper.signer_name, paper.signer_role) if part)
    return Markup(
        '<div class="signature"><p>{place}</p><div class="line"></div>'
        "<p>{signer}<br>{organisation}</p></div>"
    ).format(place=place_and_day, signer=signer or "\u00a0", organisation=paper.organisation.name)


STYLE = Markup(
    """
@page { size: A4; margin: 18mm 18mm 20mm 18mm;
  @bottom-center { content: element(footer); } }
body { font-family: "FONT"; font-size: 10pt; line-height: 1.45; color: #111; }
.footer { position: running(footer); font-size: 8pt; color: #555; }
table.head { width: 100%; border-collapse: collapse; margin-bottom: 10mm; }
table.head td { vertical-align: top; padding: 0; }
.logo { max-height: 24mm; max-width: 60mm; }
.sender { text-align: right; font-size: 9pt; }
.sender strong { font-size: 11pt; }
table.columns { width: 100%; table-layout: fixed; border-collapse: collapse; }
td.column { vertical-align: top; padding: 0 4mm; }
td.column + td.column { border-left: 0.5pt solid #888; }
td.column[dir="rtl"] { text-align: right; }
h1 { font-size: 14pt; line-height: 1.25; margin: 0 0 2mm 0; }
.subtitle { font-size: 10pt; font-weight: bold; margin-top: 0; }
.note { font-size: 8pt; color: #444; }
.signature { margin-top: 14mm; width: 75mm; }
.signature .line { border-bottom: 0.6pt solid #111; height: 14mm; }
.draft { border: 1pt solid #b00; color: #b00; padding: 2mm; font-weight: bold;
  text-align: center; margin-bottom: 6mm; }
""".replace("FONT", FONT)
)


def html_of(paper: Paper) -> str:
    """The paper as one HTML document (its logo inside it)."""
    de = translator(OFFICIAL)
    columns = _column(de, paper, official=True)
    if paper.lang != OFFICIAL:
        columns += _column(translator(paper.lang), paper, official=False)
    address = Markup("<br>").join(paper.organisation.address)
    draft = (
        Markup('<p class="draft">{}</p>').format(de._("DRAFT - not signed yet"))
        if paper.draft
        else Markup("")
    )
    footer = de.t("No. {number}", number=str(paper.number))
    page = Markup(
        '<!DOCTYPE html><html lang="de"><head><meta charset="utf-8"><title>{title}</title>'
        "<style>{style}</style></head><body>"
        '<table class="head"><tr><td>{logo}</td>'
        '<td class="sender"><strong>{organisation}</strong><br>{address}</td></tr></table>'
        "{draft}"
        '<table class="columns"><tr>{columns}</tr></table>'
        "{signature}"
        '<p class="footer">{organisation} · {footer}</p>'
        "</body></html>"
    ).format(
        title=de._(TITLES[paper.kind]),
        style=STYLE,
        logo=_logo(paper.organisation),
        organisation=paper.organisation.name,
        address=address,
        draft=draft,
        columns=columns,
        signature=_signature(de, paper),
        footer=footer,
    )
    return str(page)
