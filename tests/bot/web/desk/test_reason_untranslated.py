"""Where no translation engine runs, a coordinator who writes their own reason for not
publishing is told the truth: the prompt promises no translation, and after a reason in a
language the requester did not say they read, the coordinator learns that the requester
got it as written - in the group's private step and on the desk. A reason in the
requester's language, or a listed one (sent in their language), carries no warning."""

from __future__ import annotations

from db import Database
from handlers.helping import lifecycle
from handlers.helping.moderation import AS_WRITTEN
from handlers.messages import ButtonPress
from locales import translator
from tests.support.desk_client import at_the_desk
from tests.support.memory_transport import MemoryTransport, readable, texts

REASON_DE = "Bitte klären Sie das beim Bürgeramt."
REASON_FA = "لطفاً این را در اداره شهروندی پیگیری کنید."


def _warning(lang: str, language: str) -> str:
    t = translator(lang)
    return readable(str(t.t(lifecycle.UNREAD, language=t.language(language))))


async def _persian_request(db: Database, chat: MemoryTransport) -> int:
    """A request of someone who reads Persian only, waiting for review."""
    if await db.users.find("memory", "parisa") is None:
        await chat.onboard("parisa", "fa")
    parisa = await db.users.find("memory", "parisa")
    request = await db.requests.create(
        parisa.id, parisa.id, category="shopping", description="خرید نان", languages=("fa",)
    )
    return request.id


async def test_the_group_is_told_a_reason_reached_the_requester_as_written(
    story: MemoryTransport, db: Database
):
    await story.onboard("cora", "de")
    cora = await db.users.find("memory", "cora")
    await db.users.grant_role(cora.id, "coordinator")
    de = translator("de")
    request_id = await _persian_request(db, story)
    await story.in_group("cora", ButtonPress(f"mod:why:{request_id}", message_id="1"))
    await story.flush()
    prompt = story.received("cora")
    assert "übersetzt" not in prompt  # no translation promised where none runs
    assert readable(str(de.t(AS_WRITTEN, id=request_id))) in prompt
    out = await story.text("cora", REASON_DE)
    assert _warning("de", "fa") in texts(out), texts(out)
    # Written in Persian: read as written, nothing to warn of.
    request_id = await _persian_request(db, story)
    await story.in_group("cora", ButtonPress(f"mod:why:{request_id}", message_id="1"))
    out = await story.text("cora", REASON_FA)
    said = texts(out)
    assert "✅" in said and _warning("de", "fa") not in said, said


async def test_the_desk_says_a_reason_reached_the_requester_as_written(db, site, web_chat):
    _site, base = site
    async with at_the_desk(web_chat, db, base) as desk:
        request_id = await _persian_request(db, web_chat)
        status, page = await desk.post(
            f"/desk/queue/{request_id}/reject", {"reason": "other", "note": REASON_DE}
        )
        assert status == 200 and _warning("en", "fa") in readable(page)
        await web_chat.flush()
        assert REASON_DE in web_chat.received("parisa")
        # A listed reason reaches them in Persian: no warning.
        request_id = await _persian_request(db, web_chat)
        status, page = await desk.post(f"/desk/queue/{request_id}/reject", {"reason": "scope"})
        assert status == 200 and "✅" in page and _warning("en", "fa") not in readable(page)


async def test_a_question_that_reached_the_requester_as_written_says_so(
    story: MemoryTransport, db: Database
):
    """The same for "Ask the requester": in the chat's private step, and on the desk."""
    await story.onboard("cora", "de")
    cora = await db.users.find("memory", "cora")
    await db.users.grant_role(cora.id, "coordinator")
    request_id = await _persian_request(db, story)
    await story.in_group("cora", ButtonPress(f"mod:ask:{request_id}", message_id="1"))
    out = await story.text("cora", "Wann sind Sie zu Hause?")
    de = translator("de")
    warning = readable(str(de.t(lifecycle.UNREAD_QUESTION, language=de.language("fa"))))
    assert warning in texts(out), texts(out)


async def test_the_desk_says_a_question_reached_the_requester_as_written(db, site, web_chat):
    _site, base = site
    async with at_the_desk(web_chat, db, base) as desk:
        request_id = await _persian_request(db, web_chat)
        status, page = await desk.post(
            f"/desk/queue/{request_id}/ask", {"text": "Wann sind Sie zu Hause?"}
        )
        en = translator("en")
        said = readable(str(en.t(lifecycle.UNREAD_QUESTION, language=en.language("fa"))))
        assert status == 200 and said in readable(page)
        # Asked in Persian: nothing to warn of.
        status, page = await desk.post(f"/desk/queue/{request_id}/ask", {"text": REASON_FA})
        assert status == 200 and said not in readable(page)
