"""A volunteer's certificate, from asking to the PDF: the one owner of a certificate
request's state (asked → issued or declined) and of what the paper says (issue 41, 17).

- :func:`may_ask` and :func:`ask`: a volunteer asks in the chat (handlers/helping/
  certificates.py) for a certificate of volunteering or for the confirmation for a free
  extended certificate of good conduct; the coordinators are told in the backchannel.
- :func:`facts_of`: the help a certificate of volunteering states, from the requests the
  volunteer completed: the first and last day, how often, the minutes they reported after
  helping, the kinds of help.
- :func:`prepare`: the paper and its PDF as a coordinator signs it, made before the
  transaction that signs (rendering takes a second);
  :func:`issue` and :func:`decline`: a coordinator, checked at that moment, signs or
  declines on the desk (bot/web/desk/certificates.py); the volunteer gets the PDF as a
  document through the outbox, or word that it was declined.
- :func:`again`: the PDF of a signed paper once more, for its volunteer only.

Nothing of a paper is written down twice: a row holds what was signed, and the PDF is made
from it whenever it is needed.
"""

from __future__ import annotations

import unicodedata
from collections import Counter
from dataclasses import dataclass
from datetime import UTC, date, datetime

from db import Database
from db.certificates import ASKED, CONDUCT, ISSUED, KINDS, RECORD, CertificateRequest, Signed
from db.clock import local_day
from db.users import User
from handlers.documents.pdf import pdf_of
from handlers.documents.volunteer_papers import BASES, Help, Paper, filename, html_of
from handlers.helping.lifecycle import Refused, Scene
from handlers.helping.vocabulary import HELP_CATEGORIES
from handlers.messages import Document, Message
from handlers.parsing import typed
from handlers.settings import HandlerSettings
from handlers.staff import is_staff
from handlers.text_safety import clean_text
from locales import N_, Translator

# What the chat calls each paper.
KIND_NAMES = {
    RECORD: N_("📜 Certificate of volunteering"),
    CONDUCT: N_("🛡 Confirmation for a free certificate of good conduct"),
}
NAME_LIMIT = 80
SIGNER_LIMIT = 80
ACTIVITY_LIMIT = 200
# A certificate of good conduct is given from the age of 14 (§ 30 BZRG).
YOUNGEST = 14
OLDEST = 110

NO_ORGANISATION = N_("⚠️ Certificates are not set up here yet. Please ask a coordinator.")
NOT_VOLUNTEERING = N_("⚠️ Certificates are for registered volunteers.")
NOTHING_DONE = N_(
    "📜 You can ask for a certificate of volunteering once you have helped with a request."
)
ALREADY_ASKED = N_("⏳ You already asked for this. A coordinator will sign it soon.")
BAD_NAME = N_(
    "⚠️ Please write only the name: letters, spaces and hyphens, 2 to 80 characters. "
    "For example: Parisa Ahmadi"
)
BAD_BIRTH_DATE = N_("⚠️ Please write your date of birth as day, month and year, e.g. 17.03.1990.")
BAD_SIGNER = N_("⚠️ Please enter your name (2 to 80 characters) and your role (at most 80).")
BAD_ACTIVITY = N_(
    "⚠️ Please describe the activity (3 to 200 characters) and choose why it needs the certificate."
)
NOT_WAITING = N_("⚠️ This request was already decided.")

DECLINED_TEXT = N_(
    "📄 A coordinator could not sign your request ({kind}). Please talk to the coordinators: "
    "/volunteer."
)


def person_name(raw: str) -> str | None:
    """A name as a volunteer wants it printed, or None: one line of letters (any script,
    with their marks and Persian's zero-width non-joiner), spaces, hyphens, apostrophes and
    dots, with at least two letters and at most :data:`NAME_LIMIT` characters."""
    name = " ".join(unicodedata.normalize("NFC", clean_text(raw)).split())
    if not 2 <= len(name) <= NAME_LIMIT or "\n" in name:
        return None
    letters = 0
    for ch in name:
        category = unicodedata.category(ch)
        if category.startswith("L"):
            letters += 1
        elif not (category.startswith("M") or ch in " -'’.\u200c"):
            return None
    return name if letters >= 2 else None


def birth_date(raw: str, today: date) -> str | None:
    """A date of birth as people write it ("17.03.1990", "17/3/1990", "1990-03-17", in
    any script's digits) as YYYY-MM-DD, if the person is between 14 and 110 years old."""
    text = typed(raw).strip().replace("/", ".").replace(" ", "")
    parts = text.split("-") if "-" in text else text.split(".")
    if len(parts) != 3 or not all(part.isascii() and part.isdigit() for part in parts):
        return None
    if len(parts[0]) == 4:
        parts = [parts[2], parts[1], parts[0]]
    day, month, year = (int(part) for part in parts)
    if len(parts[2]) != 4:
        return None
    try:
        born = date(year, month, day)
    except ValueError:
        return None
    age = today.year - born.year - ((today.month, today.day) < (born.month, born.day))
    return born.isoformat() if YOUNGEST <= age <= OLDEST else None


@dataclass(frozen=True)
class HelpFacts:
    """The help a certificate of volunteering states, as signed and kept (``facts``): the
    days of the first and the last completed request (YYYY-MM-DD, Europe/Berlin), how
    many, the minutes reported and the kinds of help (keys of HELP_CATEGORIES, the most
    frequent first)."""

    first: str
    last: str
    times: int
    minutes: int
    categories: tuple[str, ...]

    def as_dict(self) -> dict[str, object]:
        return {
            "first": self.first,
            "last": self.last,
            "times": self.times,
            "minutes": self.minutes,
            "categories": list(self.categories),
        }

    @classmethod
    def from_dict(cls, values: dict[str, object]) -> HelpFacts:
        categories = values.get("categories") or []
        assert isinstance(categories, list)
        return cls(
            str(values.get("first", "")),
            str(values.get("last", "")),
            int(str(values.get("times", 0))),
            int(str(values.get("minutes", 0))),
            tuple(str(key) for key in categories),
        )

    def printed(self) -> Help:
        """As the paper prints it: the kinds by their labels, without their icons (a
        paper is read, not tapped, and has no emoji font)."""
        return Help(
            date.fromisoformat(self.first),
            date.fromisoformat(self.last),
            self.times,
            self.minutes,
            tuple(HELP_CATEGORIES.get(key, HELP_CATEGORIES["other"])[1] for key in self.categories),
        )


def _today() -> date:
    return date.fromisoformat(local_day(datetime.now(UTC)))


async def facts_of(db: Database, user_id: int) -> HelpFacts | None:
    """What a certificate of volunteering states, from the requests the volunteer
    completed; None if they completed none."""
    record = await db.volunteers.record(user_id)
    if not record:
        return None
    days = sorted(local_day(_moment(closed)) for _, _, closed, _ in record)
    counted = Counter(category for _, category, _, _ in record)
    kinds = tuple(key for key, _ in sorted(counted.items(), key=lambda kv: (-kv[1], kv[0])))
    minutes = sum(spent or 0 for _, _, _, spent in record)
    return HelpFacts(days[0], days[-1], len(record), minutes, kinds)


def _moment(stored: str) -> datetime:
    return datetime.fromisoformat(stored.replace("Z", "+00:00"))


async def may_ask(scene: Scene, user: User, kind: str) -> None:
    """Refused (saying why) unless ``user`` may ask for a paper of ``kind`` now."""
    if not scene.settings.organisation.name:
        raise Refused(NO_ORGANISATION)
    if kind not in KINDS or await scene.db.volunteers.get(user.id) is None:
        raise Refused(NOT_VOLUNTEERING)
    if kind == RECORD and await facts_of(scene.db, user.id) is None:
        raise Refused(NOTHING_DONE)
    if await scene.db.certificates.waiting(user.id, kind) is not None:
        raise Refused(ALREADY_ASKED)


async def ask(scene: Scene, user: User, kind: str, name: str, born: str, lang: str) -> int:
    """The volunteer asks (checked again now); the coordinators are told where to sign.
    The request's number."""
    await may_ask(scene, user, kind)
    number = await scene.db.certificates.ask(user.id, kind, name, born, lang)
    await scene.db.requests.audit(user.id, "certificate.ask", f"user:{user.id}", {"kind": kind})
    desk = f"{scene.settings.web_url}/desk/certificates/{number}" if scene.settings.web_url else ""

    def notice(t: Translator) -> Message:
        text = t.t(
            "📄 Volunteer {name} (user {user_id}) asks for: {kind}.",
            name=user.first_name or "?",
            user_id=user.id,
            kind=t._(KIND_NAMES[kind]),
        )
        text += "\n" + (
            t.t("Please check and sign it on the desk: {link}", link=desk)
            if desk
            else t.t("Please check and sign it on the desk (/desk).")
        )
        return Message(text, typed_choices=False)

    await scene.mail.to_backchannel(notice, about=[user.id])
    return number


@dataclass(frozen=True)
class Prepared:
    """A paper ready to be signed: what the row will hold, and its PDF."""

    request: CertificateRequest
    signed: Signed
    pdf: bytes
    filename: str


def _signature(
    kind: str, name: str, role: str, activity: str, basis: str
) -> tuple[str, str, str, str]:
    name = " ".join(clean_text(name).split())
    role = " ".join(clean_text(role).split())
    activity = " ".join(clean_text(activity).split())
    if not 2 <= len(name) <= SIGNER_LIMIT or len(role) > SIGNER_LIMIT:
        raise Refused(BAD_SIGNER)
    if kind == CONDUCT:
        if not 3 <= len(activity) <= ACTIVITY_LIMIT or basis not in BASES:
            raise Refused(BAD_ACTIVITY)
    else:
        activity, basis = "", ""
    return name, role, activity, basis


def _paper(
    settings: HandlerSettings,
    request: CertificateRequest,
    signed: Signed,
    issued_on: date,
    *,
    draft: bool = False,
) -> Paper:
    facts = HelpFacts.from_dict(signed.facts).printed() if request.kind == RECORD else None
    return Paper(
        kind=request.kind,
        number=request.id,
        name=request.name,
        birth_date=request.birth_date,
        lang=request.lang,
        help=facts,
        signer_name=signed.name,
        signer_role=signed.role,
        activity=signed.activity,
        basis=signed.basis,
        issued_on=issued_on,
        organisation=settings.organisation,
        city=settings.city,
        draft=draft,
    )


async def prepare(
    db: Database,
    settings: HandlerSettings,
    number: int,
    signer: User,
    *,
    name: str,
    role: str,
    activity: str = "",
    basis: str = "",
    draft: bool = False,
) -> Prepared | None:
    """The paper request ``number`` asks for, as ``signer`` would sign it today, with its
    PDF (``draft``: a preview, marked as not signed, the signature's fields may be empty).
    None: there is no such request; Refused: it was decided already, the fields are not
    valid, or the help it would state is gone."""
    request = await db.certificates.get(number)
    if request is None:
        return None
    if request.state != ASKED:
        raise Refused(NOT_WAITING)
    if not settings.organisation.name:
        raise Refused(NO_ORGANISATION)
    if draft:
        name, role, activity = (" ".join(clean_text(v).split()) for v in (name, role, activity))
        basis = basis if basis in BASES else "minors"
    else:
        name, role, activity, basis = _signature(request.kind, name, role, activity, basis)
    facts: dict[str, object] = {}
    if request.kind == RECORD:
        found = await facts_of(db, request.user_id)
        if found is None:
            raise Refused(NOTHING_DONE)
        facts = found.as_dict()
    signed = Signed(signer.id, name, role, activity, basis, facts)
    paper = _paper(settings, request, signed, _today(), draft=draft)
    return Prepared(request, signed, await pdf_of(html_of(paper)), filename(paper))


def _delivered(prepared: Prepared, days: int):
    def compose(t: Translator) -> Document:
        caption = t.t(
            "📄 Here is your paper, signed: {kind}.", kind=t._(KIND_NAMES[prepared.request.kind])
        )
        caption += "\n" + t.tn(
            "💾 Please save the file. The bot deletes its data for it after {n} day.",
            "💾 Please save the file. The bot deletes its data for it after {n} days.",
            days,
        )
        return Document(prepared.filename, prepared.pdf, caption, "application/pdf")

    return compose


async def issue(scene: Scene, coordinator: User, prepared: Prepared) -> bool:
    """``coordinator`` (a coordinator or admin now) signs the prepared paper; the
    volunteer gets it. False: someone else decided it meanwhile."""
    if not is_staff(coordinator):
        raise Refused()
    request = prepared.request
    if prepared.signed.by != coordinator.id:
        raise Refused()
    if not await scene.db.certificates.issue(request.id, prepared.signed):
        return False
    await scene.db.requests.audit(
        coordinator.id,
        "certificate.issue",
        f"user:{request.user_id}",
        {"certificate": request.id, "kind": request.kind},
    )
    days = scene.settings.retention.certificate_days
    await scene.mail.to_user(request.user_id, _delivered(prepared, days), about=[request.user_id])
    return True


async def decline(scene: Scene, coordinator: User, number: int) -> bool:
    """``coordinator`` (checked now) declines; the volunteer is told to talk to the
    coordinators. False: no such request waiting."""
    if not is_staff(coordinator):
        raise Refused()
    request = await scene.db.certificates.get(number)
    if request is None or not await scene.db.certificates.decline(number, coordinator.id):
        return False
    await scene.db.requests.audit(
        coordinator.id,
        "certificate.decline",
        f"user:{request.user_id}",
        {"certificate": number, "kind": request.kind},
    )
    kind = request.kind
    await scene.mail.to_user(
        request.user_id, lambda t: Message(t.t(DECLINED_TEXT, kind=t._(KIND_NAMES[kind])))
    )
    return True


def _as_signed(settings: HandlerSettings, request: CertificateRequest) -> Paper:
    signed = Signed(
        request.decided_by or 0,
        request.signer_name,
        request.signer_role,
        request.activity,
        request.basis,
        request.facts,
    )
    assert request.decided_at is not None
    issued_on = date.fromisoformat(local_day(_moment(request.decided_at)))
    return _paper(settings, request, signed, issued_on)


async def signed_pdf(settings: HandlerSettings, request: CertificateRequest) -> tuple[str, bytes]:
    """A signed paper made again from its row: (file name, PDF)."""
    if request.state != ISSUED:
        raise ValueError("only a signed paper")
    paper = _as_signed(settings, request)
    return filename(paper), await pdf_of(html_of(paper))


async def again(
    db: Database, settings: HandlerSettings, user: User, number: int
) -> Document | None:
    """The signed paper ``number`` once more, if it is ``user``'s own; else None."""
    request = await db.certificates.get(number)
    if request is None or request.user_id != user.id or request.state != ISSUED:
        return None
    name, pdf = await signed_pdf(settings, request)
    return Document(name, pdf, mime_type="application/pdf")
