"""What an erasure queues for others names nobody (handlers/privacy.py, the lifecycle's
erasure closers in handlers/helping/lifecycle.py): the coordinators' review posts of the
erased person's requests end up without their name or words, and no outbox row keeps them.

Played through the dispatcher and the outbox worker with the memory transport, whose
backchannel is the coordinators' ``GROUP`` (tests/support/help_story.py)."""

from __future__ import annotations

import json

import pytest

from db import Database
from handlers import build_router
from handlers.dispatcher import Dispatcher
from handlers.messages import ButtonPress, Edit, Media
from handlers.settings import HandlerSettings
from tests.support.channels import channels
from tests.support.fake_speaker import FakeSpeaker
from tests.support.help_story import GROUP, grant_role_to, helped_by_vera, post_request
from tests.support.memory_transport import MemoryTransport, readable, texts

REQUESTER, COORDINATOR = "amira", "cora"
WORDS = "Einkauf bitte, Klingel PFEFFERMINZE"
SECRETS = ("Amira", "PFEFFERMINZE")


async def _request(story: MemoryTransport) -> int:
    request_id = await post_request(story, REQUESTER, "de", WORDS)
    await story.flush()
    return request_id


def _group_now(story: MemoryTransport, post: int, shown: str) -> str:
    """The review post as the group reads it now: its last edit through the outbox, or
    ``shown``, what it showed before."""
    edits = [i for i in story.inbox.get(GROUP, []) if isinstance(i, Edit) and i.outbox_id == post]
    return readable(str(edits[-1].text)) if edits else shown


async def _spoken_texts(db: Database) -> list[str]:
    """What the 🔊 buttons would say: the kept texts and their choices."""
    return [
        f"{row[0]} {row[1]}" for row in await db.fetch_all("SELECT text, labels FROM spoken_texts")
    ]


async def _outbox_texts(db: Database) -> list[str]:
    return [str(row[0]) for row in await db.fetch_all("SELECT payload FROM outbox")]


@pytest.mark.parametrize("state", ["review", "open", "rejected"])
async def test_the_erasure_queues_nothing_with_the_persons_name_or_words(
    story: MemoryTransport, db: Database, state: str
):
    await story.onboard(COORDINATOR, "de")
    await grant_role_to(db, COORDINATOR, "coordinator")
    request_id = await _request(story)
    [post] = await db.requests.posts(request_id)
    shown = story.received(GROUP)
    if state != "review":
        # The coordinator's press edits the post in the answer (not through the outbox).
        decision = f"mod:ok:{request_id}" if state == "open" else f"mod:rr:{request_id}:unclear"
        shown = texts(await story.in_group(COORDINATOR, ButtonPress(decision, message_id="1")))
        await story.flush()
        assert (await db.requests.get(request_id)).state == state
    assert all(secret in shown for secret in SECRETS)
    # Before: the group read the requester's name and words in the post.
    before = story.received(GROUP)
    assert all(secret in before for secret in SECRETS)
    delivered = len(story.inbox[GROUP])

    await story.text(REQUESTER, "/delete")
    await story.press(REQUESTER, "delete:yes")
    assert await db.users.find("memory", REQUESTER) is None
    await story.flush()

    # Nothing the erasure queued carries them, delivered or not ...
    for payload in await _outbox_texts(db):
        assert not any(secret in payload for secret in SECRETS), payload
    after = story.inbox[GROUP][delivered:]
    assert after, "the coordinators are told"
    for item in after:
        text = readable(str(getattr(item, "text", "")))
        assert not any(secret in text for secret in SECRETS), text
    # ... and the post, which showed them, reads that the data was erased.
    now = _group_now(story, post, shown)
    assert f"#{request_id}" in now and "🗑" in now
    assert not any(secret in now for secret in SECRETS)


async def test_a_voice_message_passed_on_leaves_no_name_after_the_erasure(
    story: MemoryTransport, db: Database
):
    """A voice message goes to the helper with a line under it to answer (a voice carries
    no buttons), naming the sender: both carry the sender's data, so both go with her."""
    _, _, _, request_id = await helped_by_vera(story, db)
    await story.press(REQUESTER, f"rl:to:{request_id}")
    await story.send(REQUESTER, Media(kind="voice", file_id="voice-of-amira"))
    await story.flush()
    assert "voice-of-amira" in " ".join(await _outbox_texts(db))
    # Hers to see in /mydata: what the helper got of hers, the voice among it.
    exported = await db.data_rights.export(await db.users.find("memory", REQUESTER))
    assert "voice-of-amira" in json.dumps(exported["messages_about_you"])

    await story.text(REQUESTER, "/delete")
    await story.press(REQUESTER, "delete:yes")
    assert await db.users.find("memory", REQUESTER) is None
    await story.flush()

    for payload in await _outbox_texts(db):
        assert "Amira" not in payload and "voice-of-amira" not in payload, payload


@pytest.mark.both_backends  # the speech is found by json_extract
async def test_what_was_read_aloud_to_the_partner_names_the_erased_helper_no_more(db: Database):
    """Amira hears everything read aloud: her menu's "Write to Vera" is queued as a speech
    for her. Vera deletes her account: no speech for Amira names her any more."""
    speaker = FakeSpeaker(frozenset({"de"}))
    settings = HandlerSettings(
        backchannels=frozenset({("memory", GROUP)}),
        channels=channels(),
        speech_languages=speaker.languages,
    )
    story = MemoryTransport(Dispatcher(db, build_router(), settings), speaker=speaker)
    await helped_by_vera(story, db)
    await story.press(REQUESTER, "ra:on")
    await story.text(REQUESTER, "/menu")
    await story.press(REQUESTER, "ra:tap")  # and the next menu's words kept for its 🔊
    await story.text(REQUESTER, "/menu")
    await story.flush()
    assert "Vera" in " ".join(p for p in await _outbox_texts(db) if '"Speech"' in p)
    assert "Vera" in " ".join(await _spoken_texts(db))

    await story.text("vera", "/delete")
    await story.press("vera", "delete:yes")
    assert await db.users.find("memory", "vera") is None
    await story.flush()

    for payload in await _outbox_texts(db):
        assert "Vera" not in payload, payload
    assert "Vera" not in " ".join(await _spoken_texts(db))
