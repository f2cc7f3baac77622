"""Who comes first where a shared engine must choose whose work it does (the Matrix
transport's decryptions, bot/transports/matrix/decrypt_budget.py): the one rule, asked
through ``Dispatcher.standing``, so that no transport re-implements who counts as what.

- :attr:`~handlers.channels.Standing.RUNNING` - help is under way for them
  (:func:`~handlers.helping.lifecycle.running_help`: a request of theirs is active - in
  review, open or matched - or they help with one), or they are a coordinator or admin who
  is not banned (:func:`~handlers.staff.is_staff`);
- :attr:`~handlers.channels.Standing.KNOWN` - anyone else not banned who agreed to the
  privacy notice or is a volunteer: many accounts can become this cheaply (an agreement
  costs one tap), so it is counted, in a budget of its own;
- :attr:`~handlers.channels.Standing.STRANGER` - everyone else (no row, not agreed, banned).

No button data, no states.
"""

from __future__ import annotations

from db import Database
from db.users import User
from handlers.channels import Standing
from handlers.helping.lifecycle import running_help
from handlers.staff import is_staff

# A volunteer is known whether or not they agreed to the notice (every new row has
# "resident": a resident is known once they agreed).
VOLUNTEER = "volunteer"


async def standing(db: Database, user: User | None) -> Standing:
    """Where ``user`` (None: no row) stands now: see the module's docstring."""
    if user is None or user.banned_at is not None:
        return Standing.STRANGER
    if is_staff(user) or await running_help(db, user.id):
        return Standing.RUNNING
    if user.consent_at is not None or VOLUNTEER in user.roles:
        return Standing.KNOWN
    return Standing.STRANGER
