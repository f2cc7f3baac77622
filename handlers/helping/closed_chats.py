"""What follows for help when a person closed their chat with the bot (the happening
``ChatClosed``: they blocked the bot or deleted their account, as the service reported or a
send it refused for good said; handlers/dispatcher.py ``_unreachable`` decides it, once per
closing, so a second report or a storm of refused sends changes nothing).

- The offers they had not answered count as "not this time", as if pressed, so that no wave
  waits for them until its time-out (the next goes at once once the whole wave said no).
- A request they had taken is handed back through the lifecycle (``BY_UNREACHABLE``): the
  requester reads that their helper can no longer be reached and that the bot looks for
  someone else, the coordinators read why, and it is offered again - never to them.
- Their own requests still running are withdrawn: the bot is the only way to them (numbers
  stay hidden), so nobody could agree a time with them or give them the code word, and a
  helper must not set out to someone nobody can reach. Their helper reads not to go, the
  coordinators read why; they may enter it again if they know another way to the person.

Nothing is undone when they write again (their next update gives the chat back): what was
handed back or withdrawn stays so; they may ask again or take other requests.
"""

from __future__ import annotations

from handlers.channels import ChatClosed
from handlers.context import Backstage
from handlers.helping import lifecycle
from handlers.helping.matching import offer_fanout
from handlers.router import Router


async def _closed(scene: Backstage, what: ChatClosed) -> None:
    for request_id in await scene.db.volunteers.unanswered(what.person_id):
        request = await scene.db.requests.get(request_id)
        if request is not None:
            await offer_fanout.declined(scene, request, what.person_id)
    person = await scene.db.users.get(what.person_id)
    if person is not None:
        await lifecycle.end_all_for(scene, person, lifecycle.BY_UNREACHABLE)


def register(router: Router) -> None:
    router.happening(ChatClosed)(_closed)
