"""Papers for volunteers, in the chat: a volunteer asks for a certificate of volunteering or
for the confirmation that gets them an extended certificate of good conduct free of charge,
and gets signed ones again. The rules and the papers are handlers/helping/
certificate_requests.py's; coordinators sign on the desk.

Reached from the volunteer's profile (📄 under /volunteer). The request is a short form
(``handlers/forms/step_form.py``, states ``cert.<step>``): ``name`` (as it should be printed) →
``birth`` (the date of birth, for the confirmation only) → ``check`` (what goes to the
coordinators, to send).

Button data (``ce:…``): ``home`` (the papers and what can be asked for), ``new:<kind>``
(``record`` or ``conduct``: start the form), ``pdf:<number>`` (a signed paper once more);
in the form ``send`` (check) and ``cancel``.
"""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from markupsafe import Markup

from db.certificates import CONDUCT, DECLINED, ISSUED, KINDS, RECORD
from db.clock import local_day
from handlers import ui
from handlers.context import Context
from handlers.forms.step_form import Answer, Step, StepForm, ask_again
from handlers.helping import certificate_requests as papers
from handlers.helping.lifecycle import Refused
from handlers.messages import Button, Text
from handlers.parsing import id_number
from handlers.router import Router
from locales import N_

STATE = "cert."
# Signed papers offered again, newest first.
SHOWN = 5


def _today() -> date:
    return date.fromisoformat(local_day(datetime.now(UTC)))


async def _home(ctx: Context) -> None:
    t = ctx.t
    if not ctx.settings.organisation.name or await ctx.db.volunteers.get(ctx.user.id) is None:
        ctx.stale()
    ctx.clear_state()
    lines = [
        t.t("📄 <b>Certificates for volunteers</b>"),
        t.t("A coordinator signs them. You get a PDF here."),
        "",
        t.t("📜 A certificate of your volunteering: when, what and how long you helped."),
        t.t(
            "🛡 A confirmation for the extended certificate of good conduct (Führungszeugnis), "
            "free of charge for volunteers. Needed for help with children or people in need "
            "of protection."
        ),
    ]
    buttons = [
        [Button(t._(papers.KIND_NAMES[RECORD]), f"ce:new:{RECORD}")],
        [Button(t._(papers.KIND_NAMES[CONDUCT]), f"ce:new:{CONDUCT}")],
    ]
    mine = await ctx.db.certificates.of_user(ctx.user.id)
    waiting = [paper for paper in mine if paper.state not in (ISSUED, DECLINED)]
    if waiting:
        lines += ["", t.t("⏳ Waiting for a coordinator:")]
        lines += [Markup("• ") + t._(papers.KIND_NAMES[paper.kind]) for paper in waiting]
    for paper in [paper for paper in mine if paper.state == ISSUED][:SHOWN]:
        assert paper.decided_at is not None
        signed_on = t.date(datetime.fromisoformat(paper.decided_at.replace("Z", "+00:00")))
        label = t._("📄 Signed on {date}").format(date=signed_on)
        buttons.append([Button(ui.shortened(label), f"ce:pdf:{paper.id}")])
    buttons.append([Button(t.arrow("back") + " " + t._("Back"), "menu:volunteer", role="back")])
    ctx.reply(Markup("\n").join(lines), buttons)


async def _new(ctx: Context) -> None:
    kind = ctx.args
    if kind not in KINDS:
        ctx.stale()
    try:
        await papers.may_ask(ctx, ctx.user, kind)
    except Refused as refusal:
        ctx.reply(refusal.text(ctx.t), [[Button("📄 " + ctx.t._("Certificates"), "ce:home")]])
        return
    FORM.ask(ctx, "name", {"paper": {"kind": kind}})


async def _name(ctx: Context, answer: Answer) -> None:
    event = ctx.incoming.event
    if not isinstance(event, Text):
        await ask_again(ctx, answer)
        return
    name = papers.person_name(event.text)
    if name is None:
        # Refused, not answered: during a running contact it is a reply to the helper.
        ctx.refuse(ctx.t.t(papers.BAD_NAME))
        return
    answer.draft["name"] = name
    if answer.draft["kind"] == CONDUCT:
        await FORM.answered(ctx, answer)
    else:
        FORM.ask(ctx, "check", answer.data)


async def _birth(ctx: Context, answer: Answer) -> None:
    event = ctx.incoming.event
    if not isinstance(event, Text):
        await ask_again(ctx, answer)
        return
    born = papers.birth_date(event.text, _today())
    if born is None:
        ctx.refuse(ctx.t.t(papers.BAD_BIRTH_DATE))
        return
    answer.draft["birth"] = born
    await FORM.answered(ctx, answer)


def _check(ctx: Context, data: dict[str, Any]) -> None:
    t = ctx.t
    draft = data["paper"]
    kind = draft["kind"]
    lines = [
        t.t("📄 <b>{kind}</b>", kind=t._(papers.KIND_NAMES[kind])),
        t.t("✍️ Name: {name}", name=draft["name"]),
    ]
    if draft.get("birth"):
        lines.append(
            t.t("🎂 Date of birth: {date}", date=t.date(date.fromisoformat(draft["birth"])))
        )
    lines += [Markup(""), t.t("Send this to the coordinators?")]
    ctx.reply(Markup("\n").join(lines), [*_check_choices(ctx, draft), [FORM.cancel_button(t)]])


def _check_choices(ctx: Context, draft: dict[str, Any]) -> list[list[Button]]:
    """Send and Change, at the check and under a refusal there (``Step.buttons``, which the
    dispatcher adds to it): numbered choices press only the newest message's, and with
    Cancel alone a "1" meant for Send dropped the name and date given."""
    t = ctx.t
    return [
        [Button("✅ " + t._("Send"), "ce:send")],
        [Button("✏️ " + t._("Change"), f"ce:new:{draft['kind']}")],
    ]


async def _send(ctx: Context, answer: Answer) -> None:
    draft = answer.draft
    if not draft.get("name") or (draft["kind"] == CONDUCT and not draft.get("birth")):
        ctx.stale()
    try:
        await papers.ask(
            ctx, ctx.user, draft["kind"], draft["name"], draft.get("birth", ""), ctx.t.lang
        )
    except Refused as refusal:
        ctx.clear_state()
        ctx.reply(refusal.text(ctx.t), ui.back_to_menu(ctx), edit=True)
        return
    ctx.clear_state()
    ctx.reply(
        ctx.t.t("✅ Sent. A coordinator checks it and signs. You get the PDF here in this chat."),
        ui.back_to_menu(ctx),
        edit=True,
    )


async def _pdf(ctx: Context) -> None:
    number = id_number(ctx.args)
    document = (
        await papers.again(ctx.db, ctx.settings, ctx.user, number) if number is not None else None
    )
    if document is None:
        # Not theirs, not signed, or gone by retention: nothing to show.
        ctx.stale()
    document.caption = ctx.t.t("📄 Your paper again.")
    ctx.send(document)


FORM = StepForm(
    prefix="ce",
    state=STATE,
    draft="paper",
    cancelled=N_("✖️ Cancelled. Nothing was sent."),
    steps={
        "name": Step(
            N_(
                "✍️ Your name as it should be printed: first name and surname, as in your "
                "identity card."
            ),
            takes=_name,
            next="birth",
        ),
        "birth": Step(
            N_("🎂 Your date of birth, for example 17.03.1990."),
            takes=_birth,
            next="check",
        ),
        "check": Step(show=_check, buttons=_check_choices, presses={"send": _send}),
    },
)


def register(router: Router) -> None:
    router.action("ce", "home")(_home)
    router.action("ce", "new")(_new)
    router.action("ce", "pdf")(_pdf)
    FORM.register(router)
