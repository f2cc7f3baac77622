"""The lifecycle of a help request: the only code that changes a request's state.

Every transition is one function. It checks, at the moment of acting, that the actor may do
it (a button or an earlier offer proves nothing), changes the state with one conditional
UPDATE (of two racing actors exactly one wins, the other gets :class:`Refused`), and queues
the notifications for everyone else, the same whichever path caused it: a button, a
command, a scheduled job, an account deletion or a ban. The caller only answers the actor.

transition     from → to                   who may                     who else is told
submit         new → review                a resident, not banned      backchannel (review post)
               new → open (trusted, the city's ``[help] publish_at_once``: who, returning.py):
               backchannel (post with "pull back"), requester, volunteers
publish_unreviewed review → open           the unreviewed job (the     requester, posts (with
                                           city's wait; unreviewed.py) "pull back"), volunteers
pull_back      open → review               a coordinator               offers, backch. (new post)
enter          new → open                  a coordinator               matching volunteers
publish        review → open               a coordinator               requester, posts, volunteers
reject         review → rejected           a coordinator               requester, posts
edit           review/open → review        the requester, not banned   backch. (new post: old
                                                                       and new; old posts marked)
ask            (no change)                 a coordinator               requester (question)
correct_text   (text only)                 a coordinator               requester, backch. (new post)
summarise      (summary only)              a coordinator               posts or offers (updated)
accept         open → matched              a qualifying volunteer      requester, offers, backch.;
                                                                       the voice to the helper
hand_back      matched → open              the volunteer; ban/deletion requester, backch., others
                                           /their closed chat
withdraw       active → withdrawn          the requester; ban;         volunteer, offers, posts
                                           a coordinator (end); the
                                           requester's closed chat
withdraw       draft → withdrawn           the same, of a held request backchannel
release        draft → review              the held requests' job      requester, backch. (post)
done           matched → done              the requester               volunteer, backchannel
expire         review/open → expired       the follow-up job           requester, offers, posts
still_needed   (open, expiry restarts)     the requester               -

(backch.: the coordinators' backchannel; withdraw and expire tell it too.)

A request a posting limit holds back (``posting_limits``: all but a ban hold instead of
refusing) is created by :func:`submit` as a ``draft`` with its reason and until when: the
requester reads why and what happens next, the backchannel reads it as held with the reason
(and, the first held in a flood, that the flood rule is on). :func:`release` sends it on.
A requester whose request is rejected reads the reason, that they may ask again, and their
own text to change and send again (:func:`their_text`; not on the phone).

Beside it, and changing no state: ``posting_limits``, whether a person may post now
(:func:`submit` asks it again), and ``offer_fanout``, who is offered an open request (enter,
publish and hand_back call it; done and hand_back offer the volunteer, who has room again,
the longest-waiting request that fits them; a coordinator's reoffer and a volunteer who
became free go there directly). The offers already sent are updated here, with the
transition that outdates them; when a request leaves ``open``, its offers not delivered yet
(held for quiet hours) are dropped instead. :class:`Refused` comes from ``refused``.

When the requester's data is being erased (``ERASURES``: /delete, consent withdrawn,
inactivity), nothing queued on the way names them or quotes them: their review posts, of
running and closed requests alike, are replaced by a line saying the data was erased,
instead of showing the review post with the verdict.

The states and the moves the store allows are declared in db/request_states.py; the "from
→ to" column names each of them once (tests/db/test_request_states.py holds the two together).

Matched requester and volunteer talk through the relay: the contact stands while the
request is ``matched`` (both get the same door code word with it) and is ended by every
transition out of ``matched``, which also clears a ``relay`` conversation state that
points at the request. A hand-back leaves the requester, where no other step holds them,
in ``relay.left`` (``request_id``): their next message, meant for the helper who left, is
answered so by the relay (handlers/helping/relay/chat.py) instead of reaching anyone.
"""

from __future__ import annotations

from collections.abc import Callable, Collection
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

from markupsafe import Markup

from db import Database
from db.clock import from_text, to_text
from db.request_states import (
    ACTIVE,
    CLOSED,
    DONE,
    DRAFT,
    EXPIRED,
    MATCHED,
    OPEN,
    REJECTED,
    REVIEW,
    WAITING,
    WITHDRAWN,
)
from db.requests import HelpRequest, TransitionError
from db.users import User
from handlers import ui
from handlers.helping import contact, posting_limits, returning, talk_now, text_language
from handlers.helping.door_code import new_door_code
from handlers.helping.languages import reader_of, shown_to, unread_by
from handlers.helping.matching import offer_fanout, ranking, who_may_help
from handlers.helping.posting_limits import BANNED_TEXT
from handlers.helping.refused import CANNOT_CHANGE, WRITE_BETWEEN, Refused, staff_only
from handlers.helping.render import (
    decision_buttons,
    group_review_post,
    request_voice,
    someone,
)
from handlers.helping.review import held_post, pending_list
from handlers.helping.scene import Scene
from handlers.helping.vocabulary import REJECT_REASONS, TALK
from handlers.messages import Button, Message
from handlers.messenger import backchannel_language
from handlers.numbers.channel_line import texts_stopped
from handlers.router import written_limit
from handlers.staff import is_staff
from handlers.text_safety import clean_text, quoted
from locales import DEFAULT_LANGUAGE, N_, Medium, Translator

# The requester's helper handed the request back (:func:`hand_back`; data ``request_id``).
HELPER_LEFT = "relay.left"

HAND_BACK_REASONS = {
    "time": N_("I have no time after all"),
    "ill": N_("I am ill"),
    "fit": N_("The request does not suit me"),
    "other": N_("Another reason"),
}
# Hand-backs that the volunteer did not choose: the reason shown to the coordinators.
FORCED_HAND_BACK = {
    "deleted": N_("the volunteer deleted their account"),
    "banned": N_("the volunteer was blocked"),
    "unreachable": N_(
        "the volunteer can no longer be reached in the chat: they blocked the bot or left"
    ),
}

# Why a request was withdrawn; each reads the same for everyone told.
BY_REQUESTER, BY_DELETION, BY_CONSENT, BY_BAN = "requester", "deleted", "consent", "banned"
BY_INACTIVITY = "inactive"
# The person closed their chat with the bot (blocked it, deleted their account: the
# happening ``ChatClosed``, handlers/helping/closed_chats.py): their own requests are
# withdrawn, the ones they help with handed back (:func:`end_all_for`).
BY_UNREACHABLE = "unreachable"
# A coordinator ended it (:func:`end_by_coordinator`).
BY_COORDINATOR = "coordinator"
# The requester's data is being erased (handlers/privacy.py): what is queued on the way
# names neither them nor their words.
ERASURES = (BY_DELETION, BY_CONSENT, BY_INACTIVITY)
ERASED = N_("🗑 Request #{id}: the requester's data was erased.")

NOT_FOR_YOU = N_("😔 This request is not available for you any more.")
TAKEN = N_("✅ Request #{id} is already taken. Thank you anyway!")
OFFER_WITHDRAWN = N_("↩️ Request #{id} was withdrawn. Thank you anyway!")
OFFER_EXPIRED = N_("⌛ Request #{id} has expired.")
PUBLISHED = N_("✅ Your request #{id} is published. We are now looking for a helper nearby.")
AT_ONCE = N_(
    "⚡ Published at once: #{id} is from a returning requester whose earlier help went well."
    " Pull it back if it needs a check."
)
UNREVIEWED = N_(
    "⚡ Published without review: nobody had decided #{id} {after} after it was asked, and"
    " the checks found nothing. Pull it back if it needs a check."
)
# The audit's entry of a request published without review (its details: the minutes).
UNREVIEWED_ACTION = "request.unreviewed"
# Said to a coordinator whose decision came after the bot had published the request.
BOT_PUBLISHED = N_("The bot had already published it: nobody had decided it in time.")
PULLED_BACK = N_("↩️ Pulled back for review by {name}.")
WITHDRAWN_BY_REQUESTER = N_("↩️ Request #{id} was withdrawn by the requester.")
EDITED = N_("✏️ Changed by the requester: posted again for review, with the earlier version.")
GONE_ON = N_(
    "▶️ Your request #{id} is now with our team to be checked. We will tell you as soon as"
    " it is published."
)
# A coordinator's summary: a few lines, as in an offer.
SUMMARY_LIMIT = 500


async def _get(scene: Scene, request_id: int) -> HelpRequest:
    request = await scene.db.requests.get(request_id)
    if request is None:
        raise Refused(missing=True)
    return request


async def _move(
    scene: Scene,
    request: HelpRequest,
    to_state: str,
    actor: User | None,
    expect: tuple[str, ...],
    *,
    lost: str = CANNOT_CHANGE,
    **values: Any,
) -> HelpRequest:
    """The conditional UPDATE; ``lost`` is what the actor is told when the request moved on
    meanwhile (someone else was faster)."""
    try:
        return await scene.db.requests.transition(
            request.id, to_state, actor.id if actor else None, expect=expect, **values
        )
    except TransitionError as exc:
        # Who moved it there and when is read from the audit trail where the refusal is
        # answered (handlers/helping/moved_on.py).
        raise Refused(lost, decided_by=exc.decided_by, now=exc.current, id=request.id) from None


async def name_of(scene: Scene, user_id: int | None) -> str:
    user = await scene.db.users.get(user_id) if user_id else None
    return (user.first_name if user else "") or "?"


# -- posting ---------------------------------------------------------------------------


async def submit(scene: Scene, requester: User, draft: dict[str, Any]) -> HelpRequest:
    """The resident's request, for review (or published at once); a ``draft`` held back
    when a posting limit holds it (the caller tells the requester: ``held_text``)."""
    refusal = await posting_limits.may_post(scene, requester, kind=draft.get("category"))
    if refusal is not None:
        if refusal.hold is None:
            raise refusal
        return await _hold(scene, requester, draft, refusal.hold)
    request = await scene.db.requests.create(requester.id, requester.id, **draft)
    held = None
    if returning.RETURNING in scene.settings.publish_at_once:
        # Who is returning, and what keeps a request in review all the same: one owner.
        held = await returning.held_for_review(scene, requester, request)
        if held is None:
            return await _publish_at_once(scene, request)
    await _post_for_review(scene, request, held=held)
    return request


async def _hold(
    scene: Scene, requester: User, draft: dict[str, Any], hold: posting_limits.Hold
) -> HelpRequest:
    """Keep the request back: the coordinators read it as held, with the reason and until
    when (no name, no text), in the group's one post of what is held (held_post.py: a
    crowd does not flood the group), and - the first held in a flood - that the flood
    rule is on."""
    flood = hold.reason == posting_limits.FLOOD
    already = flood and any(
        held.held_reason == posting_limits.FLOOD for held in await scene.db.requests.held()
    )
    request = await scene.db.requests.create(
        requester.id, requester.id, held=(hold.reason, hold.stored_until()), **draft
    )
    if flood and not already:
        await _to_coordinators(scene, posting_limits.flood_on_text)
    # One post for the hold, edited in place as it grows (held_post.py).
    await held_post.show(scene)
    return request


def held_text(t: Translator, request: HelpRequest) -> Markup:
    """What the requester reads of their held request: why, and what happens next."""
    until = from_text(request.held_until) if request.held_until else None
    return posting_limits.Hold(request.held_reason, until).tell(t, request.id, datetime.now(UTC))


async def flood_over(scene: Scene) -> None:
    """After a request the flood rule held went on or was withdrawn: when it was the last,
    the group is told the rule is off."""
    if not any(held.held_reason == posting_limits.FLOOD for held in await scene.db.requests.held()):
        await _to_coordinators(scene, posting_limits.flood_off_text)


async def release(scene: Scene, request: HelpRequest, *, post: bool = True) -> HelpRequest | None:
    """A held request goes on to review (the held requests' job, when the limits allow):
    the requester is told, the coordinators get it as any request for review (``post``;
    else the caller posts it with the others it sends on: :func:`released`). None when
    it is not held any more (withdrawn meanwhile)."""
    try:
        moved = await _move(scene, request, REVIEW, None, (DRAFT,), held_reason="", held_until=None)
    except Refused:
        return None
    if post:
        await _post_for_review(scene, moved)
    await _tell_requester(
        scene,
        moved,
        lambda t: Message(
            t.t(GONE_ON, id=moved.id), [[Button("📋 " + t._("My requests"), "hr:mine")]]
        ),
    )
    return moved


async def released(scene: Scene, moved: list[HelpRequest]) -> None:
    """Requests the held requests' job sent on together (:func:`release` without
    ``post``), for the coordinators: one alone as any request for review; more in one
    list, as /pending shows it (pending_list.py: a line a request, a button a request that
    opens its card with the decisions) - a crowd's release is one post, not one a
    request. A voice description still follows, to be heard. The group's post of what is
    held says what is left (held_post.py)."""
    if len(moved) == 1:
        await _post_for_review(scene, moved[0])
    elif moved:
        bt = backchannel_language()
        text, buttons = await pending_list.page(scene.db, scene.settings, bt, 1)
        await scene.mail.to_backchannel(lambda _t: Message(text, buttons, typed_choices=False))
        for request in moved:
            if request.voice_file_id:
                await _voice_for_review(scene, request)
    await held_post.show(scene)


async def _publish_at_once(scene: Scene, created: HelpRequest) -> HelpRequest:
    """A trusted requester's request goes out without waiting for review; the coordinators
    read it as a review post would show it, with one button to pull it back."""
    request = await _move(scene, created, OPEN, None, (REVIEW,))
    text = await group_review_post(scene.db, scene.settings, request)
    for outbox_id in await scene.mail.to_backchannel(
        lambda t: _unchecked_post(t, t.t(AT_ONCE, id=request.id), text, request.id),
        about=[request.requester_id],
    ):
        await scene.db.requests.add_post(request.id, outbox_id)
    await _gone_out(scene, request)
    return request


async def publish_unreviewed(
    scene: Scene, request: HelpRequest, minutes: int
) -> HelpRequest | None:
    """A request nobody decided within the city's ``[help] publish_unreviewed_after``
    (``minutes``, from asking) goes out without review (handlers/helping/unreviewed.py
    decides which): its review posts say so, with the button to pull it back, the
    requester is told as on any publication. None when a coordinator decided it (or it
    ended) first: the one conditional UPDATE lets exactly one of them win."""
    try:
        published = await _move(scene, request, OPEN, None, (REVIEW,))
    except Refused:
        return None
    # The history's mark (the desk's request page: "published without review after N
    # minutes", handlers/helping/history.py), beside the move nobody made.
    await scene.db.requests.audit(
        None, UNREVIEWED_ACTION, f"request:{published.id}", {"minutes": minutes}
    )
    text = await group_review_post(scene.db, scene.settings, published)
    backchannel = backchannel_language()
    # "30 minutes", "1 minute", "1 hour" in the backchannel's words (a city may set any).
    heading = backchannel.t(UNREVIEWED, id=published.id, after=backchannel.duration(minutes))
    for outbox_id in await scene.db.requests.posts(published.id):
        await scene.mail.edit(
            outbox_id,
            lambda t: _unchecked_post(t, heading, text, published.id),
            about=[published.requester_id],
        )
    await _gone_out(scene, published)
    return published


def _unchecked_post(t: Translator, heading: Markup, text: Markup, request_id: int) -> Message:
    """The coordinators' post of a request the bot published unread (at once, or after the
    wait): why, the request as the review post shows it, one button to pull it back."""
    return Message(
        Markup("\n").join([heading, Markup(""), text]),
        [[Button("↩️ " + t._("Pull back for review"), f"mod:pull:{request_id}")]],
        typed_choices=False,
    )


async def _gone_out(scene: Scene, request: HelpRequest) -> None:
    """A request just published, whoever published it: the requester is told, the
    volunteers it suits are offered it."""
    await _tell_requester(scene, request, lambda t: Message(t.t(PUBLISHED, id=request.id)))
    await offer_fanout.offer(scene, request)


async def pull_back(scene: Scene, coordinator: User, request_id: int) -> HelpRequest:
    """A coordinator pulls an open request back into review (one press on the post of a
    request published at once): offers sent say it is not available any more, those not
    delivered are dropped, and it is posted for review as any other."""
    staff_only(coordinator)
    request = await _get(scene, request_id)
    request = await _move(scene, request, REVIEW, coordinator, (OPEN,))
    await _update_offers(scene, request, NOT_FOR_YOU)
    await _mark_posts(
        scene,
        request,
        backchannel_language().t(PULLED_BACK, name=coordinator.first_name or "?"),
    )
    await _post_for_review(scene, request)
    return request


async def enter(scene: Scene, coordinator: User, draft: dict[str, Any]) -> HelpRequest:
    """A coordinator enters a request for a resident without a smartphone (who phoned or
    came by): checked by the coordinator, so it is published at once."""
    staff_only(coordinator)
    created = await scene.db.requests.create(
        None, coordinator.id, entered_by=coordinator.id, **draft
    )
    request = await _move(scene, created, OPEN, coordinator, (REVIEW,), decided_by=coordinator.id)
    await offer_fanout.offer(scene, request)
    return request


async def reach_by_phone(
    scene: Scene, coordinator: User, request_id: int, resident: User
) -> HelpRequest:
    """A request entered for a resident without a chat is theirs from now on, on the phone
    line (``resident``: their phone person): what is for them is said in a call-back. What
    they would have been told so far follows: published, or who comes and the code word."""
    staff_only(coordinator)
    request = await _get(scene, request_id)
    changed = None
    if request.requester_id is None and request.state in ACTIVE:
        changed = await scene.db.requests.set_requester(request.id, coordinator.id, resident.id)
    if changed is None:  # ended, or another coordinator was faster: what it is now (who: moved_on)
        now = await _get(scene, request_id)
        raise Refused(CANNOT_CHANGE, id=request_id, now=now.state)
    if changed.state == OPEN:
        await _tell_requester(scene, changed, lambda t: Message(t.t(PUBLISHED, id=changed.id)))
    elif changed.state == MATCHED:
        volunteer = await scene.db.users.get(changed.volunteer_id) if changed.volunteer_id else None
        if volunteer is not None:
            await contact.open_contact(scene, changed, volunteer, resident)
    return changed


async def _post_for_review(
    scene: Scene,
    request: HelpRequest,
    before: HelpRequest | None = None,
    *,
    held: returning.Held | None = None,
) -> None:
    """Post the request to every backchannel, remembering the posts to mark them later;
    a voice description follows its post, so that it can be heard and checked. ``before``:
    the request before its requester changed it, shown with the new version. ``held``: why
    a city that publishes returning requesters at once did not publish this one, said first.
    """
    text = await group_review_post(scene.db, scene.settings, request, before=before)
    if held is not None:
        text = Markup("\n").join([*held.lines(backchannel_language()), Markup(""), text])
    for outbox_id in await scene.mail.to_backchannel(
        lambda t: Message(text, decision_buttons(t, request.id), typed_choices=False),
        about=[request.requester_id],
    ):
        await scene.db.requests.add_post(request.id, outbox_id)
    if request.voice_file_id:
        await _voice_for_review(scene, request)


async def _voice_for_review(scene: Scene, request: HelpRequest) -> None:
    await scene.mail.to_backchannel(
        lambda t: request_voice(t, request), about=[request.requester_id]
    )


def _verdict(request: HelpRequest, name: str) -> Markup:
    """The decision on a request just out of review, as its review posts head it: published,
    or not published and why, by ``name``."""
    bt = backchannel_language()
    if request.state == OPEN:
        return bt.t("✅ Published by {name}.", name=name)
    listed = REJECT_REASONS.get(request.reject_reason)
    reason = request.reject_note or (bt._(listed) if listed else "?")
    return bt.t("❌ Not published ({reason}), by {name}.", reason=reason, name=name)


async def _mark_posts(
    scene: Scene,
    request: HelpRequest,
    verdict: Markup,
    except_outbox: int | None = None,
    *,
    erased: bool = False,
) -> Markup:
    """Show a decision on the request's review posts; the text shown. ``erased``: the
    requester's data is going, so the posts keep only the verdict and say so - the review
    post's text would name them (and quote what is left of their words)."""
    bt = backchannel_language()
    if erased:
        text = Markup("\n").join([*filter(None, [verdict]), bt.t(ERASED, id=request.id)])
        about: list[int | None] = []
    else:
        # The decision first, where "please check" stood: a post read from its top must not
        # ask for a check that is done.
        text = Markup("\n").join(
            [
                *([verdict, Markup("")] if verdict else []),
                Markup("<b>{}</b>").format(bt.t("Request #{id}", id=request.id)),
                Markup(""),
                await group_review_post(scene.db, scene.settings, request, heading=False),
            ]
        )
        about = [request.requester_id]
    for outbox_id in await scene.db.requests.posts(request.id):
        if outbox_id != except_outbox:
            await scene.mail.edit(outbox_id, lambda t: Message(text), about=about)
    return text


async def _tell_requester(scene: Scene, request: HelpRequest, compose) -> None:
    await scene.mail.to_user(request.requester_id, compose)


async def _to_coordinators(
    scene: Scene, compose: Callable[[Translator], Markup], about: Collection[int | None] = ()
) -> None:
    """A line for the coordinators; ``about``: whose name or data it carries (the outbox
    forgets it with them)."""
    await scene.mail.to_backchannel(lambda t: Message(compose(t)), about=list(about))


# -- moderation ------------------------------------------------------------------------


@dataclass(frozen=True)
class Decision:
    request: HelpRequest
    # The review post as it reads now, for the post the coordinator pressed on.
    post: Markup
    # The requester's language, when the coordinator's own words reached them untranslated
    # in one they did not say they read (languages.unread_by): the coordinator is told.
    unread: str = ""


# Said to the coordinator after a decision whose words reached the requester as written.
UNREAD = N_(
    "⚠️ No translation runs here, and the requester reads {language}: they got your words "
    "as you wrote them. Where you can, write to them in {language}, or choose one of the "
    "listed reasons, which they get in their language."
)


async def publish(
    scene: Scene, coordinator: User, request_id: int, *, pressed_post: int | None = None
) -> Decision:
    staff_only(coordinator)
    request = await _decide(scene, coordinator, request_id, OPEN, pressed_post=pressed_post)
    post = await _mark_posts(
        scene, request, _verdict(request, coordinator.first_name or "?"), pressed_post
    )
    await _gone_out(scene, request)
    return Decision(request, post)


# A reason the coordinator wrote themselves (``note``) instead of one of REJECT_REASONS.
OWN_REASON = "other"
NOTE_LIMIT = 500


def written(text: str, limit: int) -> str:
    """A coordinator's ``text`` as it is kept and sent; Refused, saying how long it may be,
    when nothing is left of it (blank, or invisible marks only) or it is longer than
    ``limit`` - never sent empty or cut short without the coordinator knowing."""
    kept = clean_text(text)
    if not kept or len(kept) > limit:
        raise Refused(WRITE_BETWEEN, low=1, high=limit)
    return kept


# What happens next for a requester whose request was not published, and the lead-in to
# their own text below it (:func:`their_text`).
ASK_AGAIN = N_("You are welcome to post a new request.")
YOUR_TEXT = N_("✏️ Your text, to change and send again:")


def their_text(t: Translator, request: HelpRequest) -> Markup:
    """The requester's description under a rejection, quoted as every person's text is
    (escaped, each line isolated behind the quote bar; a texted form drops the marks and
    the bar), so that a refused requester keeps what they wrote: they copy it, change it
    and send it again. Nothing on the phone (``Medium.SPOKEN``): a caller cannot copy
    what they hear, and a caller's request is their own voice; nothing for a voice
    request either, whose voice the requester still has."""
    if not request.description or t.medium == Medium.SPOKEN:
        return Markup("")
    return Markup("\n") + t.t(YOUR_TEXT) + "\n" + quoted(t, request.description)


async def reject(
    scene: Scene,
    coordinator: User,
    request_id: int,
    reason: str,
    *,
    note: str = "",
    pressed_post: int | None = None,
) -> Decision:
    """Not published, for one of REJECT_REASONS or, as ``OWN_REASON``, for the reason the
    coordinator wrote (``note``), which reaches the requester in their language."""
    staff_only(coordinator)
    if reason not in (*REJECT_REASONS, OWN_REASON):
        raise Refused()
    # A note beside one of the listed reasons (the desk's form has both) is read instead.
    # Its limit within the city's, as the chat's step (``mod.why``) has it: desk and chat alike.
    limit = written_limit(scene.settings.max_text_length, NOTE_LIMIT)
    note = written(note, limit) if reason == OWN_REASON or clean_text(note) else ""
    request = await _decide(
        scene,
        coordinator,
        request_id,
        REJECTED,
        pressed_post=pressed_post,
        reject_reason=reason,
        reject_note=note,
    )
    post = await _mark_posts(
        scene, request, _verdict(request, coordinator.first_name or "?"), pressed_post
    )
    requester = await scene.mail.reachable(request.requester_id)
    if requester is None:
        return Decision(request, post)
    if note:
        return Decision(
            request, post, await _own_reason(scene, coordinator, request, requester, note)
        )
    await _tell_requester(
        scene,
        request,
        lambda t: Message(
            t.t(
                "😔 Your request #{id} could not be published: {reason}.",
                id=request.id,
                reason=t._(REJECT_REASONS[reason]),
            )
            + "\n"
            + t.t(ASK_AGAIN)
            + their_text(t, request)
        ),
    )
    return Decision(request, post)


async def _own_reason(
    scene: Scene, coordinator: User, request: HelpRequest, requester: User, note: str
) -> str:
    """The coordinator's own reason to the requester (translated where an engine runs);
    the requester's language if it reached them as written in one they may not read."""
    why = await shown_to(scene, coordinator, request, requester, note)
    await scene.mail.to_user(
        requester,
        lambda t: Message(
            t.t(
                "😔 Your request #{id} could not be published. The coordinators write:",
                id=request.id,
            )
            + "\n"
            + why(t)
            + "\n"
            + t.t(ASK_AGAIN)
            + their_text(t, request)
        ),
        about=[coordinator.id],
    )
    return await unread_by(scene, coordinator, request, requester, note)


async def _decide(
    scene: Scene,
    coordinator: User,
    request_id: int,
    to_state: str,
    *,
    pressed_post: int | None = None,
    **values: Any,
) -> HelpRequest:
    """``request_id`` moved from review to ``to_state`` by ``coordinator``; Refused when it
    was no longer in review. ``pressed_post``: the review post pressed on, which the caller
    shows the outcome on itself (edited once, not twice)."""
    request = await _get(scene, request_id)
    try:
        return await scene.db.requests.transition(
            request.id,
            to_state,
            coordinator.id,
            expect=(REVIEW,),
            decided_by=coordinator.id,
            **values,
        )
    except TransitionError as exc:
        current = await _get(scene, request.id)
        if exc.decided_by is None:
            # Nobody decided it: the requester withdrew it (or it ended otherwise). Its
            # posts already say so; a "decided by ?" must not be written over them. Who
            # moved it and when is said where the refusal is answered (moved_on.py).
            if current.state == OPEN and await _published_unreviewed(scene, current.id):
                # Published by the bot: nobody decided within the wait.
                raise Refused(BOT_PUBLISHED, id=request.id, now=OPEN) from None
            raise Refused(CANNOT_CHANGE, id=request.id, now=current.state) from None
        # Someone was faster (or the same coordinator's tap came twice): the posts keep
        # saying what was decided and by whom, unless the request has moved on since
        # (matched, withdrawn, ...) and its posts say that instead.
        who = await name_of(scene, exc.decided_by)
        post = None
        if current.state in (OPEN, REJECTED):
            post = await _mark_posts(scene, current, _verdict(current, who), pressed_post)
        decider = await scene.db.users.get(exc.decided_by)
        raise Refused(
            N_("Already decided by {name}."),
            # Named as the desk's history names them; when, by the state line (moved_on).
            render=lambda t: t.t(
                N_("Already decided by {name}."),
                name=someone(t, decider) if decider is not None else "?",
            ),
            decided_by=exc.decided_by,
            post=post,
            now=current.state,
        ) from None


async def _published_unreviewed(scene: Scene, request_id: int) -> bool:
    """Whether the bot published ``request_id`` after the city's wait (its audit mark,
    :func:`publish_unreviewed`) - not at once (``publish_at_once``: it never waited, and
    "nobody had decided it in time" would be untrue)."""
    history = await scene.db.requests.history(request_id)
    return any(entry["action"] == UNREVIEWED_ACTION for entry in history)


UNREACHABLE = N_("😔 The requester cannot be reached in the chat.")
NO_TEXTS = N_(
    "😔 This person sent STOP: no text reaches them, so your question was not sent. "
    "It can go once they send START."
)


def waiting(request: HelpRequest) -> HelpRequest:
    """``request``, if a coordinator may still ask about it, correct or summarise it (in
    review or open); Refused otherwise - checked also before they are asked to write."""
    if request.state not in WAITING:
        raise Refused(CANNOT_CHANGE, now=request.state)
    return request


@dataclass(frozen=True)
class Asked:
    request: HelpRequest
    # As Decision.unread: the question reached the requester as written, in a language
    # they did not say they read.
    unread: str = ""


UNREAD_QUESTION = N_(
    "⚠️ No translation runs here, and the requester reads {language}: they got your "
    "question as you wrote it. Where you can, ask them in {language}."
)


async def ask(scene: Scene, coordinator: User, request_id: int, text: str) -> Asked:
    """A coordinator's question reaches the requester (in their language if they may not
    read the coordinator's), whose next message is taken as the answer for the backchannel
    (moderation.requester_answer). No state change: a request in review or open."""
    staff_only(coordinator)
    asked = waiting(await _get(scene, request_id))
    # The figure the chat's step declares (``Router.input_limits``), within the city's
    # ``max_text_length`` as there: desk and chat alike.
    text = written(text, written_limit(scene.settings.max_text_length))
    requester = await scene.mail.reachable(asked.requester_id)
    if requester is None:
        raise Refused(UNREACHABLE)
    if await texts_stopped(scene.db, scene.settings, requester):
        raise Refused(NO_TEXTS)
    question = await shown_to(scene, coordinator, asked, requester, text)
    await scene.mail.to_user(
        requester,
        lambda t: Message(
            t.t("❓ The coordinators have a question about your request #{id}:", id=asked.id)
            + "\n"
            + question(t)
            + "\n\n"
            + t.t("Please answer with a message here.")
        ),
        about=[coordinator.id],
    )
    await scene.set_state_of(requester.id, "request.answer", {"request_id": asked.id})
    await scene.db.requests.audit(coordinator.id, "request.question", f"request:{asked.id}")
    return Asked(asked, await unread_by(scene, coordinator, asked, requester, text))


async def correct_text(scene: Scene, coordinator: User, request_id: int, text: str) -> HelpRequest:
    """A coordinator corrects the description (e.g. removes a phone number); the language
    label follows the new text, and the requester is shown what their request says now."""
    staff_only(coordinator)
    request = waiting(await _get(scene, request_id))
    # As long as the requester's own may be (requests_flow.MAX_TEXT, within the city's
    # ``max_text_length``), and the chat's step.
    description = written(text, written_limit(scene.settings.max_text_length))
    requester = await scene.db.users.get(request.requester_id) if request.requester_id else None
    request = await scene.db.requests.update_fields(
        request.id,
        coordinator.id,
        description=description,
        description_lang=text_language.detect(
            description,
            request.description_lang,
            requester.language if requester else None,
            coordinator.language or DEFAULT_LANGUAGE,
        ),
    )
    if request.state == REVIEW:
        await _post_for_review(scene, request)
    await _tell_requester(
        scene,
        request,
        lambda t: Message(
            t.t(
                "✏️ The coordinators edited the text of your request #{id}. It now reads:",
                id=request.id,
            )
            + "\n"
            + quoted(t, description)
        ),
    )
    return request


async def summarise(scene: Scene, coordinator: User, request_id: int, text: str) -> HelpRequest:
    """A coordinator writes a short summary (of a voice message, or in the city's language)
    that volunteers read with the offer. Posts still waiting for a decision show it; offers
    already sent and not declined are brought up to date."""
    staff_only(coordinator)
    request = waiting(await _get(scene, request_id))
    request = await scene.db.requests.update_fields(
        request.id,
        coordinator.id,
        summary=written(text, written_limit(scene.settings.max_text_length, SUMMARY_LIMIT)),
    )
    if request.state == REVIEW:
        text_now = await group_review_post(scene.db, scene.settings, request)
        for outbox_id in await scene.db.requests.posts(request.id):
            await scene.mail.edit(
                outbox_id,
                lambda t: Message(text_now, decision_buttons(t, request.id)),
                about=[request.requester_id],
            )
    else:
        for volunteer_id, outbox_id, declined in await scene.db.volunteers.offers(request.id):
            person = await scene.db.users.get(volunteer_id)
            if person is not None and not declined:
                for_reader = await reader_of(scene, person, request)
                await scene.mail.edit(
                    outbox_id,
                    offer_fanout.offer_message(request, for_reader),
                    person,
                    about=[request.requester_id],
                )
    return request


async def edit(
    scene: Scene, requester: User, request_id: int, draft: dict[str, Any]
) -> HelpRequest:
    """The requester changed their request: it is checked again before anyone sees it (a
    summary of the earlier version no longer fits and goes)."""
    request = await _get(scene, request_id)
    if request.requester_id != requester.id:
        raise Refused()
    if requester.banned_at:
        raise Refused(BANNED_TEXT)
    before = request
    request = await _move(scene, request, REVIEW, requester, WAITING, summary="", **draft)
    if before.state == OPEN:
        # Offers of the old text not delivered yet are not: it is checked again first. Their
        # volunteers were never told, so they no longer count as asked: the checked text is
        # offered to them again (held for their quiet hours as before), not "nobody left".
        offers = await scene.db.volunteers.offers(request.id)
        dropped = await scene.db.outbox.drop_unsent([o for _, o, _ in offers], "outdated offer")
        await scene.db.volunteers.forget_offers(request.id, dropped)
    # The earlier posts lose their buttons: a press there would decide on a text nobody
    # checked. The new post shows the old and the new version.
    await _mark_posts(scene, request, backchannel_language().t(EDITED))
    await _post_for_review(scene, request, before)
    return request


# -- offers already sent --------------------------------------------------------------


async def _update_offers(
    scene: Scene, request: HelpRequest, message: str, except_user: int | None = None
) -> None:
    """Replace the offers of everyone told about the request (e.g. with "taken"). The
    request left ``open``: offers not delivered yet (held for quiet hours) are dropped
    instead - nobody is woken for a request that is gone, and no edit waits behind them."""
    offers = await scene.db.volunteers.offers(request.id)
    dropped = await scene.db.outbox.drop_unsent(
        [outbox_id for volunteer_id, outbox_id, _ in offers if volunteer_id != except_user],
        "outdated offer",
    )
    for volunteer_id, outbox_id, _declined in offers:
        if volunteer_id == except_user or outbox_id in dropped:
            continue
        reader = await scene.db.users.get(volunteer_id)
        if reader is not None:
            await scene.mail.edit(outbox_id, lambda t: Message(t.t(message, id=request.id)), reader)


# -- the match and the relay ------------------------------------------------------------


def _left_the_search(request: HelpRequest) -> Refused:
    """Why an offer of ``request`` can no longer be taken, as its offers were told: "taken"
    only when someone took it (a request changed and back in review was not)."""
    if request.state in (MATCHED, DONE):
        return Refused(TAKEN, id=request.id)
    if request.state == EXPIRED:
        return Refused(OFFER_EXPIRED, id=request.id)
    if request.state == WITHDRAWN:
        return Refused(OFFER_WITHDRAWN, id=request.id)
    return Refused(NOT_FOR_YOU)


async def accept(scene: Scene, volunteer: User, request_id: int) -> HelpRequest:
    """ "I can help": checked against everything matching checks, now."""
    request = await _get(scene, request_id)
    if not await scene.db.volunteers.was_offered(request.id, volunteer.id):
        raise Refused()
    if request.state in (MATCHED, DONE) and request.volunteer_id == volunteer.id:
        # Their own second tap (double tap, older copy, after the help): spent, not "taken".
        raise Refused()
    if request.state != OPEN:
        raise _left_the_search(request)
    # A wave may reach beyond a volunteer's own areas and kinds (a neighbouring district, a
    # related kind, a shared language farther away): where the search has come to now
    # stands for those two, checked by the same rule that asks (ranking.within_reach).
    asked_wider = False
    if scene.settings.offer_rules.waves:
        search = await scene.db.waves.get(request.id)
        profile = await scene.db.volunteers.get(volunteer.id)
        asked_wider = (
            search is not None
            and profile is not None
            and (
                ranking.within_reach(scene.settings, profile, request, search.reach)
                # A talk wave asked them city-wide, for their talk shift and language.
                or (
                    request.category == TALK
                    and bool(profile.talk_shift)
                    and who_may_help.shares_language(profile, request)
                )
            )
        )
    why = await who_may_help.why_not_now(
        scene.db, scene.settings, volunteer, request, asked_wider=asked_wider
    )
    if why == who_may_help.PAUSED:
        raise Refused(N_("Please resume volunteering first."))
    if why == who_may_help.BANNED:
        raise Refused(BANNED_TEXT)
    if why is not None:
        raise Refused(NOT_FOR_YOU)
    request = await _move(
        scene,
        request,
        MATCHED,
        volunteer,
        (OPEN,),
        lost=TAKEN,
        volunteer_id=volunteer.id,
        door_code=new_door_code(),
    )
    await scene.db.volunteers.mark_accepted(
        request.id, volunteer.id, to_text(scene.settings.clock())
    )
    await _update_offers(scene, request, TAKEN, volunteer.id)
    requester = await scene.mail.reachable(request.requester_id)
    await contact.open_contact(scene, request, volunteer, requester)
    if request.voice_file_id:
        # The voice was in no offer: only the coordinators and the helper hear it (the
        # privacy notice's promise, handlers/media/medium_texts.py).
        await scene.mail.to_user(
            volunteer, lambda t: request_voice(t, request), about=[request.requester_id]
        )
    await talk_now.call(scene, request, volunteer, requester)
    offline = request.offline_contact and requester is None
    await _to_coordinators(
        scene,
        lambda t: (
            t.t(
                "🤝 Request #{id} was taken by volunteer {volunteer}.",
                id=request.id,
                volunteer=someone(t, volunteer),
            )
            # Someone without a chat learns the code word from the coordinator who calls them.
            + (
                "\n" + t.t("🔐 Code word for the person: {code}", code=request.door_code)
                if offline
                else ""
            )
        ),
        about=[volunteer.id],
    )
    return request


# To the requester whose helper handed the request back: by their own choice, or gone from
# the chat (``BY_UNREACHABLE``: what happens next, and that they need do nothing).
HELPER_CANNOT = N_(
    "↩️ Your helper cannot make it after all. Your request #{id} is open again and we are "
    "looking for someone else."
)
HELPER_GONE = N_(
    "↩️ Your helper can no longer be reached through the bot, so they will not come. Your "
    "request #{id} is open again and we are looking for someone else. You need not do "
    "anything: we will tell you as soon as someone takes it on."
)
# To the coordinators, where the bot cannot tell the requester of a hand-back.
CALL_THE_REQUESTER = N_(
    "☎️ The bot cannot write to the person asking: please call them and tell them that "
    "their helper is not coming."
)


async def hand_back(
    scene: Scene, volunteer: User, request_id: int, reason: str, *, forced: bool = False
) -> HelpRequest:
    """The volunteer cannot help after all (or is gone: ``forced`` by deletion or a ban):
    the request is open again and offered to others, never to them again."""
    request = await _get(scene, request_id)
    reasons = FORCED_HAND_BACK if forced else HAND_BACK_REASONS
    if request.volunteer_id != volunteer.id or reason not in reasons:
        raise Refused()
    before = request
    request = await _move(
        scene, request, OPEN, volunteer, (MATCHED,), volunteer_id=None, door_code=""
    )
    await scene.db.volunteers.mark_handed_back(request.id, volunteer.id)
    await scene.db.requests.audit(
        volunteer.id, "request.handed_back", f"request:{request.id}", {"reason": reason}
    )
    await contact.end_contact(scene, before)
    if request.requester_id is not None and await scene.state_of(request.requester_id) is None:
        # Their next message is likely meant for the helper: the relay says it was not
        # passed on, instead of taking it for a new request without a word.
        await scene.set_state_of(request.requester_id, HELPER_LEFT, {"request_id": request.id})
    told = await scene.mail.reachable(request.requester_id) is not None
    await contact.tell_contact_ended(
        scene,
        before,
        request.requester_id,
        HELPER_GONE if reason == BY_UNREACHABLE else HELPER_CANNOT,
    )
    await _to_coordinators(
        scene,
        lambda t: (
            t.t(
                "↩️ Request #{id} was handed back ({reason}).",
                id=request.id,
                reason=t._(reasons[reason]),
            )
            # Nobody else tells a person the bot cannot write to (entered for someone without
            # a chat, or who closed theirs) that their helper is not coming.
            + ("" if told else "\n" + t.t(CALL_THE_REQUESTER))
        ),
    )
    await offer_fanout.offer(scene, request, skip={volunteer.id})
    await offer_fanout.pull(scene, volunteer.id)
    return request


# -- ending ----------------------------------------------------------------------------


# The states a request is withdrawn from (a button asking it first checks them too).
WITHDRAW_FROM = (DRAFT, *ACTIVE)
# A requester who closed their chat (``BY_UNREACHABLE``): the coordinators' line, and their
# helper's - who must not set out to someone nobody can reach to agree the time or give
# the code word to.
REQUESTER_GONE = N_(
    "⛔ Request #{id} was closed: the requester can no longer be reached in the chat (they "
    "blocked the bot or left)."
)
# The audit's entry of a request withdrawn because its requester closed their chat.
UNREACHABLE_ACTION = "request.unreachable"
DO_NOT_GO = N_(
    "⛔ Request #{id} was closed: the person asking can no longer be reached through the "
    "bot. Please do not go to them. Your contact has ended."
)
# What the helper of a withdrawn request reads, by why (else: the requester withdrew it).
CLOSED_BY_COORDINATORS = N_(
    "ℹ️ Request #{id} was closed by the coordinators. Your contact has ended."
)
HELPER_TOLD = {
    BY_BAN: CLOSED_BY_COORDINATORS,
    BY_COORDINATOR: CLOSED_BY_COORDINATORS,
    BY_UNREACHABLE: DO_NOT_GO,
}
WITHDRAWN_FOR_HELPER = N_(
    "↩️ The request #{id} you took on was withdrawn by the requester. Your contact has ended."
)


async def withdraw(
    scene: Scene, actor: User | None, request_id: int, why: str = BY_REQUESTER
) -> HelpRequest:
    """The request ends before it is done. By the requester (by hand, by deleting the
    account, by withdrawing consent) or, with ``BY_BAN``, by a coordinator's ban."""
    request = await _get(scene, request_id)
    if why == BY_BAN:
        if actor is not None and not is_staff(actor):
            raise Refused()
    elif why == BY_COORDINATOR:
        if actor is None:
            raise Refused()
        staff_only(actor)
    elif why == BY_UNREACHABLE:
        # Nobody acts: the requester's closed chat is the cause (closed_chats.py).
        if actor is not None:
            raise Refused()
    elif actor is None or request.requester_id != actor.id:
        raise Refused()
    before = request
    request = await _move(scene, request, WITHDRAWN, actor, WITHDRAW_FROM)
    await _update_offers(
        scene,
        request,
        N_("ℹ️ Request #{id} was ended by the coordinators. Thank you anyway!")
        if why == BY_COORDINATOR
        else OFFER_WITHDRAWN,
    )
    verdict = await _withdrawn(scene, request, actor, why)
    if why in ERASURES:
        # Whatever the state: a published request's posts still show the review post.
        await _mark_posts(scene, request, verdict, erased=True)
    elif before.state == REVIEW:
        await _mark_posts(scene, request, verdict)
    await _to_coordinators(scene, lambda t: verdict)
    if before.held_reason:
        await held_post.show(scene)
    if before.held_reason == posting_limits.FLOOD:
        await flood_over(scene)
    if before.state == MATCHED:
        await contact.end_contact(scene, before)
        await contact.tell_contact_ended(
            scene, before, before.volunteer_id, HELPER_TOLD.get(why, WITHDRAWN_FOR_HELPER)
        )
    return request


async def _withdrawn(scene: Scene, request: HelpRequest, actor: User | None, why: str) -> Markup:
    """The coordinators' line of a withdrawal, ``why`` it happened; a coordinator's end is
    told to the requester too (their own, a ban or an erasure is not)."""
    bt = backchannel_language()
    if why == BY_BAN:
        return bt.t("⛔ Request #{id} was closed because the requester was blocked.", id=request.id)
    if why == BY_UNREACHABLE:
        # The history's mark of why nobody's withdrawal ended it (history.py).
        await scene.db.requests.audit(None, UNREACHABLE_ACTION, f"request:{request.id}")
        return bt.t(REQUESTER_GONE, id=request.id)
    if why != BY_COORDINATOR:
        return bt.t(WITHDRAWN_BY_REQUESTER, id=request.id)
    assert actor is not None
    await _tell_requester(
        scene,
        request,
        lambda t: Message(
            t.t("ℹ️ The coordinators ended your request #{id}.", id=request.id),
            ui.back_to_menu_for(t),
        ),
    )
    return bt.t("⏹ Request #{id} was ended by {name}.", id=request.id, name=actor.first_name or "?")


async def end_by_coordinator(scene: Scene, coordinator: User, request_id: int) -> HelpRequest:
    """A coordinator ends a request still running (a "just talk" request nobody should
    take any more, or whose talk is over): withdrawn, everyone told as by a withdrawal."""
    request = await withdraw(scene, coordinator, request_id, BY_COORDINATOR)
    await scene.db.requests.audit(coordinator.id, "request.end", f"request:{request.id}")
    return request


# The states "help is done" is taken from (a button asking it first checks them too).
DONE_FROM = (MATCHED,)


async def done(scene: Scene, requester: User, request_id: int) -> HelpRequest:
    """The requester says the help is done: the volunteer is thanked and asked the time."""
    request = await _get(scene, request_id)
    if request.requester_id != requester.id:
        raise Refused()
    request = await _move(scene, request, DONE, requester, DONE_FROM)
    await contact.end_contact(scene, request)
    await scene.mail.to_user(
        request.volunteer_id,
        lambda t: Message(
            t.t("🎉 Request #{id} is done. Thank you for your help!", id=request.id)
            + "\n"
            + t.t("⏱ How much time did you spend on it?"),
            ui.rows([_minutes_button(t, request.id, minutes) for minutes in MINUTES]),
        ),
    )
    await _to_coordinators(scene, lambda t: t.t("🎉 Request #{id} is done.", id=request.id))
    if request.volunteer_id is not None:
        await offer_fanout.pull(scene, request.volunteer_id)
    return request


MINUTES = (30, 60, 120, 180)


def _minutes_button(t: Translator, request_id: int, minutes: int) -> Button:
    return Button(t.duration(minutes), f"rl:min:{request_id}:{minutes}")


async def still_needed(scene: Scene, requester: User, request_id: int) -> HelpRequest:
    """ "Yes, still needed": the expiry counts from now."""
    request = await _get(scene, request_id)
    if request.requester_id != requester.id or request.state != OPEN:
        raise Refused()
    await scene.db.requests.mark(request.id, "kept_at")
    await scene.db.requests.audit(requester.id, "request.kept", f"request:{request.id}")
    return request


async def expire(scene: Scene, request_id: int) -> HelpRequest | None:
    """Nobody took it in time (the follow-up job); None if it moved on meanwhile."""
    request = await _get(scene, request_id)
    before = request
    try:
        request = await _move(scene, request, EXPIRED, None, WAITING)
    except Refused:
        return None
    await _tell_requester(
        scene,
        request,
        lambda t: Message(
            t.t(
                "⌛ Your request #{id} has expired because nobody could take it "
                "on. You are welcome to post it again.",
                id=request.id,
            )
            + their_text(t, request)  # to post it again, they keep what they wrote
        ),
    )
    await _update_offers(scene, request, OFFER_EXPIRED)
    bt = backchannel_language()
    verdict = bt.t("⌛ Request #{id} expired without a helper.", id=request.id)
    if before.state == REVIEW:
        await _mark_posts(scene, request, verdict)
    await _to_coordinators(scene, lambda t: verdict)
    return request


async def running_help(db: Database, person_id: int) -> bool:
    """Whether help is under way for ``person_id``: a request of theirs is active, or they
    help with one (what :func:`end_all_for` ends). The notices of it get what a person's
    STOP or the text messages' reserve keeps for them (bot/transports/sms)."""
    return await db.requests.help_under_way(person_id)


async def end_all_for(scene: Scene, person: User, why: str, actor: User | None = None) -> None:
    """Everything of ``person`` still running ends: their own requests are withdrawn, the
    ones they help with are handed back (and offered to others). ``why``: deletion,
    consent withdrawal, inactivity, a ban (then ``actor`` is the coordinator) or a chat they
    closed (``BY_UNREACHABLE``). On an erasure the review posts of the person's closed
    requests lose their name and words too."""
    erasure = why in ERASURES
    closed = await scene.db.requests.for_requester(person.id, CLOSED) if erasure else []
    for request in await scene.db.requests.for_requester(person.id, (DRAFT, *ACTIVE)):
        by = actor if why == BY_BAN else None if why == BY_UNREACHABLE else person
        await withdraw(scene, by, request.id, why)
    for request in await scene.db.requests.helped_by(person.id):
        reason = why if why in FORCED_HAND_BACK else "deleted"
        await hand_back(scene, person, request.id, reason, forced=True)
    for request in closed:
        await _mark_posts(scene, request, Markup(""), erased=True)
