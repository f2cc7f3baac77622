"""The main menu and where its buttons lead.

Button data (``menu:…``, one callback: the part after ``menu:`` is a menu key, not an
action): ``main`` (the main menu) and each feature's entry registered with
``router.menu_action`` (``places``, ``help``, ``settings`` ...); every one ends the current
conversation. An unknown key is answered with the main menu. No states of its own.
``menu:main`` keeps nothing of a person (``Router.keeps_nothing``): on the phone it works
before consent (handlers/first_kept.py); an entry says so where it registers.
Features add rows at the top of the main menu with ``router.menu_sections`` (a running
contact's "💬 Write to …").
"""

from __future__ import annotations

from markupsafe import Markup

from handlers import ui
from handlers.context import Context
from handlers.router import Router
from locales import N_


async def show_main_menu(
    ctx: Context, *, greeting: bool = False, note: Markup | None = None
) -> None:
    """The main menu; ``note``, a line for this time (handlers/first_text.py), first."""
    text = ctx.t.t("🏠 <b>Main menu</b> - what would you like to do?")
    if note is not None:
        text = note + "\n\n" + text
    if greeting:
        text = (
            ctx.t.t(
                "👋 Welcome! I am the neighbourhood bot for {city}.",
                city=ctx.city,
            )
            + "\n\n"
            + text
        )
    extra = [row for section in ctx.menu_sections for row in await section(ctx)]
    ctx.send(ui.main_menu(ctx, text, extra))


def register(router: Router) -> None:
    @router.command("menu", N_("Show the main menu"), unchecked=True)
    async def menu_command(ctx: Context) -> None:
        ctx.clear_state()
        await show_main_menu(ctx)

    # The main menu itself keeps nothing (handlers/first_kept.py); its entries say each.
    router.keeps_nothing.update({"menu:main", "/menu"})
    # And shows the same to everyone: a call that has not proven its number may see it.
    router.unchecked.add("menu:main")

    @router.button("menu")
    async def menu_button(ctx: Context) -> None:
        if ctx.args == "main":
            ctx.clear_state()
            await show_main_menu(ctx)
            return
        action = router.menu_actions.get(ctx.args)
        if action is not None:
            ctx.clear_state()
            await action(ctx)
        else:
            ctx.send(ui.no_longer_valid(ctx))
            await show_main_menu(ctx)
