"""The coordinators' notices of a month's budget of something each use of which costs money
(reported by bot/transports/month_budget.py, which counts it: ``MonthShareReached``): a
texting transport's segments (80 % used, used up but for the reserve kept for the notices
of running help, all used up) and the calls the phone line places (80 %, all). Each city's
coordinators are told once a month a share (the budget claims it); here it is said, for the
backchannel in the coordinators' language, without choices.

Button data: none. States: none.
"""

from __future__ import annotations

from typing import Final

from handlers import channels
from handlers.context import Backstage
from handlers.messages import Message
from handlers.router import Router
from locales import N_, Translator

# What the coordinators read of a month's budget (Final: each is a msgid). The calls all
# used up:
CALLS_USED_UP: Final = N_(
    "📵 Calls: this month's {budget} calls are used up. "
    "The bot makes no more calls until next month. "
    "Raise [phone] monthly_calls to call more."
)
# The texts used up but for the reserve kept for the notices of running help (texts only:
# the calls' shares are 80 % and all).
RESERVE_LEFT: Final = N_(
    "📵 Text messages: this month's {budget} segments are used up but for "
    "the {reserve} kept for notices of help under way. Only those go until "
    "next month. Raise [sms] monthly_segments to send more."
)
# A share used:
CALLS_USED: Final = N_("📵 Calls: {share} of this month's {budget} calls are used.")
SEGMENTS_USED: Final = N_("📵 Text messages: {share} of this month's {budget} segments are used.")
# The texts all used up:
SEGMENTS_USED_UP: Final = N_(
    "📵 Text messages: this month's {budget} segments are used up. The bot sends no more "
    "texts until next month. Raise [sms] monthly_segments to send more."
)
# By the budget's units.
USED = {"segments": SEGMENTS_USED, "calls": CALLS_USED}
USED_UP = {"segments": SEGMENTS_USED_UP, "calls": CALLS_USED_UP}


def notice(t: Translator, what: channels.MonthShareReached) -> Message:
    """What the coordinators are told of ``what``: a share of the month's budget reached."""
    budget = t.number(what.monthly)
    if what.share == channels.RESERVE_SHARE:
        text = t.t(RESERVE_LEFT, budget=budget, reserve=t.number(what.reserve))
    elif what.share >= 100:
        text = t.t(USED_UP[what.units], budget=budget)
    else:
        # "80 %", "%80" (tr), "٨٠٪" (ar)
        text = t.t(USED[what.units], share=t.percent(what.share / 100), budget=budget)
    return Message(text, typed_choices=False)


async def _share_reached(scene: Backstage, what: channels.MonthShareReached) -> None:
    await scene.mail.to_backchannel(lambda t: notice(t, what))


def register(router: Router) -> None:
    router.happening(channels.MonthShareReached)(_share_reached)
