"""A caller's spoken answer in a call, and "0" for a person (transport.py hands both here).

- A message that takes a spoken answer (``recorded``: who will hear it) is followed by the
  tone once it is said (:meth:`SpokenAnswers.after`; "#" while it is said goes straight to
  the tone, :meth:`SpokenAnswers.skipped_to_tone`), then the recording (recording.py):
  what was said goes to the bot as a voice message of the caller's; nothing heard: "I heard
  nothing" and the message again.
- "0" (press_0_for_a_person.py): a coordinator during their hours (a blind transfer), else - or
  when the transfer fails - a message for them (``/coordinators``).
- The recordings no row names any more are removed every ``SWEEP_SECONDS`` and right after
  an erasure (:class:`Sweeps`).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Callable, Coroutine
from pathlib import Path
from typing import Any

from bot.transports.phone.calls.answered_call import Call, HungUp, is_over
from bot.transports.phone.calls.answering_settings import CallSettings
from bot.transports.phone.calls.recording import (
    ERASED_KEPT,
    MIME_TYPE,
    SWEEP_SECONDS,
    Listening,
    Recordings,
    sweep,
    tone_wav,
)
from bot.transports.phone.calls.turn import Then
from bot.transports.phone.calls.verbs import HUSH, Done, HangUp, Record, Recorded, Transfer
from bot.transports.phone.dialogue.answers_said import CallVoice
from bot.transports.phone.words.press_0_for_a_person import CONNECTING, NOBODY, NOTHING_HEARD
from db.data_rights import DataRights
from handlers.messages import Command, Media

log = logging.getLogger(__name__)

# Work that runs beside the call (a recording, a transfer): kept by the transport.
Later = Callable[[Coroutine[Any, Any, None]], None]


class SpokenAnswers:
    """The tone, the recording and "0" of the line's calls."""

    def __init__(
        self,
        voice: CallVoice,
        in_call: CallSettings,
        recordings: Recordings,
        clock_rate: int,
        later: Later,
    ) -> None:
        self.voice = voice
        self.in_call = in_call
        self.recordings = recordings
        self.clock_rate = clock_rate
        self.later = later
        self._tone: Path | None = None

    # -- after the tone

    def after(self, call: Call) -> None:
        """The newest message takes a spoken answer: the tone after what is being said,
        then the recording."""
        if not call.turn.recorded or is_over(call):
            return
        if self._tone is None:
            assert self.voice.prompts is not None
            self._tone = tone_wav(self.voice.prompts.folder / "tone.wav", self.clock_rate)
        self.voice.play(call, [self._tone])
        self.voice.follow_with(call, "record")

    def skipped_to_tone(self, call: Call, key: str) -> bool:
        """ "#" while a message that takes a spoken answer is said: straight to the tone."""
        if key != "#" or not call.turn.recorded:
            return False
        self.voice.runner(call).start(HUSH)
        self.after(call)
        return True

    def follow(self, call: Call, then: Then) -> None:
        """All is said: the step that was to follow it (the call's turn's, turn.py
        ``Then``) - the recording after the tone, the transfer, the hang-up."""
        if then == "record":
            self._start(call)
        elif then == "transfer":
            self.later(self._forward(call))
        elif then == "hang up":
            self.voice.runner(call).start(HangUp())

    def _start(self, call: Call) -> None:
        if is_over(call) or call.listening is not None:
            return
        # Recording: the call's loop waits for no key (answers_said.py ``waits``).
        call.listening = Listening(self.in_call.quiet_seconds, self.in_call.record_seconds)
        self.later(self._record(call, call.listening))

    async def _record(self, call: Call, listening: Listening) -> None:
        """Record until a key, the quiet, the most or the end of the call; what was said
        goes to the bot as a voice message of the caller's."""
        voice = None
        try:
            got = await self.voice.runner(call).run(Record(listening))
            if isinstance(got, Recorded) and listening.spoke and got.pcm:
                voice = await asyncio.to_thread(self.recordings.keep, got.pcm, self.clock_rate)
        except Exception:
            log.exception("phone: call %d: the recording failed", call.call_id)
        finally:
            call.listening = None
        log.debug("phone: call %d: recorded (%s)", call.call_id, "kept" if voice else "none")
        if voice is not None:
            call.keys.put_nowait(Media("voice", voice.file_id, voice.seconds, MIME_TYPE))
        elif not is_over(call):
            await self.voice.say_line(call, NOTHING_HEARD)
            self.voice.play(call, list(call.turn.said))
            self.after(call)
        if is_over(call):
            call.keys.put_nowait(HungUp())

    # -- "0" for a person (press_0_for_a_person.py)

    async def person(self, call: Call) -> None:
        """ "0": a coordinator during their hours, else a message for them."""
        if self.in_call.forwards_now():
            log.info("phone: call %d: transferred", call.call_id)
            await self.voice.say_line(call, CONNECTING)
            self.voice.follow_with(call, "transfer")
        else:
            call.keys.put_nowait(Command("coordinators"))

    async def _forward(self, call: Call) -> None:
        asked = await self.voice.runner(call).run(Transfer(self.in_call.forward_to))
        if not isinstance(asked, Done):
            self.transfer_went(call, False)

    def transfer_went(self, call: Call, went: bool) -> None:
        if went:
            self.voice.runner(call).start(HangUp())  # the caller talks with the coordinator
            return
        log.info("phone: call %d: the transfer failed", call.call_id)

        async def message() -> None:
            await self.voice.say_line(call, NOBODY)
            call.keys.put_nowait(Command("coordinators"))

        self.later(message())


class Sweeps:
    """The recordings no row names any more, removed (recording.py ``sweep``): every
    ``SWEEP_SECONDS`` and right after an erasure."""

    def __init__(self, recordings: Recordings, rights: DataRights, later: Later) -> None:
        self.recordings = recordings
        self.rights = rights
        self.later = later
        # Recordings an erasure left unnamed: removed at the next sweep, whatever their age.
        self._erased: set[str] = set()

    async def sweep(self) -> None:
        try:
            removed = await sweep(self.recordings, self.rights, self._erased)
        except Exception:
            log.exception("phone: looking for recordings no row names failed")
            return
        # Kept until gone (an erasure's sweep may read before its commit); bounded.
        self._erased = {
            file_id
            for file_id in list(self._erased)[-ERASED_KEPT:]
            if self.recordings.path(file_id).exists()
        }
        if removed:
            log.info("phone: %d recordings removed (no row names them)", removed)

    async def often(self) -> None:
        while True:
            await self.sweep()
            await asyncio.sleep(SWEEP_SECONDS)

    def soon(self, unnamed: set[str]) -> None:
        """After an erasure (its transaction still open: the sweep's reads wait for it);
        ``unnamed``: the files it left unnamed, removed at once, young as they may be."""
        self._erased |= unnamed
        self.later(self.sweep())
