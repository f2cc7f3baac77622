"""/help: every command, explained in the user's language."""

from __future__ import annotations

from markupsafe import Markup

from handlers import ui
from handlers.context import Context
from handlers.router import Router
from locales import N_


def register(router: Router) -> None:
    @router.command("help", N_("Explain what the bot can do"), before_consent=True)
    async def show_help(ctx: Context) -> None:
        lines = [ctx.t.t("ℹ️ <b>What I can do</b>"), Markup("")]
        for spec in router.commands.values():
            if spec.role and not (ctx.user.has_role(spec.role) or ctx.user.has_role("admin")):
                continue
            lines.append(
                ctx.t.format(
                    "{command} - {description}",
                    command="/" + spec.name,
                    description=ctx.t._(spec.description),
                )
            )
        lines += [
            Markup(""),
            ctx.t.t(
                "Most things also work with the buttons under my messages. You can change the "
                "language at any time with /language."
            ),
        ]
        ctx.reply(Markup("\n").join(lines), ui.back_to_menu(ctx))
