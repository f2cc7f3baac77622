"""Reports to the coordinators about a request or a contact: from a volunteer who was offered
the request, or from either side of a contact. One report per person and request: repeated
reports only flooded the backchannel, so a second one is answered but not posted again.

Reports are grouped: the backchannel holds one post per request with every report about it.
A new report about a request already reported replaces the earlier post (deleted through the
outbox, where the group's transport can change a sent message: the channel's ``edits``) with
one that lists them all ("⚠️ 2 reports about request #12"), posted anew so that the group
is notified as for any report. The posts are kept in ``notices`` (kind ``report``, subject
``request:<id>``). Where the group's transport cannot change a message, each report is
posted on its own, as before.

State: ``relay.report`` (waiting for the report's text; the previous step is restored after).
"""

from __future__ import annotations

from typing import Any

from markupsafe import Markup

from db.requests import HelpRequest
from handlers.context import Context
from handlers.messages import Message
from handlers.router import WRITTEN_LIMIT, Router
from handlers.text_safety import clean_text, quoted
from locales import Translator

STATE = "relay.report"
# The kind of ``notices`` that holds a request's post of reports.
NOTICE = "report"


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
    text = clean_text(text)
    if await ctx.db.relay.report(ctx.user.id, _subject(request_id), text):
        await ctx.db.requests.audit(ctx.user.id, "report", _subject(request_id))
        await _post(ctx, request_id)
    back: dict[str, Any] | None = state.data.get("back")
    if back:
        ctx.set_state(back["state"], back["data"])
    else:
        ctx.clear_state()
    ctx.reply(ctx.t.t("✅ Thank you. The coordinators will look into it."))


async def _post(ctx: Context, request_id: int) -> None:
    """Post the reports about the request: one post with all of them, in place of the
    earlier one where the group's transport can remove it."""
    subject = _subject(request_id)
    earlier = await ctx.db.relay.notice_posts(NOTICE, subject)
    reports = await ctx.db.relay.reports_about(subject)
    removable = []
    for outbox_id in earlier:
        target = await ctx.db.outbox.target(outbox_id)
        if target is not None and ctx.settings.channels.edits(target[0]):
            removable.append(outbox_id)
    if earlier and len(removable) == len(earlier):
        for outbox_id in removable:
            await ctx.mail.delete(outbox_id)
    else:
        # Nothing to replace (the first report, or a group that cannot lose a post): the
        # new report alone.
        reports = reports[-1:]
    about = [who for who, _ in reports]
    posted = await ctx.mail.to_backchannel(
        lambda t: Message(_grouped(t, request_id, reports)), about=about
    )
    await ctx.db.relay.drop_notice_posts(NOTICE, subject)
    for outbox_id in posted:
        await ctx.db.relay.add_notice_post(NOTICE, subject, outbox_id)


def _grouped(t: Translator, request_id: int, reports: list[tuple[int | None, str]]) -> Markup:
    """One report as ever; several under one heading, each with its reporter."""
    if len(reports) == 1:
        who, reason = reports[0]
        return (
            t.t(
                "⚠️ <b>Report</b> about request #{id} from user {user_id}:",
                id=request_id,
                user_id=who if who is not None else "?",
            )
            + "\n"
            + quoted(t, reason)
        )
    lines = [
        t.tn(
            "⚠️ <b>{n} report</b> about request #{id}:",
            "⚠️ <b>{n} reports</b> about request #{id}:",
            len(reports),
            id=request_id,
        )
    ]
    for who, reason in reports:
        heading = (
            t.t("From user {user_id}:", user_id=who)
            if who is not None
            else t.t("From a person whose account was deleted:")
        )
        lines.append(heading + "\n" + quoted(t, reason))
    return Markup("\n\n").join(lines)


def register(router: Router) -> None:
    router.state(STATE)(_report_text)
    # A few words, "what happened": a longer report the dispatcher refuses, never cut.
    router.limit_input(STATE, WRITTEN_LIMIT)
