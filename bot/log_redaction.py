"""Logs hold no personal data or secrets, at any level, whichever logger made the record.

At DEBUG, libraries log what passes through them: python-telegram-bot every update and API
parameter, matrix-nio every sync response (message bodies, display names, locations),
aiosqlite statements with their parameters, httpx request URLs with the bot token in them.
Filters on named loggers miss all of that - a logger's filter does not see the records of
its children - so redaction is done where every record is made, in the log record factory,
and once more by a filter on the root logger's handlers for records made some other way.

* Records of libraries keep their format string, but only arguments that cannot carry
  content (numbers, code names such as an API method, lists of ids); the rest becomes "…".
* The text of every record, ours too, and of its traceback loses registered secrets,
  anything shaped like a bot token, phone numbers, coordinates, e-mail addresses, Matrix
  user names and quoted strings that are not code names (exception messages quote values).
* A traceback keeps its frames; it is rendered once, scrubbed, and the exception object
  dropped, so no formatter can render it again with its message.

Redaction never raises: a record it cannot handle is logged as "[redacted]".
"""

from __future__ import annotations

import json
import logging
import re
import traceback
import urllib.parse
from typing import Any

from handlers.parsing import ascii_digits

# Loggers of this project: their records' arguments are ids, counts and type names by
# design, and are kept (still scrubbed as text).
OWN = ("bot", "handlers", "db", "locales", "nachbarbot", "__main__")
REDACTED = "[redacted]"
HIDDEN = "…"
_MARK = "_nachbarbot_redacted"

_secrets: tuple[str, ...] = ()

_CODE_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_./:-]{0,79}")
# A code name has a shape a personal name does not: snake_case, dotted, camelCase, an
# acronym, digits or a path ("sendMessage", "m.room.message", "HTTPXRequest", "getUpdates").
_CODE_SHAPE = re.compile(r"[_./:0-9]|[a-z][A-Z]|[A-Z]{2}")
_NUMERIC = re.compile(r"[0-9.:-]{1,40}")
_HTTP_STATUS = re.compile(r"HTTP/[0-9.]+ [0-9]{3}(?: [A-Za-z -]{1,40})?")
_QUOTED = re.compile(r"""'(?:[^'\\\n]|\\.)*'|"(?:[^"\\\n]|\\.)*\"""")
_TOKEN = re.compile(r"(?<![0-9])[0-9]{5,}:[A-Za-z0-9_-]{30,}")
_EMAIL = re.compile(r"[\w.+-]+@[\w-]+(?:\.[\w-]+)+")
_MATRIX_USER = re.compile(r"@[A-Za-z0-9._=/+-]+:(?=[A-Za-z0-9.-]+)")
# Two decimals in a row are a position; a lone decimal with four places might be one.
_COORDINATES = re.compile(
    r"(?<![\w.])-?[0-9]{1,3}\.[0-9]{2,}\s*[,;/ ]\s*-?[0-9]{1,3}\.[0-9]{2,}(?![\w.])"
    r"|(?<![\w.])-?[0-9]{1,3}\.[0-9]{4,}(?![\w.])"
)
# Seven digits or more, perhaps grouped; not part of a word, a decimal or a time.
_PHONE = re.compile(
    r"(?<![\w+-])(?<![0-9][.,:/])(?:\+|00)?[0-9](?:[ \-/()]{0,3}[0-9]){6,16}(?![\w]|[.,:][0-9])"
)
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}|[0-9]{1,2}/[0-9]{1,2}/[0-9]{2,4}")


def is_own(name: str) -> bool:
    return any(name == own or name.startswith(own + ".") for own in OWN)


def register_secret(secret: str | None) -> None:
    """Scrub ``secret`` (a token, a password) from every record from now on, also as it
    would appear in a URL or in JSON. Short values are ignored: they would scrub half the
    log and are no secrets worth the name."""
    global _secrets
    if not secret or len(secret) < 8:
        return
    forms = {secret, urllib.parse.quote(secret, safe=""), json.dumps(secret)[1:-1]}
    # Longest first, so that no shorter form leaves part of a longer one behind. Replaced
    # whole, not changed in place: other threads may be scrubbing with it.
    _secrets = tuple(sorted(forms | set(_secrets), key=len, reverse=True))


def redact_everywhere(secret: str | None) -> None:
    """Register ``secret`` and make sure the redaction is installed (idempotent)."""
    register_secret(secret)
    install()


def _harmless_text(text: str) -> bool:
    if _CODE_NAME.fullmatch(text):
        return _CODE_SHAPE.search(text) is not None
    return bool(_NUMERIC.fullmatch(text) or _HTTP_STATUS.fullmatch(text))


def _harmless(value: Any) -> Any:
    """``value`` if it cannot carry content, else a stand-in for it."""
    if value is None or isinstance(value, bool | int | float):
        return value
    if isinstance(value, str):
        return value if _harmless_text(value) else HIDDEN
    if isinstance(value, list | tuple) and all(
        isinstance(v, int) and not isinstance(v, bool) for v in value
    ):
        return value
    if isinstance(value, BaseException):
        return type(value).__name__
    if isinstance(value, type):
        return value.__name__
    if type(value).__name__ == "URL":  # httpx's and yarl's: where a request went
        return _without_query(str(value))
    return HIDDEN


# A file's path in Telegram's download address (``/file/bot<token>/<file_path>``): a handle
# on what a person sent (a voice message), kept out like a token.
_TELEGRAM_FILE = re.compile(r"(/file/bot[^/]*/).+")


def _without_query(url: str) -> str:
    """Scheme, host and path of ``url``: a query may hold a token, and the path is scrubbed
    later like any text (the bot token in Telegram's, user ids in Matrix's); the file's
    own path in a Telegram download is dropped."""
    try:
        parts = urllib.parse.urlsplit(url)
        host = parts.hostname or ""
        if parts.port is not None:
            host = f"{host}:{parts.port}"
        path = _TELEGRAM_FILE.sub(r"\1" + HIDDEN, parts.path)
        return urllib.parse.urlunsplit((parts.scheme, host, path, "", ""))
    except ValueError:
        return HIDDEN


def _quoted(match: re.Match[str]) -> str:
    quote, inner = match.group(0)[0], match.group(0)[1:-1]
    return match.group(0) if _harmless_text(inner) else f"{quote}{HIDDEN}{quote}"


def _phone(match: re.Match[str]) -> str:
    found = match.group(0)
    separated = any(not c.isdigit() for c in found.lstrip("+"))
    # A bare run of digits is an id (an update, a chat) unless it is dialled like a number.
    if not separated and not found.startswith(("+", "0")):
        return found
    if _DATE.match(found):
        return found  # a date, perhaps with the hour after it
    return HIDDEN


def scrub(text: str, *, quotes: bool = True) -> str:
    """``text`` without secrets, tokens, phone numbers, coordinates, addresses, Matrix user
    names and (with ``quotes``) quoted strings that are not code names. Look-alike digits
    and signs (superscripts, circled or full-width digits, other scripts' digits, "＠",
    no-break spaces) are read as their plain forms first."""
    if not text.isascii():  # "…" stays: it stands for what was taken out already
        text = HIDDEN.join(ascii_digits(part) for part in text.split(HIDDEN))
    for secret in _secrets:
        if secret in text:
            text = text.replace(secret, "***")
    if quotes and ("'" in text or '"' in text):
        text = _QUOTED.sub(_quoted, text)
    if ":" in text:
        text = _TOKEN.sub("***", text)
    if "@" in text:
        text = _EMAIL.sub(HIDDEN, text)
        text = _MATRIX_USER.sub("@" + HIDDEN + ":", text)
    if "." in text:
        text = _COORDINATES.sub(HIDDEN, text)
    return _PHONE.sub(_phone, text)


def _scrub_traceback(text: str) -> str:
    # Indented lines are frames and source code: only patterns. The others are exception
    # messages, which quote values - someone's text, a name - so quoted strings go too.
    return "\n".join(scrub(line, quotes=not line.startswith(" ")) for line in text.split("\n"))


def _redact(record: logging.LogRecord) -> None:
    own = is_own(record.name)
    if not own:
        if isinstance(record.args, dict):
            record.args = {key: _harmless(value) for key, value in record.args.items()}
        elif record.args:
            record.args = tuple(_harmless(arg) for arg in record.args)
        if not isinstance(record.msg, str):
            record.msg = _harmless(record.msg)
    try:
        message = record.getMessage()
    except Exception:
        # Arguments that do not fit the format: the format alone, not logging's own report
        # of the failure, which would print the arguments.
        message = (record.msg if isinstance(record.msg, str) else REDACTED) + " [" + HIDDEN + "]"
    record.msg = scrub(message)
    record.args = ()
    if record.exc_info and record.exc_info[1] is not None:
        rendered = "".join(traceback.format_exception(*record.exc_info)).rstrip("\n")
        record.exc_text = _scrub_traceback(rendered)
        record.exc_info = None
    elif record.exc_text:
        record.exc_text = _scrub_traceback(record.exc_text)
    if record.stack_info:
        record.stack_info = _scrub_traceback(record.stack_info)
    setattr(record, _MARK, record.msg)


def redact(record: logging.LogRecord) -> logging.LogRecord:
    """Redact ``record`` in place (once); never raises."""
    # Marked with the redacted text itself: a record filled in after it was made
    # (logging.makeLogRecord) has another one and is redacted again.
    if getattr(record, _MARK, None) is record.msg and not record.args and not record.exc_info:
        return record
    try:
        _redact(record)
    except Exception:
        record.msg, record.args = REDACTED, ()
        record.exc_info, record.exc_text, record.stack_info = None, None, None
        setattr(record, _MARK, record.msg)
    return record


class Redaction(logging.Filter):
    """For handlers: records made without the factory (``logging.makeLogRecord``)."""

    def filter(self, record: logging.LogRecord) -> bool:
        redact(record)
        return True


class _Factory:
    def __init__(self, previous: Any) -> None:
        self.previous = previous

    def __call__(self, *args: Any, **kwargs: Any) -> logging.LogRecord:
        return redact(self.previous(*args, **kwargs))


def install() -> None:
    """Redact every record made from now on, and filter the root logger's handlers
    (idempotent; handlers added later are covered by the factory)."""
    current = logging.getLogRecordFactory()
    if not isinstance(current, _Factory):
        logging.setLogRecordFactory(_Factory(current))
    for handler in logging.getLogger().handlers:
        if not any(isinstance(f, Redaction) for f in handler.filters):
            handler.addFilter(Redaction())
