"""A coordinator's "Edit text": the language label follows the new text, and the requester
is shown what their request says now. Through the dispatcher, the outbox and its worker."""

from __future__ import annotations

from db import Database
from handlers.messages import ButtonPress, Toast
from locales import translator
from tests.support.help_story import GROUP, post_request
from tests.support.memory_transport import MemoryTransport, readable, texts

ARABIC = "أحتاج مساعدة في التسوق يوم الثلاثاء"
GERMAN = "Ich brauche Hilfe beim Einkaufen am Dienstag"
RUSSIAN = "Мне нужна помощь с покупками"


async def _edit(chat: MemoryTransport, request_id: int, text: str) -> str:
    """Cora presses "Edit text" in the group and sends ``text`` privately; her answer."""
    out = await chat.in_group("cora", ButtonPress(f"mod:ed:{request_id}", message_id="1"))
    assert [type(item) for item in out] == [Toast]  # "I have written to you privately."
    return texts(await chat.text("cora", text))


async def test_edit_text_relabels_and_tells_the_requester(
    story: MemoryTransport,
    db: Database,
):
    request_id = await post_request(story)  # amira, Arabic
    await story.onboard("cora", "de")
    cora = await db.users.find("memory", "cora")
    await db.users.grant_role(cora.id, "coordinator")
    await story.flush()
    amira_before = len(story.inbox.get("amira", []))
    group_before = len(story.inbox.get(GROUP, []))

    # The coordinator translates the Arabic text into German: the label follows.
    answer = await _edit(story, request_id, GERMAN)
    request = await db.requests.get(request_id)
    assert request.description == GERMAN and request.description_lang == "de"
    assert "Deutsch" in answer and "#" in answer and GERMAN in answer
    await story.flush()
    told = readable(str(story.inbox["amira"][-1].text))
    assert len(story.inbox["amira"]) == amira_before + 1
    ar = translator("ar")
    assert (
        readable(
            str(
                ar.t(
                    "✏️ The coordinators edited the text of your request #{id}. It now reads:", id=0
                )
            )
        ).split("0")[0]
        in told
    )
    assert GERMAN in told
    # Checked again before volunteers see it, with the new label.
    post = readable(str(story.inbox[GROUP][-1].text))
    assert len(story.inbox[GROUP]) == group_before + 1
    assert GERMAN in post and "Deutsch" in post

    # Back to Arabic (a phone number removed from the original, say).
    await _edit(story, request_id, ARABIC)
    assert (await db.requests.get(request_id)).description_lang == "ar"
    await story.flush()
    assert ARABIC in readable(str(story.inbox["amira"][-1].text))

    # A language neither of them chats in is still named for what it is.
    await _edit(story, request_id, RUSSIAN)
    assert (await db.requests.get(request_id)).description_lang == "ru"
    await story.flush()
    assert "Russisch" in readable(str(story.inbox[GROUP][-1].text))

    # Only a phone number left: the label the text had stays.
    await _edit(story, request_id, "0171 1234567")
    assert (await db.requests.get(request_id)).description_lang == "ru"

    # A non-coordinator's edit changes nothing and tells nobody.
    await story.onboard("nico", "de")
    await story.flush()
    before = len(story.inbox["amira"])
    out = await story.in_group("nico", ButtonPress(f"mod:ed:{request_id}", message_id="1"))
    assert any(isinstance(item, Toast) and "⛔" in item.text for item in out)
    await story.flush()
    assert len(story.inbox["amira"]) == before
