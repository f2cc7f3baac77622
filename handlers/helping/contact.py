"""The contact between a requester and the volunteer who took their request: the words
that open it on both sides (the requester's notice carries the contact's buttons, the
volunteer's reads :func:`matched_text`), and its close - both leave the relay's state
(``RELAY``, relay/chat.py) and are told it ended.

It changes no request's state: lifecycle.py, the one owner of those, calls it when a
request is taken (:func:`open_contact`), handed back, withdrawn or done
(:func:`end_contact`, :func:`tell_contact_ended`).
"""

from __future__ import annotations

from markupsafe import Markup

from db.requests import HelpRequest
from db.users import User
from handlers import ui
from handlers.helping import newest_buttons
from handlers.helping.render import describe, door_code_text, first_name, relay_buttons
from handlers.helping.scene import Scene
from handlers.messages import Message
from locales import Translator

# The conversation state of both sides while their contact stands (relay/chat.py).
RELAY = "relay"


async def open_contact(
    scene: Scene, request: HelpRequest, volunteer: User, requester: User | None
) -> None:
    """Requester and volunteer now talk through the bot: the contact stands until the help
    is done or ended, whatever else either of them does meanwhile (relay/chat.py). The
    volunteer is the one acting; the caller answers them."""
    if requester is None:
        return
    notice = await scene.mail.to_user(
        requester,
        lambda t: Message(
            t.t(
                "🎉 <b>{name} will help you</b> with request #{id}.",
                name=first_name(t, volunteer),
                id=request.id,
            )
            + "\n"
            + t.t(
                "Write your messages here and I will pass them on. Your phone number and "
                "address stay private unless you share them yourself."
            ),
            relay_buttons(t, request.id, first_name(t, volunteer), requester=True),
            typed_choices=False,
        ),
        about=[volunteer.id],
    )
    # The contact's buttons are on this notice until a relayed message carries them.
    await newest_buttons.carried(scene, requester, request.id, notice, writer=volunteer.id)
    # It names the helper: her data too, so her erasure clears it as the notice above.
    await scene.mail.to_user(
        requester,
        lambda t: Message(
            door_code_text(
                t, request.door_code, requester=True, partner_name=first_name(t, volunteer)
            )
        ),
        about=[volunteer.id],
    )


def matched_text(t: Translator, request: HelpRequest, requester: User | None) -> Markup:
    """What the volunteer who took the request reads: the request and how to reach the
    person (through this chat, or the contact a coordinator entered)."""
    text = (
        t.t("🎉 <b>Thank you! You are helping with request #{id}.</b>", id=request.id)
        + "\n\n"
        + describe(t, request)
    )
    if requester is not None and requester.chat_id:
        return (
            text
            + "\n\n"
            + t.t(
                "💬 You can now write to {name} here; I pass your messages on.",
                name=first_name(t, requester),
            )
        )
    if request.offline_contact:
        # Only the matched volunteer sees how to reach someone without a smartphone.
        return (
            text
            + "\n\n"
            + t.t(
                "☎️ The person asking has no chat. Please contact them: {contact}",
                contact=request.offline_contact,
            )
        )
    return text


async def end_contact(scene: Scene, request: HelpRequest) -> None:
    """Both sides of the request's contact leave the relay (if they are still in it)."""
    for user_id in (request.requester_id, request.volunteer_id):
        if user_id is None:
            continue
        state = await scene.state_of(user_id)
        if (
            state is not None
            and state.state == RELAY
            and state.data.get("request_id") == request.id
        ):
            await scene.clear_state_of(user_id)


async def tell_contact_ended(
    scene: Scene, request: HelpRequest, user_id: int | None, message: str
) -> None:
    await scene.mail.to_user(
        user_id, lambda t: Message(t.t(message, id=request.id), ui.back_to_menu_for(t))
    )
