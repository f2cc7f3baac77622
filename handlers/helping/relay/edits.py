"""Acknowledgements, corrections and take-backs of what the relay passed on.

The relay (``relay/chat.py``) answers a passed-on message with a quiet acknowledgement: a 👌
reaction on the writer's own message (where a transport has no reactions, a short tick), not
a text. It remembers which outbox rows carry the message to the partner (``relay_copies``),
by the writer's message id, so that afterwards:

- an edited text (a Telegram edit, a Matrix ``m.replace``: the ``Edited`` event) is passed on
  as a correction: the partner's copy is edited in place (marked ✏️, keeping its buttons
  if it is still the contact's newest message: newest_buttons.py),
  and when that copy went out more than a moment ago (the partner may have read it; an edit
  makes no sound) or cannot be edited any more, a new message "✏️ NAME corrected: …"
  follows;
- ``/undo`` (``!undo`` on Matrix) takes back the writer's newest relayed message of the last
  day, and a Matrix redaction (the ``Removed`` event) the redacted one: the partner's copies
  are deleted (Telegram ``deleteMessage``, a redaction of the bot's own event on Matrix),
  what the outbox held of them is cleared and the stored text is gone. Telegram does not
  tell bots about deleted messages, hence the command; after a relayed text with a phone
  number the writer is reminded of it.

Taking back needs no running contact: these are the writer's own words. A correction does.
By text (a sender can be forged) ``/undo`` waits for the code texted to the number, unless
it texted a right one within the last half hour, as the message itself did
(handlers/numbers/coded_acts.py, the held act ``relay.undo``; the text in code_texts.py).

Commands: ``/undo``. Events: ``Edited``, ``Removed`` (``router.amendments``). No buttons,
no states.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any

from markupsafe import Markup

from db.clock import to_text
from db.relay import Relayed
from db.request_states import MATCHED
from db.users import User
from handlers import ui
from handlers.context import Context
from handlers.helping import code_texts, newest_buttons
from handlers.helping.languages import shown_to
from handlers.helping.warnings import has_phone_number
from handlers.messages import Edited, Event, Message, React, Removed, Text, decode
from handlers.numbers import coded_acts
from handlers.router import Router
from handlers.text_safety import clean_text
from locales import N_, Translator

# A standard Telegram reaction, understood without reading.
ACKNOWLEDGED = "👌"
# How long after writing a message its writer can still take it back with /undo (Telegram
# lets a bot delete its messages for 48 hours).
UNDO_WINDOW = timedelta(hours=24)
# A copy corrected within this time is only edited: the partner has hardly read it yet.
QUIET_CORRECTION = timedelta(minutes=2)


async def passed_on(ctx: Context, source: str | None, event: Event) -> None:
    """The relay queued the copies of the acting person's message ``source`` (``event``;
    the message may be an earlier one, kept while the person chose the contact): remember
    them and acknowledge it."""
    if source is None:
        # A transport that does not name messages: neither reactions nor edits.
        ctx.toast(ctx.t._("Passed on."))
        return
    await ctx.db.relay.add_copies(ctx.user.id, source, ctx.mail.queued_ids)
    ctx.send(React(source, ACKNOWLEDGED))
    if isinstance(event, Text) and has_phone_number(event.text):
        ctx.reply(
            ctx.t.t(
                "📞 You passed on a phone number. If that was a mistake, send /undo to "
                "take it back."
            )
        )


async def _amended(ctx: Context) -> bool:
    """An edit or deletion of one of the person's relayed messages; False for any other."""
    event = ctx.incoming.event
    if not isinstance(event, Edited | Removed):
        return False
    item = await ctx.db.relay.relayed(ctx.user.id, event.message_id)
    if item is None:
        return False
    if isinstance(event, Removed):
        await _take_back(ctx, item)
    else:
        await _correct(ctx, item, event)
    return True


async def _correct(ctx: Context, item: Relayed, event: Edited) -> None:
    t = ctx.t
    request = await ctx.db.requests.get(item.request_id)
    if (
        request is None
        or request.state != MATCHED
        or ctx.user.id not in (request.requester_id, request.volunteer_id)
        or ctx.user.banned_at
    ):
        ctx.reply(t.t("ℹ️ This contact has ended, so the correction was not passed on."))
        return
    text = clean_text(event.text)
    if item.kind != "text" or not text:
        ctx.reply(t.t("✍️ Please send a text."))
        return
    partner_id = (
        request.volunteer_id if ctx.user.id == request.requester_id else request.requester_id
    )
    partner = await ctx.mail.reachable(partner_id)
    if partner is None:
        ctx.reply(t.t("😔 The other person cannot be reached in the chat any more."))
        return
    if text != item.text:
        await ctx.db.relay.correct_relay(item.id, text)
        await ctx.db.translations.forget_text(ctx.user.id, item.text)
        name = ctx.user.first_name or "?"
        shown = await shown_to(ctx, ctx.user, request, partner, text, switch_off=True)
        edited, fresh = await _edit_copy(ctx, item, event, partner, name, shown)
        if not (edited and fresh):
            await ctx.mail.to_user(
                partner,
                lambda pt: Message(
                    pt.t("✏️ <b>{name}</b> corrected:\n{text}", name=name, text=shown(pt)),
                    typed_choices=False,
                ),
                about=[ctx.user.id],
            )
            await ctx.db.relay.add_copies(ctx.user.id, event.message_id, ctx.mail.queued_ids[-1:])
    # Telegram names the edited message itself; Matrix the event that replaced it.
    ctx.send(React(ctx.incoming.message_id or event.message_id, ACKNOWLEDGED))


async def _edit_copy(
    ctx: Context,
    item: Relayed,
    event: Edited,
    partner: User,
    name: str,
    shown: Callable[[Translator], Markup],
) -> tuple[bool, bool]:
    """Edit the partner's copy in place, with the buttons it had. (edited, and whether the
    copy is so new that the edit alone will do)."""
    if not item.copies:
        return False, False
    original = item.copies[0]
    sent = await ctx.db.outbox.sent(original)
    # An empty payload: the copy's content was cleared after delivery (it is old).
    if sent is None or sent.failed_at or sent.payload.get("type") != "Message":
        return False, False
    copy = decode(sent.payload)
    # The buttons it had, without the one a translation added at delivery (it comes back
    # if the correction is translated too) - unless a newer message carries the contact's
    # buttons now (newest_buttons.py).
    buttons = copy.buttons if isinstance(copy, Message) else []
    carries = await newest_buttons.carries(
        ctx, partner, item.request_id, (*item.copies, *item.edits)
    )
    buttons = buttons if carries else []
    edited = await ctx.mail.edit(
        original,
        lambda pt: Message(pt.t("✏️ <b>{name}</b>: {text}", name=name, text=shown(pt)), buttons),
        partner,
        about=[ctx.user.id],
    )
    if not edited:
        return False, False
    correction = ctx.mail.queued_ids[-1:]
    await ctx.db.relay.add_copies(ctx.user.id, event.message_id, correction, edit=True)
    if buttons and correction:
        await newest_buttons.corrected(
            ctx, partner, item.request_id, (*item.copies, *item.edits), correction[0]
        )
    fresh = sent.sent_at is None or datetime.now(UTC) - _parsed(sent.sent_at) < QUIET_CORRECTION
    return True, fresh


def _parsed(stored: str) -> datetime:
    return datetime.fromisoformat(stored.replace("Z", "+00:00"))


async def _take_back(ctx: Context, item: Relayed) -> None:
    """The partner's copies go, and every trace of the text with them."""
    for outbox_id in item.copies:
        await ctx.mail.delete(outbox_id)
    await ctx.db.outbox.forget([*item.copies, *item.edits])
    await ctx.db.relay.take_back(item.id)
    await ctx.db.translations.forget_text(ctx.user.id, item.text)
    if not item.copies:
        return  # relayed before copies were remembered: only the stored text could go
    ctx.reply(ctx.t.t("↩️ Taken back. The other person no longer sees this message."))


# By text (a sender can be forged) taking back waits for the number's code, as the message
# did: a forger would otherwise take back "I am not at home today", and the helper come.
UNDO_HELD = "relay.undo"


async def _undo(ctx: Context) -> None:
    item = await _newest(ctx)
    if item is not None and await coded_acts.held(
        ctx, UNDO_HELD, {"id": item.id}, lambda t, code: t.t(code_texts.UNDO, code=code)
    ):
        return
    await _undo_item(ctx, item)


async def _undo_by_code(ctx: Context, data: dict[str, Any]) -> None:
    """The held ``/undo``: the message it was asked for, if it is still the newest."""
    item = await _newest(ctx)
    await _undo_item(ctx, item if item is not None and item.id == data["id"] else None)


async def _newest(ctx: Context) -> Relayed | None:
    since = to_text(datetime.now(UTC) - UNDO_WINDOW)
    return await ctx.db.relay.last_relayed(ctx.user.id, since)


async def _undo_item(ctx: Context, item: Relayed | None) -> None:
    if item is None:
        ctx.reply(
            ctx.t.t(
                "ℹ️ There is nothing to take back. Only messages you sent through me "
                "within the last day can be taken back."
            ),
            ui.back_to_menu(ctx),
        )
        return
    await _take_back(ctx, item)


def register(router: Router) -> None:
    router.command("undo", N_("Take back your last message to your contact"))(_undo)
    router.confirmed[UNDO_HELD] = _undo_by_code
    router.amendments.append(_amended)
