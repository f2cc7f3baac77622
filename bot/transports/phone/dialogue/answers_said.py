"""What a call hears: an answer's spoken form (the reader chain's spoken link,
handlers/reader_chain.py) said with its keys (what_keys_mean.py ``keys_said``), in pages when
it has more than ten choices, its likely choice first (likely_choice_first.py); the call's words
(the caller's reader); a line of the transport's own; the wait for the caller and the
goodbye. transport.py hands each answer here; the dialogues of handlers/numbers/
caller_check.py (who_calls.py) say their messages here too.
A message whose text names its keys (``Message.keys_named``) is pressed by key without its
labels said; one that asks for a number (``Message.typed_digits``) takes the caller's
digits as text until "#".

Every answer that is a message is said (speech_files.py) and played after what the call is
playing; its choices are kept for the call by the numbered-choices rules
(numbered_choices.py), so that a key presses the newest message's choice. A message of more
than ten choices is said in pages (the call keeps the page in its turn, turn.py ``Turn.page``);
the list that comes again after a tick is said from the page that holds the choice pressed
(:meth:`CallVoice._turn_to`).
"""

from __future__ import annotations

import itertools
from pathlib import Path

from markupsafe import Markup

from bot.speech.engine import SpeechError
from bot.speech.script import Part
from bot.transports.numbered_choices import NumberedChoices, numbered
from bot.transports.phone.calls.answered_call import Call, hinting, is_over
from bot.transports.phone.calls.answering_settings import CallSettings
from bot.transports.phone.calls.callers_number import PLATFORM
from bot.transports.phone.calls.turn import Paged, Then, turn_of
from bot.transports.phone.calls.verbs import CallRunner, Say
from bot.transports.phone.sip.call_control import CallControl
from bot.transports.phone.words import likely_choice_first
from bot.transports.phone.words.likely_choice_first import Said, keys_of
from bot.transports.phone.words.newest_choices_only import CallChoices
from bot.transports.phone.words.press_0_for_a_person import (
    AFTER_TONE,
    IDLE_GOODBYE,
    LONGEST_GOODBYE,
    offers_person,
)
from bot.transports.phone.words.press_0_for_a_person import CHOICE as PERSON_CHOICE
from bot.transports.phone.words.speech_files import Prompts, spoken_parts
from bot.transports.phone.words.what_keys_mean import (
    BACK,
    MORE,
    MORE_KEY,
    NEXT_PAGE,
    Meaning,
    Typed,
    keys_said,
    on_page,
    page_count,
)
from bot.transports.sending import DeliveryError
from handlers.channels import WordsPort
from handlers.messages import (
    ButtonPress,
    Command,
    Edit,
    Event,
    Message,
    Outgoing,
    SpokenForm,
    Text,
)
from locales import Translator, negotiate
from locales.phone_numbers import language_hint


class CallVoice:
    """How the line's calls are spoken to (``prompts``/``voices``: set when the line
    connects, or given)."""

    def __init__(
        self,
        words: WordsPort,
        stack: CallControl,
        in_call: CallSettings,
        prompts: Prompts | None,
        voices: frozenset[str],
    ) -> None:
        # The callers' words, as the city hands them (handlers/channels.py ``WordsPort``).
        self.city_words = words
        self.stack = stack
        self.in_call = in_call
        self.prompts = prompts
        self.voices = voices
        self.call_choices = CallChoices()
        self.choices = NumberedChoices(self.call_choices, lambda chat_id: False)
        self._message_ids = itertools.count(1)

    def runner(self, call: Call) -> CallRunner:
        """The runner the call's steps run on (one made for a call set up by hand)."""
        if call.runner is None:
            call.runner = CallRunner(self.stack, call.call_id)
        return call.runner

    # -- an answer

    async def answer(self, call: Call, item: Outgoing, edit_message_id: str | None) -> None:
        """``item`` said to ``call``, after what it is playing."""
        self.drop_rest(call)  # a new answer: what the last one kept back is not said
        _read_by(call, item)
        if isinstance(item, Message | Edit):
            await self._choices(call, item, edit_message_id)
            if call.turn.recorded:
                t = await self.words(call)
                await self.say(call, call.turn.recorded + "\n" + t._(AFTER_TONE), [])
            return
        # Its spoken form (the reader chain's spoken link); a toast's too ("Passed on." after
        # a recording): else only silence.
        form = getattr(item, "spoken", None)
        if form is not None:
            await self.say(call, str(form.text), [])

    async def kept_unsaid(self, call: Call, item: Outgoing, edit_message_id: str | None) -> None:
        """``item`` answers a caller who hung up: nothing is said, but a message's choices
        are kept as if it had been, so that the keys she pressed before it go on to mean
        what they would have meant in the call (transport.py ``call_over``)."""
        _read_by(call, item)
        if isinstance(item, Message | Edit):
            await self._choices_kept(call, item, edit_message_id)

    async def _choices_kept(
        self, call: Call, item: Message | Edit, edit_message_id: str | None
    ) -> tuple[SpokenForm, bool]:
        """A message's choices kept for the call's keys, and the call's turn made of it:
        its spoken form, and whether its choices are pressed by key."""
        # Its spoken form: the reader chain's spoken link makes one for every answer to a
        # call (without one there is nothing to say of it but its keys).
        words = item.spoken or SpokenForm(Markup())
        # A text that names its keys itself ("press 1"): pressed by key, labels unsaid.
        named = isinstance(item, Message) and item.keys_named
        typed = await self.choices.typing(call.chat_id, item, edit_message_id) or named
        await self.choices.sent(call.chat_id, str(next(self._message_ids)), item, typed=typed)
        t = await self.words(call)
        call.turn = turn_of(item, words, typed, t._(MORE), call.turn)
        return words, typed

    async def _choices(self, call: Call, item: Message | Edit, edit_message_id: str | None) -> None:
        """A message: its text and what each key does, kept for the call's keys."""
        words, typed = await self._choices_kept(call, item, edit_message_id)
        named = isinstance(item, Message) and item.keys_named
        t = await self.words(call)
        turn = call.turn
        listed = numbered(item.buttons) if typed else []
        labels, keys = turn.heard(
            list(words.labels) if typed and not named else [],
            [data for _, data in listed],
            t._(PERSON_CHOICE),
            t._(MORE),
        )
        split = None
        if typed and not turn.free_digits and turn.pages is None:
            split = await self._said_first(call, item, str(words.text), labels, keys, listed)
        if split is None:
            await self.say(call, str(words.text), labels, keys)
            return
        # The likely choice first, the rest after a pause (likely_choice_first.py). The rest's audio
        # is made before the first part plays: the speech engine's work beside a prompt
        # playing in this process cut its first seconds on a busy machine
        # (test_calling_in.py).
        first, rest = split
        kept = await self.rest_file(call, rest) if rest is not None else None
        await self.say(call, first.text, first.labels, first.keys)
        if kept is not None:
            self._kept(call, kept)
            call.turn = call.turn.resting(kept)

    async def _said_first(
        self,
        call: Call,
        item: Message | Edit,
        text: str,
        labels: list[str],
        keys: list[str] | None,
        listed: list[tuple[str, str]],
    ) -> tuple[Said, Said | None] | None:
        """The message as likely_choice_first.py says it (a first part, and a rest after a pause or
        None): the main menu; the languages to a new caller (``Message.picks_language``).
        None: said whole."""
        every_key = keys_of(labels, keys)
        if offers_person(item, listed):
            return likely_choice_first.main_menu(text, labels, every_key)
        if not listed or not isinstance(item, Message) or not item.picks_language:
            return None
        if await self.city_words.chosen_language(PLATFORM, call.chat_id) is not None:
            return None  # a known caller changing their language: the question and all
        hint = negotiate(language_hint(hinting(call)), default="")
        hinted = hint if hint in self.city_words.languages else None
        return likely_choice_first.languages(text, labels, every_key, hinted)

    async def rest_file(self, call: Call, rest: Said) -> Path | None:
        """The audio of the rest of a message said in two parts (None: nothing to say),
        said after the first part and a pause without a key (the call's loop waits for
        it, :meth:`follow`); "*" says both."""
        return await self._file(
            spoken_parts(rest.text, rest.labels, await self.words(call), self.voices, rest.keys)
        )

    def drop_rest(self, call: Call) -> None:
        """What a message kept back for after a pause is not said (a key came, or a newer
        answer, or the call is over)."""
        call.turn = call.turn.resting(None)

    def follow(self, call: Call) -> None:
        """The pause after a message's first part passed without a key (the call's loop
        waited for it): its rest, if the turn still keeps it back."""
        rest = call.turn.rest
        call.turn = call.turn.resting(None)
        if rest is not None and not is_over(call):
            self.play(call, [rest])

    async def say_page(self, call: Call, pages: Paged, *, again: bool = False) -> None:
        """The call's page of ``pages`` (its text before it ``again``: "*"), as an answer."""
        labels, keys = keys_said(
            pages.labels,
            pages.data,
            free_digits=False,
            person=None,
            page=call.turn.page,
            done=pages.done,
            more=pages.more,
        )
        call.saying = []
        await self.say(call, pages.text if again else "", labels, keys)
        if again:  # "*" says it again, it is not asked
            self._keep_said(call)
        else:
            self.asked(call)

    async def event_of(self, call: Call, meaning: Meaning | Event) -> Event | None:
        """The event a key means: a choice of the newest message (on its page), its way
        back, digits typed (None: a page's key that turned or said the page again)."""
        turn = call.turn = call.turn.pressed()
        if meaning == Typed(MORE_KEY) and turn.next_choice is not None and turn.pages is None:
            meaning = Typed(str(turn.next_choice))  # the next part, said on 9
        if isinstance(meaning, Typed) and turn.pages is not None:
            pages = turn.pages
            chosen = on_page(meaning.digits, len(pages.data), turn.page, pages.finish)
            if not isinstance(chosen, int):
                if chosen == NEXT_PAGE:
                    call.turn = turn.next_page(page_count(len(pages.data), pages.finish))
                # The next page; a key no choice of the page has: the page again.
                await self.say_page(call, pages)
                return None
            meaning = Typed(str(chosen))
            call.turn = turn.ticking(pages.data[chosen - 1])
        if meaning == BACK:
            return ButtonPress(turn.back) if turn.back else Command("menu")
        if isinstance(meaning, Typed) and turn.until_hash:
            return Text(meaning.digits)  # a number of the caller's own: never a choice
        if isinstance(meaning, Typed):
            typed = await self.choices.typed_event(call.chat_id, meaning.digits)
            if isinstance(typed, ButtonPress):
                return ButtonPress(typed.data)
            return typed or Text(meaning.digits)  # not a choice: said so, with the choices
        assert not isinstance(meaning, str)
        return meaning

    # -- saying

    async def say(
        self, call: Call, text: str, labels: list[str], keys: list[str] | None = None
    ) -> None:
        path = await self._file(
            spoken_parts(text, labels, await self.words(call), self.voices, keys)
        )
        if path is not None:
            self._kept(call, path)
            self.play(call, [path])

    async def prompt(self, text: str, reader: Translator | str) -> Path | None:
        """A text said to ``reader`` (their translator, or a language) as a prompt file
        (None: nothing to say)."""
        return await self._file(spoken_parts(text, [], reader, self.voices))

    async def _file(self, words: tuple[Part, ...]) -> Path | None:
        assert self.prompts is not None
        if not words:
            return None
        try:
            return await self.prompts.file(words)
        except SpeechError as exc:
            raise DeliveryError(f"phone: not said ({type(exc).__name__})") from None

    async def say_line(self, call: Call, line: str) -> None:
        """One of the transport's own lines (marked with N_), in the caller's words."""
        t = await self.words(call)
        await self.say(call, t._(line), [])

    async def say_alone(self, call: Call, line: str) -> None:
        """One of the transport's lines (marked with N_) as the call's whole answer."""
        await self.say_message(call, Message(Markup((await self.words(call))._(line))))

    async def say_message(self, call: Call, message: Message) -> None:
        """A dialogue's message (handlers/numbers/caller_check.py, phone_pin.py) as the call's
        whole answer (what "*" repeats): its text, which names its keys itself."""
        call.saying = []
        # Its keys are digits (a PIN, a number) or the way back: no choices of the last.
        call.turn = call.turn.said_alone()
        await self.say(call, str(message.text), [])
        self.asked(call, always=True)

    def update_begins(self, call: Call) -> None:
        """An update of the caller's is taken: nothing of its answers said yet, and whether
        the call takes a spoken answer is theirs to say (turn.py ``Turn.unrecorded``)."""
        call.saying = []
        call.turn = call.turn.unrecorded()

    @staticmethod
    def asked(call: Call, *, always: bool = False) -> None:
        """What was said since the update began is the call's answer, what "*" repeats -
        where anything was said (``always``: even nothing, a dialogue's message)."""
        CallVoice._keep_said(call, always=always)

    @staticmethod
    def _kept(call: Call, path: Path) -> None:
        """``path`` is said: part of the answer being said, and - where that answer is
        what "*" says again already (a line said after it: "nothing heard", "connecting",
        the goodbye) - of what "*" says again too."""
        repeated = call.turn.said == tuple(call.saying)
        call.saying.append(path)
        if repeated:
            call.turn = call.turn.repeating(tuple(call.saying))

    @staticmethod
    def _keep_said(call: Call, *, always: bool = False) -> None:
        """What was said since the update began is what "*" repeats (where anything was,
        or ``always``)."""
        if call.saying or always:
            call.turn = call.turn.repeating(tuple(call.saying))

    @staticmethod
    def follow_with(call: Call, then: Then) -> None:
        """What the call does once all it is to hear is said (the recording after the tone,
        the transfer, the hang-up after "please hang up now"; "": nothing): its turn's."""
        call.turn = call.turn.followed_by(then)

    @staticmethod
    def followed(call: Call) -> Then:
        """All is said: what was to follow (then nothing more)."""
        then = call.turn.then
        call.turn = call.turn.followed_by("")
        return then

    def play(self, call: Call, prompts: list[Path]) -> None:
        """Play ``prompts`` to the call: the bot speaks, the caller is not waited for (the
        runner tells the call's loop, verbs.py ``Saying``)."""
        self.runner(call).start(Say(tuple(prompts), wait=False, after=True))

    # -- the caller's words

    async def reader_of(self, chat_id: str, language: str | None = None) -> Translator:
        """The words of ``chat_id``'s person on the phone, from their row: their language,
        easy language, the phone's variants; a newcomer's: ``language``, else the city's
        for their number."""
        if not language:
            language = self.city_words.newcomer_language(language_hint(chat_id))
        return await self.city_words.words_of(PLATFORM, chat_id, language)

    async def words(self, call: Call) -> Translator:
        """The caller's words: their newest answer's reader, else read once for the call."""
        if call.caller.reader is None:
            hint = self.city_words.newcomer_language(language_hint(hinting(call)))
            call.caller.reader = await self.reader_of(call.chat_id, hint)
        return call.caller.reader

    # -- a caller who does nothing (``idle_seconds``; the wait and the goodbye are the
    # call's loop's, answered_call.py)

    @staticmethod
    def waits(call: Call) -> bool:
        """Whether the call waits for its caller's keys: not once over, while recording or
        before the tone (or another step after what is said), nor while a helper's call is
        offered or talks."""
        return (
            not is_over(call)
            and call.listening is None
            and not call.turn.then
            and call.handed is None
        )

    async def goodbye(self, call: Call, *, longest: bool) -> Path | None:
        """The goodbye's prompt, in the caller's words (noted as said); ``longest``: the
        call lasted its longest."""
        self.drop_rest(call)
        t = await self.words(call)
        said = await self.prompt(t._(LONGEST_GOODBYE if longest else IDLE_GOODBYE), t)
        if said is not None:
            self._kept(call, said)
        return said


def _read_by(call: Call, item: Outgoing) -> None:
    """The reader chain's spoken link of ``item``: whose words the call's answers are
    said in from now on."""
    note = getattr(item, "reader", None)
    if note is not None:
        call.caller.reader = note.t
