"""Certificates for volunteers on the desk, through the real web server (issue 41, point
17): a volunteer's request is listed with what the paper will state; a coordinator previews
it, signs with name and role (or declines), and the volunteer gets the PDF through the
outbox; the signer's role is checked at the moment of signing; bad fields and decided
requests change nothing; only staff get a signed PDF from the desk."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest

from db import Database
from db.clock import to_text
from handlers.messages import Document
from handlers.settings import HandlerSettings, Organisation
from tests.support.desk_client import at_the_desk, audited
from tests.support.help_story import GROUP
from tests.support.pdf_glyphs import text_of

ORGANISATION = Organisation("FreiwilligenAgentur Dortmund", ("Königswall 25", "44137 Dortmund"))


@pytest.fixture
def settings() -> HandlerSettings:
    return HandlerSettings(backchannels=frozenset({("memory", GROUP)}), organisation=ORGANISATION)


async def _volunteer_who_helped(db: Database, name: str, lang: str = "de") -> int:
    user = await db.users.seen("memory", name.lower(), name.lower(), name)
    await db.users.set_language(user.id, lang)
    await db.volunteers.save(
        user.id, categories=("shopping",), stadtbezirke=("Eving",), languages=(lang,)
    )
    requester = (await db.users.seen("memory", "rosa", "rosa", "Rosa")).id
    for category, days_ago, minutes in (("shopping", 30, 120), ("company", 2, 90)):
        request = await db.requests.create(requester, requester, state="open", category=category)
        closed = to_text(datetime.now(UTC) - timedelta(days=days_ago))
        await db.execute(
            "UPDATE help_requests SET state = 'done', volunteer_id = ?, matched_at = ?,"
            " closed_at = ?, minutes_spent = ? WHERE id = ?",
            (user.id, closed, closed, minutes, request.id),
        )
    return user.id


def _documents(chat, name: str) -> list[Document]:
    return [item for item in chat.inbox.get(name, []) if isinstance(item, Document)]


async def test_a_coordinator_previews_signs_and_the_volunteer_gets_the_pdf(db, site, web_chat):
    _site, base = site
    vera = await _volunteer_who_helped(db, "Vera", "uk")
    number = await db.certificates.ask(vera, "record", "Віра Мюллер", "", "uk")
    async with at_the_desk(web_chat, db, base) as desk:
        # Reached from the volunteers' page.
        assert 'href="/desk/certificates"' in (await desk.get("/desk/volunteers"))[1]
        status, page = await desk.get("/desk/certificates")
        assert status == 200 and f'id="certificate-row-{number}"' in page
        assert "Віра Мюллер" in page
        status, page = await desk.get(f"/desk/certificates/{number}")
        assert status == 200 and 'id="sign-form"' in page
        assert "Shopping and errands" in page and "3.5 hours" in page  # what it will state
        # A preview, marked as not signed, changes nothing.
        async with desk.browser.post(
            f"{base}/desk/certificates/{number}/draft.pdf",
            data={"csrf": desk.csrf, "signer_name": "Cora Schmidt", "signer_role": ""},
        ) as response:
            assert response.status == 200
            assert response.headers["Content-Type"] == "application/pdf"
            assert response.headers["Cache-Control"] == "no-store"
            assert "ENTWURF" in text_of(await response.read())
        assert (await db.certificates.get(number)).state == "asked"
        status, page = await desk.post(
            f"/desk/certificates/{number}/sign",
            {"signer_name": "Cora Schmidt", "signer_role": "Koordinatorin"},
        )
        assert status == 200 and "Signed. The volunteer gets the PDF" in page
        assert 'id="signed-pdf"' in page and 'id="sign-form"' not in page
        async with desk.browser.get(f"{base}/desk/certificates/{number}/signed.pdf") as response:
            assert response.status == 200 and response.headers["Cache-Control"] == "no-store"
            filed = text_of(await response.read())
    signed = await db.certificates.get(number)
    assert (signed.state, signed.decided_by, signed.signer_name) == (
        "issued",
        desk.user_id,
        "Cora Schmidt",
    )
    assert signed.facts["times"] == 2 and signed.facts["minutes"] == 210
    assert "certificate.issue" in await audited(db, desk.user_id)
    await web_chat.flush()
    (delivered,) = _documents(web_chat, "vera")
    text = " ".join(text_of(delivered.content).split())
    for expected in (
        "FreiwilligenAgentur Dortmund",
        "Віра Мюллер",
        "Einkäufe und Besorgungen",
        "Geleistete Zeit: 3,5 Stunden",
        "Cora Schmidt, Koordinatorin",
        "Довідка про волонтерську діяльність",
    ):
        assert expected in text, expected
    assert "ENTWURF" not in text and " ".join(filed.split()) == text
    assert "збережіть файл" in str(delivered.caption)


async def test_bad_fields_and_decided_requests_change_nothing(db, site, web_chat):
    _site, base = site
    vera = await _volunteer_who_helped(db, "Vera")
    conduct = await db.certificates.ask(vera, "conduct", "Vera Müller", "1990-03-17", "de")
    async with at_the_desk(web_chat, db, base) as desk:
        status, page = await desk.get(f"/desk/certificates/{conduct}")
        assert "March 17, 1990" in page and 'name="basis"' in page
        for form in (
            {"signer_name": "", "signer_role": "Koordinatorin"},
            {"signer_name": "C" * 81, "signer_role": ""},
            {"signer_name": "Cora", "signer_role": "", "activity": "", "basis": "minors"},
            {"signer_name": "Cora", "activity": "Hausaufgabenhilfe", "basis": "piano"},
        ):
            status, page = await desk.post(f"/desk/certificates/{conduct}/sign", form)
            assert status == 409, form
            assert 'id="certificate-error"' in page
        assert (await db.certificates.get(conduct)).state == "asked"
        # Without the form's token: refused before anything is read.
        async with desk.browser.post(
            f"{base}/desk/certificates/{conduct}/sign", data={"signer_name": "Cora"}
        ) as response:
            assert response.status == 403
        status, page = await desk.post(f"/desk/certificates/{conduct}/decline", {})
        assert status == 200 and "Declined" in page
        status, page = await desk.post(
            f"/desk/certificates/{conduct}/sign",
            {"signer_name": "Cora", "activity": "Hausaufgabenhilfe", "basis": "minors"},
        )
        assert status == 409 and "already declined by Cora" in page
        for path in ("/desk/certificates/999999", "/desk/certificates/x", "/desk/certificates/0"):
            assert (await desk.get(path))[0] == 404
        assert (await desk.get(f"/desk/certificates/{conduct}/signed.pdf"))[0] == 404
    assert (await db.certificates.get(conduct)).state == "declined"
    await web_chat.flush()
    assert "konnte Ihre Anfrage nicht unterschreiben" in web_chat.received("vera")
    assert not _documents(web_chat, "vera")


async def test_a_coordinator_no_longer_cannot_sign_nor_fetch_a_pdf(db, site, web_chat):
    _site, base = site
    vera = await _volunteer_who_helped(db, "Vera")
    number = await db.certificates.ask(vera, "record", "Vera Müller", "", "de")
    signed = await db.certificates.ask(vera, "conduct", "Vera Müller", "1990-03-17", "de")
    async with at_the_desk(web_chat, db, base) as desk:
        status, _ = await desk.post(
            f"/desk/certificates/{signed}/sign",
            {"signer_name": "Cora", "activity": "Lesepatin", "basis": "contact"},
        )
        assert status == 200
        await db.users.revoke_role(desk.user_id, "coordinator")
        status, page = await desk.post(
            f"/desk/certificates/{number}/sign", {"signer_name": "Cora", "signer_role": ""}
        )
        assert status == 403
        for path in (f"/desk/certificates/{signed}/signed.pdf", "/desk/certificates"):
            status, page = await desk.get(path)
            assert status == 403 and "%PDF" not in page
    assert (await db.certificates.get(number)).state == "asked"
    assert "certificate.issue" in await audited(db, desk.user_id)
    await web_chat.flush()
    assert len(_documents(web_chat, "vera")) == 1


async def test_the_desk_says_when_no_organisation_is_configured(db, web_chat):
    from tests.support.web_site import serving

    async with (
        serving(db, HandlerSettings()) as (_site, base),
        at_the_desk(web_chat, db, base) as desk,
    ):
        status, page = await desk.get("/desk/certificates")
    assert status == 200 and 'id="certificates-not-configured"' in page
    assert re.search(r"\[organisation\]", page)


async def test_a_colleague_signing_first_is_named_and_nothing_is_signed_twice(db, site, web_chat):
    """Cora and Carl open the same request; Cora signs first. Carl's sign (and a decline)
    sign and send nothing more, and say who signed and when - not only "already decided"."""
    _site, base = site
    vera = await _volunteer_who_helped(db, "Vera")
    number = await db.certificates.ask(vera, "record", "Vera Müller", "", "de")
    form = {"signer_name": "Carl Berg", "signer_role": "Koordinator"}
    async with (
        at_the_desk(web_chat, db, base, "cora") as cora,
        at_the_desk(web_chat, db, base, "carl") as carl,
    ):
        assert 'id="sign-form"' in (await carl.get(f"/desk/certificates/{number}"))[1]
        status, _ = await cora.post(
            f"/desk/certificates/{number}/sign", {"signer_name": "Cora Schmidt"}
        )
        assert status == 200
        for action, fields in (("sign", form), ("decline", {})):
            status, page = await carl.post(f"/desk/certificates/{number}/{action}", fields)
            assert status == 409, action
            error = page[page.index('id="certificate-error"') :]
            error = error[: error.index("</p>")]
            assert "Cora" in error and f"#{number}" in error and "signed" in error, error
    signed = await db.certificates.get(number)
    assert (signed.state, signed.decided_by, signed.signer_name) == (
        "issued",
        cora.user_id,
        "Cora Schmidt",
    )
    await web_chat.flush()
    assert len(_documents(web_chat, "vera")) == 1
