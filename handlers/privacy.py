"""The privacy notice and the user's data rights: see everything (/mydata), erase it (/delete).

Button data (``delete:…``, also before consent), each action its own callback: ``yes``
(erase the account), ``no`` (keep it). No states of its own.
"""

from __future__ import annotations

import json
from datetime import datetime

from markupsafe import Markup

from db import Database
from handlers import ui
from handlers.context import Backstage, Context
from handlers.model import Button, Document
from handlers.router import Router
from handlers.settings import HandlerSettings
from locales import N_


def privacy_notice(ctx: Context) -> Markup:
    t = ctx.t
    days = ctx.settings.inactive_account_days
    return Markup("\n\n").join(
        [
            t.t("🔒 <b>Privacy notice</b>"),
            t.t(
                "<b>What we store:</b> your user number in this chat app, the language you "
                "chose, your role (resident, volunteer or coordinator) and when you last wrote "
                "to the bot. Later also what you write in help requests. Never your phone "
                "number, never your exact address."
            ),
            t.t(
                "<b>Why:</b> to answer you in your language and to connect neighbours who want "
                "to help each other in {city}.",
                city=ctx.settings.city,
            ),
            t.tn(
                "<b>How long:</b> as long as you use the bot. If you do not write for {n} day, "
                "everything is deleted automatically.",
                "<b>How long:</b> as long as you use the bot. If you do not write for {n} days, "
                "everything is deleted automatically.",
                days,
            ),
            t.t(
                "<b>Your rights:</b> /mydata shows everything we store about you, /delete erases "
                "it at any time."
            ),
        ]
    )


async def erase_account(ctx: Context, router: Router, why: str) -> None:
    """The one way an account goes: each feature first closes what would otherwise be left
    hanging (open requests, a running contact), then the account is deleted."""
    for eraser in router.erasers:
        await eraser(ctx, ctx.user, why)
    await ctx.erase_user()


async def erase_inactive(
    db: Database, settings: HandlerSettings, router: Router, seen_before: datetime
) -> int:
    """The retention promise of the privacy notice: accounts silent since ``seen_before``
    go the same way as with /delete (what they had running ends, partners and coordinators
    are told); each in its own transaction. Returns how many went."""
    erased = 0
    for user in await db.users.inactive(seen_before):
        async with db.transaction():
            scene = Backstage(db, settings)
            for eraser in router.erasers:
                await eraser(scene, user, "deleted")
            await db.users.delete(user.id)
        erased += 1
    return erased


def register(router: Router) -> None:
    @router.command("privacy", N_("Read the privacy notice"), before_consent=True)
    async def show_notice(ctx: Context) -> None:
        ctx.reply(privacy_notice(ctx), ui.back_to_menu(ctx))

    @router.command("mydata", N_("Download everything stored about you"))
    async def my_data(ctx: Context) -> None:
        data = await ctx.db.users.export(ctx.user.id) or {}
        for name, exporter in router.exporters.items():
            data[name] = await exporter(ctx)
        content = json.dumps(data, ensure_ascii=False, indent=2).encode("utf-8")
        ctx.send(
            Document(
                filename="nachbarbot-my-data.json",
                content=content,
                caption=ctx.t.t("📄 This is everything we store about you."),
                mime_type="application/json",
            )
        )

    @router.command("delete", N_("Delete all your data"), before_consent=True)
    async def ask_delete(ctx: Context) -> None:
        ctx.reply(
            ctx.t.t(
                "🗑 <b>Delete all your data?</b>\nThis cannot be undone. The bot will forget "
                "your language and settings."
            ),
            [
                [
                    Button("🗑 " + ctx.t._("Yes, delete everything"), "delete:yes"),
                    Button("↩️ " + ctx.t._("No, keep it"), "delete:no"),
                ]
            ],
        )

    @router.action("delete", "yes", before_consent=True)
    async def confirm_delete(ctx: Context) -> None:
        await erase_account(ctx, router, "deleted")
        ctx.reply(
            ctx.t.t(
                "✅ All your data has been deleted. If you write again, you start "
                "from the beginning."
            ),
            edit=True,
        )

    @router.action("delete", "no", before_consent=True)
    async def keep_data(ctx: Context) -> None:
        ctx.reply(ctx.t.t("👍 Nothing was deleted."), ui.back_to_menu(ctx), edit=True)
