"""Where features register what they answer to: commands, buttons, states, menu entries.

A feature module exposes ``register(router)``; the dispatcher only asks the router.

Button data is ``prefix:action:args``. A feature registers each action as its own small
callback (``@router.action("mt", "acc")``), optionally only valid in some conversation
states; the dispatcher finds it, checks the role and the state, and puts ``args`` into
``ctx.args``. A whole prefix can still be registered with ``@router.button`` for buttons
whose data has no actions. A button that matches nothing, or is pressed in the wrong state,
gets the one "no longer valid" answer from the dispatcher.

Before any of them, a private update meets the gates (``Router.gates``, ``@router.gate``):
checks a feature registers - the phone's caller check and its PIN - as python-telegram-bot
registers a handler in an earlier group that can stop an update (``ApplicationHandlerStop``).
A gate declares the capability of a channel it can need (handlers/channels.py ``Channel``:
``calls``), never a transport's name; an update from a platform whose channel lacks it
never meets that gate.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Collection
from dataclasses import dataclass, field, fields, replace
from typing import TYPE_CHECKING, Any

from handlers.channels import Channel, Channels
from handlers.messages import Button, ButtonPress, Command, Event, Media, Text, choices, valued
from handlers.parsing import typed_value
from handlers.staff import holds

if TYPE_CHECKING:
    from markupsafe import Markup

    from db.users import User
    from handlers.context import Backstage, Context
    from handlers.messages import Message
    from locales import Translator

Callback = Callable[["Context"], Awaitable[None]]
# A gate's check: True when it took the update (nothing after it sees the update).
GateCheck = Callable[["Context"], Awaitable[bool]]
# The longest text a person writes in a step for other people to read (a request's
# description, a coordinator's question and the requester's answer, a letter, a report,
# feedback): one figure, so what one step takes, the next passes on whole. A step declares
# it, or its own, with ``Router.limit_input``.
WRITTEN_LIMIT = 1000


def written_limit(most: int, step: int = WRITTEN_LIMIT) -> int:
    """The longest text taken at a step whose own figure is ``step`` (people's texts for
    others: ``WRITTEN_LIMIT``) where the city's ``most`` (``max_text_length``) allows it:
    the one rule of the chat's steps (``Router.input_limit``) and of the desk's forms."""
    return min(step, most)


# A ``/start <prefix>_<rest>`` link's handler: True when the link opened what it names,
# False (having said nothing) when ``rest`` names nothing - the caller says the link is
# not valid (handlers/onboarding.py).
DeepLink = Callable[["Context"], Awaitable[bool]]
# What a step offers to press (its choices, Skip, Cancel), given the person's context and the
# step's state data: the one list its question and every refusal at it show.
Choices = Callable[["Context", dict[str, Any]], list[list[Button]]]
# A step's location request: its button's label and the line its other buttons stand under
# where they cannot stand beside it (``Message.request_location``, ``location_aside``).
Locating = Callable[["Translator", bool], tuple[str, "Markup | None"]]
# What a gate may declare it needs: a yes-or-no capability of a channel (``Channel.calls``).
CAPABILITIES = frozenset(f.name for f in fields(Channel) if f.type in (bool, "bool"))


@dataclass(frozen=True)
class CommandSpec:
    name: str
    callback: Callback
    # Untranslated description (marked with N_), shown in /help and the platform's command menu.
    description: str
    # Usable before the privacy notice was accepted (start, help, language, delete).
    before_consent: bool = False
    # Role needed to use it (admins may do everything); None: everyone.
    role: str | None = None
    # Also usable in the coordinators' backchannel group.
    backchannel: bool = False


@dataclass(frozen=True)
class ButtonSpec:
    prefix: str
    callback: Callback
    before_consent: bool = False
    role: str | None = None
    backchannel: bool = False
    # The conversation states the button belongs to (a name ending in "." stands for every
    # state under it); None: valid in any state.
    states: tuple[str, ...] | None = None
    # An act that ends or redirects running help (withdraw, done, the channel): where a
    # sender can be forged it waits for the code texted to the number
    # (handlers/numbers/coded_acts.py),
    # which this text asks for ({code}; {id}: the number the button names).
    coded: str | None = None
    # A coded act that passes without another code while the number's right code is fresh
    # (``coded_acts.PASSING``): a volunteer's own answers and settings, several in a row.
    vouched_passes: bool = False

    def valid_in(self, state: str | None) -> bool:
        if self.states is None:
            return True
        return state is not None and any(
            state == name or (name.endswith(".") and state.startswith(name)) for name in self.states
        )


@dataclass(frozen=True)
class Gate:
    """A check a private update meets before the features (``Router.gates``): asked in the
    order of ``group`` (lowest first); ``needs``: the capability of the update's channel
    without which it is not asked (None: every update meets it)."""

    group: int
    check: GateCheck
    needs: str | None = None


def _keys(data: str) -> set[str]:
    """The keys a press of ``data`` is declared under: its action, its whole prefix."""
    prefix, _, rest = data.partition(":")
    return {f"{prefix}:{rest.partition(':')[0]}", prefix}


def may_unchecked(unchecked: Collection[str], event: Event) -> bool:
    """Whether a call that has not proven the number it claims may go on with ``event``
    (``Router.unchecked``: what the features declared so): a command or a press declared
    so; words said or typed go to the step the caller is at, which only such a press
    began."""
    if isinstance(event, Command):
        return f"/{event.name}" in unchecked
    if isinstance(event, ButtonPress):
        return any(key in unchecked for key in _keys(event.data))
    return isinstance(event, Text | Media)


def shows_only_own(shows_own: Collection[str], data: str) -> bool:
    """Whether pressing ``data`` shows the person only her own things (``Router.shows_own``:
    that very press, no arguments)."""
    return data in shows_own


@dataclass
class Router:
    commands: dict[str, CommandSpec] = field(default_factory=dict)
    buttons: dict[str, ButtonSpec] = field(default_factory=dict)
    states: dict[str, Callback] = field(default_factory=dict)
    # States that only keep what a shown list needs (its search, perhaps a coarse point
    # around which it was searched): any command ends them, so nothing of the search is
    # kept once the person has moved on; the list's buttons then say it is no longer current.
    views: set[str] = field(default_factory=set)
    # States whose step takes input before consent too (the erasure code of a person with
    # data who never agreed, handlers/privacy.py): elsewhere input before consent onboards.
    before_consent_states: set[str] = field(default_factory=set)
    # The longest text a step takes (``limit_input``), where below the city's
    # ``max_text_length``: the one owner of input length. The dispatcher refuses a longer
    # text for every transport before any step sees it, naming the limit that holds
    # (``input_limit``); the step and what it holds stay for the shorter text. Steps do not
    # check the length again.
    input_limits: dict[str, int] = field(default_factory=dict)
    # What a step offers to press (``offer``): a refusal that is not the step's own (a text
    # too long for it) shows the same choices - numbered choices (SMS, the phone's keys)
    # press only the newest message's, and a refusal without them left nothing to press.
    step_choices: dict[str, Choices] = field(default_factory=dict)
    # What a step that asks for a location offers beside its buttons (``offer_location``:
    # Telegram's "📍 Share my location" keyboard): every refusal there offers it again - a
    # refusal without it took the keyboard away (Telegram removes it with the next message).
    step_locations: dict[str, Locating] = field(default_factory=dict)
    # What keeps nothing of a person beyond what their call or chat already holds (the main
    # menu, finding places): button keys (``prefix:action``, a menu entry ``menu:<key>``),
    # commands (``/<name>``) and states. Where consent is asked at the first step that
    # keeps something (handlers/first_kept.py: the phone), these work before it; elsewhere
    # they wait for consent like everything else.
    keeps_nothing: set[str] = field(default_factory=set)
    # What a call that claims a number it has not proven may do (handlers/numbers/
    # caller_check.py), as each feature declares it where it registers (``unchecked=True``,
    # as errbot's ``admin_only`` sits on the command): what shows the same to everyone or
    # concerns only this call. Keys as ``keeps_nothing``'s (a whole prefix: ``prefix``).
    unchecked: set[str] = field(default_factory=set)
    # What shows a person only her own things (her requests, her settings, her reminders)
    # or begins what she then answers herself (a new request's first question),
    # ``shows_own=True``: a claimed call that pressed it begins there once checked.
    shows_own: set[str] = field(default_factory=set)
    menu_actions: dict[str, Callback] = field(default_factory=dict)
    deep_links: dict[str, DeepLink] = field(default_factory=dict)
    # Before a person's data goes (handlers/privacy.py), each closer ends what they have
    # running that others depend on (requests, contacts), telling those others. It gets the
    # scene (a Context, or a Backstage for the retention job), the person and why:
    # "deleted", "consent" or "inactive". What is stored is erased by the personal-data map
    # (db/personal_data.py), not here.
    closers: list[Callable[[Any, User, str], Awaitable[None]]] = field(default_factory=list)
    # More about a place from other features (its events): (lines, buttons) per place.
    place_sections: list[Callable[[Context, Any], Awaitable[tuple[list[Any], list[Any]]]]] = field(
        default_factory=list
    )
    # Free input (text, voice, location) sent outside any conversation step: each taker is
    # asked in the order of its rank (lowest first) and returns True when it took the input.
    # Input nobody takes gets the dispatcher's "not understood" answer.
    free_input: list[tuple[int, Callable[[Context], Awaitable[bool]]]] = field(default_factory=list)
    # Free input a conversation step could not use (``ctx.refuse``): each taker is asked in
    # turn and returns True when it took the input (a running contact passes it on to the
    # helper); the step's answer is then withdrawn and the step stays where it was.
    refused_input: list[Callable[[Context], Awaitable[bool]]] = field(default_factory=list)
    # A person edited or deleted a message they sent earlier (``Edited``, ``Removed``): each
    # taker is asked in turn and returns True when the message was its (a relayed one).
    amendments: list[Callable[[Context], Awaitable[bool]]] = field(default_factory=list)
    # What a feature does once the code texted to a number confirms what it held
    # (handlers/numbers/coded_acts.py ``hold``): by name, with the data it kept.
    confirmed: dict[str, Callable[[Context, dict[str, Any]], Awaitable[None]]] = field(
        default_factory=dict
    )
    # Before consent, a press that waited (``press_again``): whether it was taken without
    # the onboarding - it keeps nothing and went ahead, or the notice was asked for it
    # (handlers/first_kept.py, registered by handlers/onboarding.py); None: the onboarding.
    unagreed_press: Callable[[Context, ButtonSpec], Awaitable[bool]] | None = None
    # Rows of buttons other features put at the top of the main menu (a running contact).
    menu_sections: list[Callable[[Context], Awaitable[list[list[Any]]]]] = field(
        default_factory=list
    )
    # What a transport reported (handlers/channels.py ``Happening``: a call given up): the
    # takers of its kind, each given the scene (a Backstage) and the report.
    happenings: dict[type, list[Callable[[Backstage, Any], Awaitable[None]]]] = field(
        default_factory=dict
    )
    # What a private update meets before commands, buttons and input (see the module's
    # docstring), in the order of their groups; the first that takes it ends it there.
    gates: list[Gate] = field(default_factory=list)
    # The gates of each platform, worked out once for the channels they were asked with:
    # per update, a lookup - a chat's message pays nothing for the phone's gates.
    _asked: tuple[Channels | None, dict[str, tuple[Gate, ...]]] = field(
        default_factory=lambda: (None, {}), init=False, repr=False, compare=False
    )

    def command(
        self,
        name: str,
        description: str,
        *,
        before_consent: bool = False,
        role: str | None = None,
        backchannel: bool = False,
        unchecked: bool = False,
    ) -> Callable[[Callback], Callback]:
        """Handle ``/name``; ``unchecked``: see ``unchecked``."""

        def decorate(callback: Callback) -> Callback:
            if name in self.commands:
                raise ValueError(f"command /{name} registered twice")
            self.commands[name] = CommandSpec(
                name, callback, description, before_consent, role, backchannel
            )
            self._declare(f"/{name}", unchecked=unchecked)
            return callback

        return decorate

    def button(
        self,
        prefix: str,
        *,
        before_consent: bool = False,
        role: str | None = None,
        backchannel: bool = False,
        coded: str | None = None,
        unchecked: bool = False,
    ) -> Callable[[Callback], Callback]:
        """Handle buttons ``prefix:args``; ``unchecked``: see ``unchecked``."""

        def decorate(callback: Callback) -> Callback:
            if prefix in self.buttons or ":" in prefix:
                raise ValueError(f"button prefix {prefix!r} invalid or registered twice")
            self.buttons[prefix] = ButtonSpec(
                prefix, callback, before_consent, role, backchannel, coded=coded
            )
            self._declare(prefix, unchecked=unchecked)
            return callback

        return decorate

    def action(
        self,
        prefix: str,
        action: str,
        *,
        before_consent: bool = False,
        role: str | None = None,
        backchannel: bool = False,
        states: tuple[str, ...] | None = None,
        coded: str | None = None,
        vouched_passes: bool = False,
        keeps_nothing: bool = False,
        unchecked: bool = False,
        shows_own: bool = False,
    ) -> Callable[[Callback], Callback]:
        """Handle buttons ``prefix:action[:args]``; ``ctx.args`` gets ``args``; ``coded``:
        the act waits for a code where a sender can be forged, ``vouched_passes``: not
        within a while of a right one (:class:`ButtonSpec`); ``keeps_nothing``,
        ``unchecked``, ``shows_own``: see those fields."""

        def decorate(callback: Callback) -> Callback:
            key = f"{prefix}:{action}"
            if key in self.buttons or ":" in prefix or ":" in action:
                raise ValueError(f"button action {key!r} invalid or registered twice")
            if coded and states is not None:
                raise ValueError(f"a coded action {key!r} is pressed again in any state")
            self.buttons[key] = ButtonSpec(
                key, callback, before_consent, role, backchannel, states, coded, vouched_passes
            )
            if keeps_nothing:
                self.keeps_nothing.add(key)
            self._declare(key, unchecked=unchecked, shows_own=shows_own)
            return callback

        return decorate

    def unchecked_prefix(self, prefix: str) -> None:
        """Every press under ``prefix`` (its actions, and any other data under it) may be
        made by a call that has not proven its number (see ``unchecked``): a feature that
        shows the same to everyone, or concerns only this call, all of it."""
        self.unchecked.add(prefix)

    def _declare(self, key: str, *, unchecked: bool = False, shows_own: bool = False) -> None:
        if unchecked:
            self.unchecked.add(key)
        if shows_own:
            self.shows_own.add(key)

    def may_unchecked(self, event: Event) -> bool:
        """Whether a call that has not proven the number it claims may go on with ``event``
        (:func:`may_unchecked`)."""
        return may_unchecked(self.unchecked, event)

    def kept_nothing(self, data: str) -> bool:
        """Whether pressing ``data`` keeps nothing of the person (``keeps_nothing``)."""
        prefix, _, rest = data.partition(":")
        return f"{prefix}:{rest.partition(':')[0]}" in self.keeps_nothing

    def find_button(self, data: str) -> tuple[ButtonSpec, str] | None:
        """The spec for pressed button data and the args it gets: an action first, then a
        whole prefix."""
        prefix, _, rest = data.partition(":")
        action, _, args = rest.partition(":")
        spec = self.buttons.get(f"{prefix}:{action}")
        if spec is not None:
            return spec, args
        spec = self.buttons.get(prefix)
        return (spec, rest) if spec is not None else None

    async def press_again(self, ctx: Context, data: str, message_id: str | None = None) -> None:
        """``data`` pressed again now: a press that waited (for a code, a PIN), found and
        checked as any press is at the moment of acting - gone, or its role no longer held:
        no longer valid (``Context.stale``)."""
        found = self.find_button(data)
        state = ctx.get_state()
        if (
            found is None
            or not holds(ctx.user, found[0].role)
            or not found[0].valid_in(state.state if state else None)
        ):
            ctx.stale()
        button, ctx.args = found
        ctx.incoming = replace(ctx.incoming, event=ButtonPress(data, message_id))
        if ctx.user.consent_at is None and not button.before_consent:
            if self.unagreed_press is None or not await self.unagreed_press(ctx, button):
                await self.start(ctx)  # not agreed yet: where they are in the notice
            return
        await button.callback(ctx)

    async def command_again(self, ctx: Context, name: str) -> None:
        """The command ``name`` (no arguments) run again now, checked as any is at the
        moment of acting: gone, or its role no longer held - no longer valid."""
        spec = self.commands.get(name)
        if spec is None or not holds(ctx.user, spec.role):
            ctx.stale()
        ctx.incoming = replace(ctx.incoming, event=Command(name))
        await spec.callback(ctx)

    async def start(self, ctx: Context) -> None:
        """The /start handler: a conversation's beginning, and where someone who has not
        agreed to the privacy notice yet picks up."""
        start = self.commands.get("start")
        if start is None:
            raise RuntimeError("no /start handler registered")
        await start.callback(ctx)

    def limit_input(self, state: str, longest: int) -> None:
        """Texts longer than ``longest`` characters are refused at step ``state``."""
        self.input_limits[state] = longest

    def offer(self, state: str, choices: Choices) -> None:
        """Step ``state`` shows ``choices`` (its question does, and so does every refusal);
        where they carry values (``Button.value``), a number typed there is one (``read_typed``)."""
        self.step_choices[state] = choices

    def offer_location(self, state: str, locating: Locating) -> None:
        """Step ``state`` asks for a location (``Message.request_location``), and so does
        every refusal there (``located``)."""
        self.step_locations[state] = locating

    def located(self, ctx: Context, refused: Message) -> None:
        """A refusal at a step that asks for a location asks for it again."""
        state = ctx.get_state()
        locating = self.step_locations.get(state.state) if state is not None else None
        if locating is not None and not refused.request_location:
            refused.request_location, refused.location_aside = locating(
                ctx.t, bool(refused.buttons)
            )

    def with_choices(self, ctx: Context, buttons: list[list[Button]]) -> list[list[Button]]:
        """``buttons`` (a refusal's own: suggestions, the way back), then what the step the
        person is at offers to press (``choices_at``) that they do not hold already."""
        own = {button.data for row in buttons for button in row if button.data}
        offered = [
            [button for button in row if not button.data or button.data not in own]
            for row in self.choices_at(ctx) or []
        ]
        return [*buttons, *(row for row in offered if row)]

    def read_typed(self, ctx: Context) -> None:
        """A number typed at a step whose answer is a number - its choices carry values
        (``Button.value``: a distance, a count, a duration) - is that number, for every
        transport that numbers choices: the press of the choice that is it ("5" for "5 km",
        "2" for "ساعتان", "1,5" for "1,5 Stunden", in any script's digits: pressing it and
        typing it mean the same), else text for the step to read or refuse - never the
        choice at that place in the list ("4" km pressed Cancel; such a step's list shows no
        places: handlers/media/value_choices.py). A tap, a reaction or a phone's key (no
        ``ButtonPress.typed``) stays the choice it pressed: the caller heard "press 4"."""
        event = ctx.incoming.event
        text = event.typed if isinstance(event, ButtonPress) else ""
        if isinstance(event, Text) and not event.text.isspace():
            text = event.text
        wanted = typed_value(text) if text else None
        offered = choices(self.choices_at(ctx) or []) if wanted is not None else []
        if not valued(offered):
            return
        named = [button.data for row in offered for button in row if button.value == wanted]
        message_id = event.message_id if isinstance(event, ButtonPress) else None
        read: Event = ButtonPress(named[0], message_id) if len(named) == 1 else Text(text)
        ctx.incoming = replace(ctx.incoming, event=read)

    def choices_at(self, ctx: Context) -> list[list[Button]] | None:
        """What the step the person is at offers to press (None: no step, or none)."""
        state = ctx.get_state()
        offered = self.step_choices.get(state.state) if state is not None else None
        return (offered(ctx, state.data) or None) if offered and state is not None else None

    def input_limit(self, state: str | None, most: int) -> int:
        """The longest text taken at ``state`` (None: outside any step): the step's own,
        never more than the city's ``most`` (``max_text_length``)."""
        return written_limit(most, self.input_limits.get(state or "", most))

    def public_commands(self) -> list[CommandSpec]:
        """Commands everyone may use: the ones published in the platforms' command menus."""
        return [spec for spec in self.commands.values() if spec.role is None]

    def state(
        self,
        name: str,
        *,
        view: bool = False,
        before_consent: bool = False,
        keeps_nothing: bool = False,
    ) -> Callable[[Callback], Callback]:
        """Handle free input (text, location, media) in conversation state ``name``;
        ``view``: a state that shows a list, ended by any command (see ``views``);
        ``before_consent``: also before the person agreed (see ``before_consent_states``);
        ``keeps_nothing``: see ``keeps_nothing``."""

        def decorate(callback: Callback) -> Callback:
            if name in self.states:
                raise ValueError(f"state {name!r} registered twice")
            self.states[name] = callback
            if view:
                self.views.add(name)
            if before_consent:
                self.before_consent_states.add(name)
            if keeps_nothing:
                self.keeps_nothing.add(name)
            return callback

        return decorate

    def free_input_taker(
        self, rank: int
    ) -> Callable[[Callable[[Context], Awaitable[bool]]], Callable[[Context], Awaitable[bool]]]:
        """Offer free input outside any step to ``callback`` (see ``free_input``)."""

        def decorate(
            callback: Callable[[Context], Awaitable[bool]],
        ) -> Callable[[Context], Awaitable[bool]]:
            self.free_input.append((rank, callback))
            self.free_input.sort(key=lambda item: item[0])
            return callback

        return decorate

    def happening(
        self, kind: type
    ) -> Callable[
        [Callable[[Backstage, Any], Awaitable[None]]], Callable[[Backstage, Any], Awaitable[None]]
    ]:
        """Take each report of ``kind`` a transport makes (see ``happenings``)."""

        def decorate(
            callback: Callable[[Backstage, Any], Awaitable[None]],
        ) -> Callable[[Backstage, Any], Awaitable[None]]:
            self.happenings.setdefault(kind, []).append(callback)
            return callback

        return decorate

    def gate(self, group: int, *, needs: str | None = None) -> Callable[[GateCheck], GateCheck]:
        """Let ``check`` meet each private update first (see ``gates``), in ``group``;
        ``needs``: only updates whose channel has this capability (:data:`CAPABILITIES`)."""
        if needs is not None and needs not in CAPABILITIES:
            raise ValueError(f"a gate cannot need {needs!r}: not a channel's capability")

        def decorate(check: GateCheck) -> GateCheck:
            self.gates.append(Gate(group, check, needs))
            self.gates.sort(key=lambda gate: gate.group)
            self._asked = (None, {})
            return check

        return decorate

    def gates_for(self, platform: str, channels: Channels) -> tuple[Gate, ...]:
        """The gates an update from ``platform`` meets: those whose capability its channel
        (of ``channels``) has, in order."""
        known, by_platform = self._asked
        if known is not channels:
            by_platform = {}
            self._asked = (channels, by_platform)
        gates = by_platform.get(platform)
        if gates is None:
            channel = channels.of(platform)
            gates = tuple(
                gate for gate in self.gates if gate.needs is None or getattr(channel, gate.needs)
            )
            by_platform[platform] = gates
        return gates

    def menu_action(
        self,
        key: str,
        *,
        keeps_nothing: bool = False,
        unchecked: bool = False,
        shows_own: bool = False,
    ) -> Callable[[Callback], Callback]:
        """The main menu's entry ``menu:key``; ``keeps_nothing``, ``unchecked``,
        ``shows_own``: see those fields."""

        def decorate(callback: Callback) -> Callback:
            self.menu_actions[key] = callback
            if keeps_nothing:
                self.keeps_nothing.add(f"menu:{key}")
            self._declare(f"menu:{key}", unchecked=unchecked, shows_own=shows_own)
            return callback

        return decorate

    def deep_link(self, prefix: str) -> Callable[[DeepLink], DeepLink]:
        """Handle ``/start <prefix>_<rest>`` links (posters, QR codes); see ``DeepLink``."""

        def decorate(callback: DeepLink) -> DeepLink:
            self.deep_links[prefix] = callback
            return callback

        return decorate
