"""/cancel: ends what the person is in the middle of, as the step's ✖️ Cancel button does.

No button data and no states of its own. In a form's step, the form's own Cancel runs (the
``…:cancel`` action registered for that state: its own words, e.g. "Nothing was sent");
in any other conversation state the state ends ("Nothing was changed": nothing of a state
is kept before its step is answered); with none, the main menu, which is what there is to
go back to. People type /cancel in the middle of a form because chat bots answer it so
(python-telegram-bot's conversations end on it); before, it was "unknown command"."""

from __future__ import annotations

from handlers import ui
from handlers.context import Context
from handlers.menu import show_main_menu
from handlers.router import Router
from handlers.staff import holds
from locales import N_


def register(router: Router) -> None:
    @router.command("cancel", N_("Cancel what you are doing"))
    async def cancel(ctx: Context) -> None:
        state = ctx.get_state()
        if state is None:
            await show_main_menu(ctx)
            return
        for key, spec in router.buttons.items():
            if (
                key.endswith(":cancel")
                and spec.states is not None
                and spec.valid_in(state.state)
                and holds(ctx.user, spec.role)
            ):
                await spec.callback(ctx)
                return
        ctx.clear_state()
        ctx.reply(ctx.t.t("✖️ Cancelled. Nothing was changed."), ui.back_to_menu(ctx))
