"""What the help feature must end before a person's data goes (handlers/privacy.py).

What it stores is declared in the personal-data map (db/personal_data.py), which export
and erasure follow; here only the running things others depend on are ended, through the
lifecycle: own requests withdrawn, helped requests handed back and offered to others,
partners and coordinators told; and when the person posted in the last day is kept, without
the person, so that the posting limits survive /delete (db/posting_traces.py).
"""

from __future__ import annotations

from db.users import User
from handlers.helping import lifecycle, posting_limits
from handlers.router import Router


async def close(scene: lifecycle.Scene, person: User, why: str) -> None:
    await posting_limits.remember_posting(scene, person)
    await lifecycle.end_all_for(scene, person, why)


def register(router: Router) -> None:
    router.closers.append(close)
