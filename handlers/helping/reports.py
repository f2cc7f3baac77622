"""Reports to the coordinators about a request or a contact: from a volunteer who was offered
the request, or from either side of a contact. One report per person and request: repeated
reports only flooded the backchannel, so a second one is answered but not posted again.

State: ``relay.report`` (waiting for the report's text; the previous step is restored after).
"""

from __future__ import annotations

from typing import Any

from db.requests import HelpRequest
from handlers.context import Context
from handlers.messages import Message
from handlers.router import Router
from handlers.text_safety import clean_text, quoted

STATE = "relay.report"


def _subject(request_id: int) -> str:
    return f"request:{request_id}"


async def ask_for_report(ctx: Context, request: HelpRequest) -> None:
    """Ask what happened (the caller has checked the person is part of the request)."""
    t = ctx.t
    if await ctx.db.relay.has_reported(ctx.user.id, _subject(request.id)):
        ctx.reply(t.t("✅ Thank you. The coordinators will look into it."))
        return
    previous = ctx.get_state()
    back: dict[str, Any] | None = (
        None if previous is None else {"state": previous.state, "data": previous.data}
    )
    ctx.set_state(STATE, {"request_id": request.id, "back": back})
    ctx.reply(t.t("⚠️ What happened? Please write a few words. Only the coordinators will read it."))


async def _report_text(ctx: Context) -> None:
    got = await ctx.expect_text()
    if got is None:
        return
    state, text = got
    request_id = int(state.data["request_id"])
    text = clean_text(text)[:1000]
    if await ctx.db.relay.report(ctx.user.id, _subject(request_id), text):
        await ctx.db.requests.audit(ctx.user.id, "report", _subject(request_id))
        await ctx.mail.to_backchannel(
            lambda t: Message(
                t.t(
                    "⚠️ <b>Report</b> about request #{id} from user {user_id}:",
                    id=request_id,
                    user_id=ctx.user.id,
                )
                + "\n"
                + quoted(t, text)
            ),
            about=[ctx.user.id],
        )
    back: dict[str, Any] | None = state.data.get("back")
    if back:
        ctx.set_state(back["state"], back["data"])
    else:
        ctx.clear_state()
    ctx.reply(ctx.t.t("✅ Thank you. The coordinators will look into it."))


def register(router: Router) -> None:
    router.state(STATE)(_report_text)
