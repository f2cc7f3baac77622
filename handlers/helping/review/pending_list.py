"""/pending in one message: the waiting requests as a short list, paged in place.

Ten review cards with five buttons each were a wall in a busy group. The list is one
message instead: a line a request (its number, kind, languages and how long it waits), a
button a request that opens its review card in the same message (with the decision buttons
and "↩️ Back to the list"), and ◀ ▶ that turn the page by editing the same message. What
the page shows above and below the lines (how many wait, the oldest, how to see the rest)
and the order are the queue's (handlers/helping/review/review_queue.py, moderation.py ``/pending``).

Button data (``mod:…``, coordinators, in the backchannel): ``pg:<page>`` (show that page of
the list, editing the message), ``pc:<id>:<page>`` (open the request's card, from that
page). No conversation states.
"""

from __future__ import annotations

from datetime import UTC, datetime

from markupsafe import Markup, escape

from db import Database
from db.request_states import REVIEW
from db.requests import HelpRequest
from handlers.context import Context
from handlers.helping.render import category_label, decision_buttons, review_post
from handlers.helping.review import backlog, review_pace, review_queue
from handlers.helping.review.review_pace import waited
from handlers.language_bridge import backchannel_reader
from handlers.messages import Button
from handlers.parsing import id_number
from handlers.settings import HandlerSettings
from locales import Translator

# Open buttons in a row: five fit a phone's width with numbers of four digits.
ROW = 5
# Requests a page of the list.
PENDING_PAGE = 10


def lines(t: Translator, waiting: list[HelpRequest], now: datetime) -> Markup:
    """One line a request: "#12 · Shopping · Arabic · ⏳ waiting 2 h"."""
    shown = []
    for request in waiting:
        parts = [Markup("<b>#{0}</b>").format(t.identifier(request.id))]
        parts.append(escape(category_label(t, request.category)))
        if request.languages:
            languages = t.list_of(t.language(code) for code in request.languages)
            parts.append(escape(str(languages)))
        parts.append(t.t("⏳ waiting {duration}", duration=waited(t, request.created_at, now)))
        shown.append(Markup(" · ").join(parts))
    return Markup("\n").join(shown)


def buttons(
    t: Translator, waiting: list[HelpRequest], number: int, pages: int
) -> list[list[Button]]:
    """A button a request (it opens the card), then ◀ ▶ where there is another page."""
    opening = [
        Button(f"#{t.identifier(request.id)}", f"mod:pc:{request.id}:{number}")
        for request in waiting
    ]
    rows = [opening[start : start + ROW] for start in range(0, len(opening), ROW)]
    turning = []
    # The arrows point the reader's way (in Arabic and Persian back points right).
    if number > 1:
        back = f"{t.arrow('back')} {t._('Back')}"
        turning.append(Button(back, f"mod:pg:{number - 1}", role="back"))
    if number < pages:
        turning.append(Button(f"{t._('More')} {t.arrow('on')}", f"mod:pg:{number + 1}"))
    if turning:
        rows.append(turning)
    return rows


async def open_card(ctx: Context) -> None:
    """A request's review card in the list's message, with the way back to the list."""
    request = await ctx.db.requests.get(ctx.id_arg())
    number = id_number(ctx.value_arg()) or 1
    t = ctx.t
    back = [Button("↩️ " + t._("Back to the list"), f"mod:pg:{number}", role="back")]
    if request is None or request.state != REVIEW:
        # Decided meanwhile (by someone else): the list shows what still waits.
        gone = t._("This request is no longer waiting.")
        ctx.toast(gone)
        ctx.reply(Markup("ℹ️ ") + gone, [back], edit=True)
        return
    card = await review_post(
        ctx.db, request, t, backchannel_reader(ctx.settings, t), settings=ctx.settings
    )
    ctx.reply(card, [*decision_buttons(t, request.id), back], edit=True)


async def page(
    db: Database, settings: HandlerSettings, t: Translator, number: int
) -> tuple[Markup, list[list[Button]]]:
    """/pending's page ``number`` as one message: the backlog in one line, the oldest wait,
    a line a request with a button that opens its card, ◀ ▶ to the other pages. Also what
    the group gets when a crowd's held requests go on together (lifecycle.released)."""
    count, waiting = await review_queue.page(
        db, limit=PENDING_PAGE, offset=(number - 1) * PENDING_PAGE
    )
    now = datetime.now(UTC)
    # The backlog in one line: waiting, held (until when), how many nobody can take now.
    summary = await backlog.said(db, settings, t, now)
    if not summary:
        return t.t("✅ No requests are waiting."), []
    oldest_line = await review_pace.oldest_line(db, t, now)
    parts = [Markup("\n").join(line for line in (summary, oldest_line) if line)]
    if waiting:
        parts.append(lines(t, waiting, now))
    if count.total and (count.total > PENDING_PAGE or not waiting):
        parts.append(_footer(t, count.total, number, len(waiting), settings.web_url))
    pages = -(-count.total // PENDING_PAGE)
    return Markup("\n\n").join(parts), buttons(t, waiting, number, pages)


def _footer(t: Translator, total: int, number: int, shown: int, desk: str) -> Markup:
    """Which of how many were shown and how to see the rest ("1–10 of 14 shown. The next:
    /pending 2"), and the desk's queue where there is one."""
    first = (number - 1) * PENDING_PAGE
    if not shown:
        return t.t("There is no page {number}. The first: /pending", number=number)
    last = first + shown
    if last >= total:
        line = t.t(
            "{first}–{last} of {total} shown. From the start: /pending",
            first=first + 1,
            last=last,
            total=total,
        )
    else:
        line = t.t(
            "{first}–{last} of {total} shown. The next: /pending {next}",
            first=first + 1,
            last=last,
            total=total,
            next=number + 1,
        )
    if not desk:
        return line
    # Built apart from the translated text: an isolate mark inside a link breaks it.
    address = f"{desk}/desk/queue"
    return (
        line
        + "\n"
        + t.t("All of them on the desk's review queue:")
        + " "
        + Markup('<a href="{0}">{0}</a>').format(address)
    )
