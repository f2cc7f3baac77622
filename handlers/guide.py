"""/help: a few short lines and icon-led buttons to the main features; every command one tap
further.

Button data (``guide:…``), each action its own callback, all usable before the privacy
notice was accepted (the feature buttons lead through ``menu:…``, which asks for consent
first): ``language`` (as /language), ``privacy`` (as /privacy), ``all`` (every command the
person may use); ``staff`` (role coordinator, or admin: their own commands). No states.
"""

from __future__ import annotations

from markupsafe import Markup

from handlers import ui
from handlers.context import Context
from handlers.messages import Button
from handlers.router import CommandSpec, Router
from handlers.staff import holds, is_staff
from locales import N_

# The main menu's features that /help leads to (settings are reached by language/privacy).
FEATURES = ("places", "help", "volunteer", "events")


def _may_use(ctx: Context, spec: CommandSpec) -> bool:
    return holds(ctx.user, spec.role)


def _is_staff(ctx: Context) -> bool:
    return is_staff(ctx.user)


def _command_lines(ctx: Context, specs: list[CommandSpec]) -> list[Markup]:
    return [
        ctx.t.format(
            "{command} - {description}",
            command="/" + spec.name,
            description=ctx.t._(spec.description),
        )
        for spec in specs
    ]


def register(router: Router) -> None:
    @router.command("help", N_("Explain what the bot can do"), before_consent=True, unchecked=True)
    async def show_help(ctx: Context) -> None:
        t = ctx.t
        features = [
            Button(f"{icon} {t._(label)}", f"menu:{key}")
            for key, icon, label in ui.MAIN_MENU
            if key in FEATURES
        ]
        buttons = ui.rows(features)
        buttons.append(
            [
                Button("🌐 " + t._("Change language"), "guide:language"),
                Button("🔒 " + t._("Privacy notice"), "guide:privacy"),
            ]
        )
        extra = [Button("📋 " + t._("All commands"), "guide:all")]
        if _is_staff(ctx):
            extra.append(Button("🛠 " + t._("Coordinator commands"), "guide:staff"))
        buttons.append(extra)
        buttons.extend(ui.back_to_menu(ctx))
        lines = [
            t.t("ℹ️ <b>What I can do</b>"),
            t.t("Find places and events, ask neighbours for help, or help others."),
            t.t("👇 Tap a button. /menu always brings you back."),
        ]
        ctx.reply(Markup("\n").join(lines), buttons)

    # The guide shows the same to everyone: a call that has not proven its number may.
    router.unchecked_prefix("guide")

    @router.action("guide", "language", before_consent=True)
    async def language(ctx: Context) -> None:
        await router.commands["language"].callback(ctx)

    @router.action("guide", "privacy", before_consent=True)
    async def privacy(ctx: Context) -> None:
        await router.commands["privacy"].callback(ctx)

    @router.action("guide", "all", before_consent=True)
    async def all_commands(ctx: Context) -> None:
        specs = [spec for spec in router.commands.values() if spec.role is None]
        lines = [ctx.t.t("📋 <b>All commands</b>"), Markup(""), *_command_lines(ctx, specs)]
        ctx.reply(Markup("\n").join(lines), ui.back_to_menu(ctx))

    # The dispatcher checks the role when the button is pressed: showing it proves nothing.
    @router.action("guide", "staff", role="coordinator")
    async def staff_commands(ctx: Context) -> None:
        specs = [spec for spec in router.commands.values() if spec.role and _may_use(ctx, spec)]
        lines = [
            ctx.t.t("🛠 <b>Coordinator commands</b>"),
            Markup(""),
            *_command_lines(ctx, specs),
        ]
        ctx.reply(Markup("\n").join(lines), ui.back_to_menu(ctx))
