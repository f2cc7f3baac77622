"""The route of an update in the coordinators' group: only backchannel commands and buttons
exist there; other messages are conversation between people and are left alone (the
dispatcher makes no one's row for them).

No button data, no states.
"""

from __future__ import annotations

from handlers.context import Context
from handlers.messages import ButtonPress, Command, Edited
from handlers.router import Router
from handlers.updates.private import EDITS_NOT_SEEN, allowed, press


async def route(ctx: Context, router: Router) -> None:
    """What answers a command, a press or a corrected command in the group."""
    event = ctx.incoming.event
    if isinstance(event, Command):
        spec = router.commands.get(event.name.lower())
        if spec is None or not spec.backchannel:
            # A short answer, without the main menu: its buttons do nothing here.
            ctx.reply(
                ctx.t.t(
                    "🤔 {command} does not work in this group. Here: {commands}",
                    command="/" + event.name[:40],
                    commands=" ".join(
                        "/" + name
                        for name, command in sorted(router.commands.items())
                        if command.backchannel
                    ),
                )
            )
            return
        if allowed(ctx, spec.role):
            await spec.callback(ctx)
    elif isinstance(event, ButtonPress):
        found = router.find_button(event.data)
        if found is None or not found[0].backchannel:
            ctx.stale()
        button, ctx.args = found
        if allowed(ctx, button.role):
            await press(ctx, button)
    elif isinstance(event, Edited) and event.text.startswith("/"):
        # A command corrected after it was sent (the group's talk is left alone).
        ctx.reply(ctx.t.t(EDITS_NOT_SEEN))
