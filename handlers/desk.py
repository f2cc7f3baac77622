"""``/desk``: a coordinator's one-time login link to the web desk.

Only in a private chat, only for coordinators and admins (the router checks the role; the
desk checks it again on every page). The link works once, for ten minutes
(db/desk.py); opening it shows a button, so a link preview cannot spend it.
"""

from __future__ import annotations

from datetime import UTC, datetime

from markupsafe import Markup

from handlers.context import Context
from handlers.router import Router
from locales import N_


async def _desk(ctx: Context) -> None:
    base = ctx.settings.web_url
    if not base:
        ctx.reply(ctx.t.t("😔 The web desk is not switched on for this bot."))
        return
    token = await ctx.db.desk.issue_login(ctx.user.id, datetime.now(UTC))
    await ctx.db.requests.audit(ctx.user.id, "desk.link", f"user:{ctx.user.id}")
    ctx.reply(
        ctx.t.t("🖥 Your link to the desk:")
        + "\n"
        # Built apart from the translated text: an isolate mark inside a link breaks it.
        + Markup('<a href="{0}">{0}</a>').format(f"{base}/desk/login/{token}")
        + "\n\n"
        + ctx.t.t("It works once, for 10 minutes. Do not pass it on.")
    )


def register(router: Router) -> None:
    router.command("desk", N_("Log in to the web desk (coordinators)"), role="coordinator")(_desk)
