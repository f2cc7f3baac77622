"""The settings screen: language, privacy notice, own data.

Button data (``settings:…``, one callback: each button does what the command of the same
name does): ``language``, ``privacy``, ``mydata``, ``delete``. An unknown one is answered
with the settings screen again. No states of its own.
"""

from __future__ import annotations

from handlers import ui
from handlers.context import Context
from handlers.model import Button
from handlers.router import Router
from locales import N_, language_name


async def show_settings(ctx: Context) -> None:
    t = ctx.t
    ctx.reply(
        t.t("⚙️ <b>Settings</b>")
        + "\n"
        + t.t("Language: {language}", language=language_name(t.lang)),
        [
            [Button("🌐 " + t._("Change language"), "settings:language")],
            [
                Button("🔒 " + t._("Privacy notice"), "settings:privacy"),
                Button("📄 " + t._("My data"), "settings:mydata"),
            ],
            [Button("🗑 " + t._("Delete my data"), "settings:delete")],
            *ui.back_to_menu(ctx),
        ],
    )


def register(router: Router) -> None:
    router.menu_action("settings")(show_settings)

    @router.command("settings", N_("Language and your data"))
    async def settings_command(ctx: Context) -> None:
        await show_settings(ctx)

    # Each settings button does what the command of the same name does.
    shortcuts = {"language", "privacy", "mydata", "delete"}

    @router.button("settings")
    async def settings_button(ctx: Context) -> None:
        if ctx.args not in shortcuts:
            ctx.send(ui.no_longer_valid(ctx))
            await show_settings(ctx)
            return
        await router.commands[ctx.args].callback(ctx)
