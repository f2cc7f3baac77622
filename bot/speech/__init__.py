"""The speech port: engines that say a text aloud in one of the bot's languages, for read
aloud (handlers/read_aloud.py).

``engine.py`` is the port (:class:`SpeechEngine`, :class:`Audio` and the errors);
``espeak`` (embedded, in-process on libespeak-ng) and ``http_engine`` (an operator's
server speaking ``POST /v1/audio/speech``) are the engines a configuration can choose,
``engines.py`` builds the configured one; ``script`` turns a message into the words to say,
in parts each said by one voice (a quoted person's text in its own language; numbers,
times, money, distances and durations as words, icons and markup left out but a door
code's picture named, the buttons named in order; ``numbers`` spells numbers by ICU's
rules, ``dates`` says dates whole, ``ordinals`` the ordinals ICU lacks, ``arabic`` gives
numbers their gender);
``opus`` encodes the audio as OGG/Opus, what Telegram plays as a voice note and Matrix as
a voice message; ``speaker`` puts it together for the outbox worker and the web (the
parts' audio joined into one), with a time-out and a cache for public texts; ``turns``
shares the one engine between them (the chats' voices first, the web's bounded).
"""
