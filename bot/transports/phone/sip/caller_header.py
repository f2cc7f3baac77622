"""Who a call says it is from, read as RFC 3261 parses an INVITE: the URI of its From header,
or of the provider's P-Asserted-Identity (RFC 3325) where the operator trusts that instead
(``[phone] caller_id``) - unless the caller asked for their identity to be withheld
(``Privacy: id``, RFC 3325), which the bot honours whatever the provider still asserts.

A header's value is ``name-addr`` (``"display name" <URI>``, RFC 3261 §25.1) or a bare
``addr-spec``. The display name is free text the caller chooses - "tel:+4923155599 Oma" is a
display name, not a number - so only the URI between the angle brackets is ever read, the
display name skipped as the grammar says (a quoted-string with its escapes, or tokens). A
value that does not read as the grammar says gives no URI: the call is then a withheld
caller's (calls/callers_number.py), never a guess found in free text.

pjsua2 gives the From header as PJSIP parsed and printed it (``CallInfo.remoteUri``) and the
INVITE as received (``SipRxData.wholeMsg``); it offers no URI parser of its own, so the few
rules needed to skip a display name and read one header live here.
"""

from __future__ import annotations

import re

# Whose word names the caller: the From header (the default) or the provider's assertion.
FROM = "from"
ASSERTED = "p-asserted-identity"
SOURCES = (FROM, ASSERTED)
# The Privacy header's values by which a caller withholds who they are (RFC 3323, 3325).
_PRIVATE = frozenset({"id", "user"})
# token (RFC 3261 §25.1): what an unquoted display name is made of, words apart by LWS.
_TOKEN_WORDS = re.compile(r"[A-Za-z0-9\-.!%*_+`'~]+(?:[ \t]+[A-Za-z0-9\-.!%*_+`'~]+)*")
_SCHEME = re.compile(r"[A-Za-z][A-Za-z0-9+\-.]*:")
# A header field's line: its name, the colon, its value (RFC 3261 §7.3.1).
_FIELD = re.compile(r"([A-Za-z0-9\-.!%*_+`'~]+)[ \t]*:(.*)")
# A message's size bound: nothing longer is read (PJSIP's own packet limit is 4000 bytes).
MOST_CHARS = 65536


def _quoted_end(value: str, start: int) -> int | None:
    """The index after the quoted-string beginning at ``value[start] == '"'``, None when it
    never closes. A backslash escapes the next character (quoted-pair)."""
    index = start + 1
    while index < len(value):
        char = value[index]
        if char == "\\":
            index += 2
            continue
        if char == '"':
            return index + 1
        index += 1
    return None


def addr_spec(value: str) -> str | None:
    """The URI of a ``name-addr`` or ``addr-spec`` header value, None when it does not read.

    The header's own parameters (``;tag=…`` after the angle brackets, or after a bare
    addr-spec) are not part of the URI."""
    rest = value.strip(" \t\r\n")
    if rest.startswith('"'):
        end = _quoted_end(rest, 0)
        if end is None:
            return None
        rest = rest[end:].lstrip(" \t")
        if not rest.startswith("<"):
            return None
    elif "<" in rest:
        display, _, tail = rest.partition("<")
        if display.strip(" \t") and not _TOKEN_WORDS.fullmatch(display.strip(" \t")):
            return None
        rest = "<" + tail
    if rest.startswith("<"):
        uri, closed, params = rest[1:].partition(">")
        # After the brackets only the header's parameters (";tag=…") may follow.
        if not closed or params.strip(" \t")[:1] not in ("", ";"):
            return None
    else:
        # A bare addr-spec: what follows a ';' is the header's (RFC 3261 §20.10), and it
        # can hold no comma, '?' or space.
        uri = rest.split(";", 1)[0]
        if any(char in uri for char in ',? \t<>"'):
            return None
    uri = uri.strip(" \t")
    return uri if _SCHEME.match(uri) else None


def _fields(message: str) -> list[tuple[str, str]]:
    """The header fields of a SIP message (the start line skipped), continuation lines
    unfolded, names in lower case."""
    head = message[:MOST_CHARS].replace("\r\n", "\n").split("\n\n", 1)[0]
    lines = head.split("\n")[1:]
    fields: list[tuple[str, str]] = []
    for line in lines:
        if line[:1] in (" ", "\t") and fields:
            name, text = fields[-1]
            fields[-1] = (name, text + " " + line.strip(" \t"))
            continue
        found = _FIELD.fullmatch(line)
        if found:
            fields.append((found.group(1).lower(), found.group(2).strip(" \t")))
    return fields


def _split_values(text: str) -> list[str]:
    """A header's comma-separated values; a comma in a quoted display name or between angle
    brackets is not a separator."""
    values: list[str] = []
    start, index, inside = 0, 0, False
    while index < len(text):
        char = text[index]
        if char == '"' and not inside:
            end = _quoted_end(text, index)
            if end is None:
                return []
            index = end
            continue
        if char == "<":
            inside = True
        elif char == ">":
            inside = False
        elif char == "," and not inside:
            values.append(text[start:index])
            start = index + 1
        index += 1
    values.append(text[start:])
    return [value.strip(" \t") for value in values if value.strip(" \t")]


def asserted_uris(message: str) -> list[str]:
    """The URIs of every P-Asserted-Identity of ``message`` (RFC 3325: at most one sip or
    sips URI and one tel URI); [] when it has none or one does not read."""
    uris: list[str] = []
    for name, text in _fields(message):
        if name != ASSERTED:
            continue
        for value in _split_values(text):
            uri = addr_spec(value)
            if uri is None:
                return []
            uris.append(uri)
    return uris


def identity_withheld(message: str) -> bool:
    """Whether the caller asked that their identity be withheld: a Privacy header (RFC
    3323 §4.2) with ``id`` (RFC 3325 §9.3: the asserted identity) or ``user`` (user-level
    privacy), as a provider passes on a call whose caller withholds their number (CLIR) with
    the number still asserted to the trusted bot."""
    for name, text in _fields(message):
        if name == "privacy":
            values = {value.strip(" \t").lower() for value in text.split(";")}
            if values & _PRIVATE:
                return True
    return False


def caller_uri(source: str, remote_uri: str, message: str) -> str:
    """The URI that names the caller of an INVITE: its From header's (``remote_uri``, as
    PJSIP printed it) or, with ``source`` :data:`ASSERTED`, the provider's assertion (a tel
    URI first). "" when that header is missing or does not read, or the caller asked for
    their identity to be withheld (:func:`identity_withheld`): a withheld caller."""
    if identity_withheld(message):
        return ""
    if source == ASSERTED:
        uris = asserted_uris(message)
        tel = [uri for uri in uris if uri.lower().startswith("tel:")]
        sip = [uri for uri in uris if not uri.lower().startswith("tel:")]
        # RFC 3325 allows one URI of each kind: a second is one the caller wrote beside
        # the provider's (a provider that passes such a header on is not asserting).
        if len(tel) > 1 or len(sip) > 1:
            return ""
        return (tel or sip or [""])[0]
    return addr_spec(remote_uri) or ""
