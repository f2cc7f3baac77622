"""Which event a Matrix message answers (``m.in_reply_to``): what a reply to a relayed
message is matched by (handlers/helping/relay/chat.py ``_to_replied``)."""

from __future__ import annotations

from bot.transports.matrix.inbound import replied_to


def test_a_reply_names_the_event_it_answers():
    content = {
        "msgtype": "m.text",
        "body": "> <@bot:example.org> 💬 Amira: Milch\n\nBis gleich",
        "m.relates_to": {"m.in_reply_to": {"event_id": "$relayed"}},
    }
    assert replied_to(content) == "$relayed"


def test_other_messages_answer_nothing():
    assert replied_to({"msgtype": "m.text", "body": "Hallo"}) is None
    # A thread or an edit relates to an event without answering it.
    assert replied_to({"m.relates_to": {"rel_type": "m.thread", "event_id": "$root"}}) is None
    thread = {"rel_type": "m.thread", "event_id": "$root", "is_falling_back": True}
    assert replied_to({"m.relates_to": {**thread, "m.in_reply_to": {"event_id": "$x"}}}) is None
    assert replied_to({"m.relates_to": {"m.in_reply_to": "$bad"}}) is None
    assert replied_to({"m.relates_to": {"m.in_reply_to": {"event_id": 5}}}) is None
    assert replied_to({"m.relates_to": []}) is None
