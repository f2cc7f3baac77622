"""Coordinators write to a volunteer through the bot (to arrange the basic training, say),
and the volunteer answers the coordinators: neither learns the other's number, and the
volunteer reads "the coordinators", not a person.

``/write N`` in the backchannel (or ✉️ on a volunteer's notice there) asks the coordinator
in their private chat for the text; it goes to volunteer N with a "↩️ Answer" button, and a
copy to the backchannel. The answer goes to the backchannel. Both steps put the person's
earlier conversation step (a running contact) back when they are done. The coordinator
role is checked when the command or button is used and again when the text is sent; an
answer is taken only from someone the coordinators wrote to. Each side reads the other in
their own language when they may not read the writer's (handlers/language_bridge.py).

Button data: ``wr:to:<user id>`` (coordinators, in the backchannel), ``wr:ans`` (the
volunteer). States: ``wr.text`` (the coordinator's text, data ``user_id``), ``wr.answer``
(the volunteer's answer); both keep the step they interrupted under ``back``.
Commands: /write N.
"""

from __future__ import annotations

from typing import Any

from db.users import User
from handlers import ui
from handlers.context import Context
from handlers.helping import lifecycle
from handlers.helping.languages import shown_to, shown_to_coordinators
from handlers.helping.render import someone, write_button
from handlers.messages import Button, ButtonPress, Message
from handlers.router import WRITTEN_LIMIT, Router
from handlers.staff import COORDINATOR, is_staff, refusal
from handlers.text_safety import quoted
from locales import N_, Translator

ROLE = "coordinator"
# The volunteer's answers are taken only after the coordinators wrote to them.
NOTICE = "letter"


def _interrupted(ctx: Context) -> list[Any] | None:
    """The step the acting person is in, to go back to afterwards."""
    state = ctx.get_state()
    if state is None or state.state.startswith("wr."):
        return None
    return [state.state, state.data]


def _go_back(ctx: Context, data: dict[str, Any]) -> None:
    back = data.get("back")
    if isinstance(back, list) and len(back) == 2 and isinstance(back[0], str):
        ctx.set_state(back[0], back[1] if isinstance(back[1], dict) else {})
    else:
        ctx.clear_state()


async def _volunteer(ctx: Context, user_id: int | None) -> User | None:
    """A registered volunteer who can get a message."""
    if user_id is None or await ctx.db.volunteers.get(user_id) is None:
        return None
    return await ctx.mail.reachable(user_id, consented=True)


async def _start(ctx: Context, user_id: int | None) -> None:
    """Ask the coordinator for the text, in their private chat."""
    button = isinstance(ctx.incoming.event, ButtonPress)
    volunteer = await _volunteer(ctx, user_id)
    if volunteer is None:
        if button:
            ctx.stale()
        ctx.reply(
            ctx.t.t("Please name the number of a registered volunteer, for example: /write 17")
        )
        return
    if not ctx.user.chat_id:
        if button:
            ctx.toast(ctx.t._("Please start a private chat with the bot first."), alert=True)
        else:
            ctx.reply(ctx.t.t("Please start a private chat with the bot first."))
        return
    await ctx.set_state_of(
        ctx.user.id, "wr.text", {"user_id": volunteer.id, "back": _interrupted(ctx)}
    )

    def prompt(t: Translator) -> Message:
        return Message(
            t.t(
                "✉️ Please send your message for volunteer {name} (user {user_id}). It "
                "reaches them from the coordinators, without your name or number.",
                name=volunteer.first_name or "?",
                user_id=volunteer.id,
            )
        )

    if ctx.incoming.is_private:
        ctx.send(prompt(ctx.t))
        return
    await ctx.mail.to_user(ctx.user, prompt)
    if button:
        ctx.toast(ctx.t._("I have written to you in a private chat."))
    else:
        ctx.reply(ctx.t.t("✉️ I have written to you in a private chat."))


async def _write_command(ctx: Context) -> None:
    await _start(ctx, ctx.number_argument())


async def _write_button(ctx: Context) -> None:
    await _start(ctx, ctx.id_arg())


async def _letter(ctx: Context) -> None:
    """The coordinator's text: to the volunteer, and a copy to the backchannel."""
    got = await ctx.expect_text()
    if got is None:
        return
    state, text = got
    _go_back(ctx, state.data)
    volunteer = await _volunteer(ctx, int(state.data["user_id"]))
    if not is_staff(ctx.user):
        # The role was taken away (or the account blocked) since /write: said so.
        ctx.reply(ctx.t.t(refusal(ctx.user, COORDINATOR)), ui.back_to_menu(ctx))
        return
    if volunteer is None:
        ctx.reply(ctx.t.t(lifecycle.CANNOT_CHANGE), ui.back_to_menu(ctx))
        return
    # In the volunteer's language if they may not read the coordinator's.
    letter = await shown_to(ctx, ctx.user, None, volunteer, text)
    outbox_id = await ctx.mail.to_user(
        volunteer,
        lambda t: Message(
            t.t("✉️ <b>A message from the coordinators:</b>") + "\n" + letter(t),
            [[Button("↩️ " + t._("Answer"), "wr:ans")]],
            typed_choices=False,
        ),
        about=[ctx.user.id],
    )
    if outbox_id is not None:
        await ctx.db.relay.add_notice_post(NOTICE, f"user:{volunteer.id}", outbox_id)
    await ctx.mail.to_backchannel(
        lambda t: Message(
            t.t(
                "✉️ {name} wrote to volunteer {volunteer}:",
                name=ctx.user.first_name or "?",
                volunteer=someone(t, volunteer),
            )
            + "\n"
            + quoted(t, text)
        ),
        about=[ctx.user.id, volunteer.id],
    )
    await ctx.db.requests.audit(ctx.user.id, "volunteer.letter", f"user:{volunteer.id}")
    ctx.reply(
        ctx.t.t(
            "✅ Your message was sent to volunteer {volunteer}.",
            volunteer=someone(ctx.t, volunteer),
        )
    )


async def _ask_answer(ctx: Context) -> None:
    if not await ctx.db.relay.notice_posts(NOTICE, f"user:{ctx.user.id}"):
        ctx.stale()
    ctx.set_state("wr.answer", {"back": _interrupted(ctx)})
    ctx.reply(ctx.t.t("↩️ Please write your answer for the coordinators."))


async def _answer(ctx: Context) -> None:
    got = await ctx.expect_text()
    if got is None:
        return
    state, text = got
    _go_back(ctx, state.data)
    name = ctx.user.first_name or "?"
    answer = await shown_to_coordinators(ctx, ctx.user, None, text)
    await ctx.mail.to_backchannel(
        lambda t: Message(
            t.t("💬 Answer from volunteer {name} (user {user_id}):", name=name, user_id=ctx.user.id)
            + "\n"
            + answer(t),
            [[write_button(t, ctx.user.id)]],
            typed_choices=False,
        ),
        about=[ctx.user.id],
    )
    ctx.reply(ctx.t.t("✅ Thank you, your answer was passed on."), ui.back_to_menu(ctx))


def register(router: Router) -> None:
    router.command("write", N_("Write to a volunteer (coordinators)"), role=ROLE, backchannel=True)(
        _write_command
    )
    router.action("wr", "to", role=ROLE, backchannel=True)(_write_button)
    router.action("wr", "ans")(_ask_answer)
    router.state("wr.text")(_letter)
    router.state("wr.answer")(_answer)
    # A longer letter or answer the dispatcher refuses, the step kept for the shorter one.
    router.limit_input("wr.text", WRITTEN_LIMIT)
    router.limit_input("wr.answer", WRITTEN_LIMIT)
