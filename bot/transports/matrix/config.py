"""The ``[matrix]`` section of a city's configuration: the homeserver, the bot's account,
its keys at rest (docs/matrix.md). bot/config.py composes it into ``Config``."""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass, replace
from itertools import pairwise
from pathlib import Path
from typing import TYPE_CHECKING
from urllib.parse import quote

from bot.config_fields import ENV_PREFIX, ConfigError, env_name, key_bytes
from bot.config_fields import option as _opt
from bot.transports.contacts import Contact, Opening

if TYPE_CHECKING:
    from bot.sections import Sections

# The key sealing the bot's Matrix keys in the database (matrix.key_file), when the database
# is no file it could lie beside (PostgreSQL): relative to the working directory.
DEFAULT_KEY_FILE = "var/nachbarbot.matrix-key"
KEY_SUFFIX = ".matrix-key"
# A Matrix user id: @name:server (the server may carry a port).
_USER_ID = re.compile(r"@[^:\s]+:\S+")


def user_id_problem(user_id: str) -> str:
    """What is wrong with ``user_id`` as a Matrix user id ("" where nothing is): the bot's
    own (matrix.user_id) and an account an operator names (``matrix:@anna:example.org``)."""
    return "" if _USER_ID.fullmatch(user_id) else "must look like @name:server"


@dataclass(frozen=True)
class MatrixSection:
    homeserver: str = _opt("", doc="Homeserver URL, e.g. https://matrix.example.org")
    user_id: str = _opt("", doc="The bot's Matrix id, e.g. @nachbarbot:example.org")
    access_token: str | None = _opt(None, secret=True, doc="Access token of the bot account")
    password: str | None = _opt(None, secret=True, doc="Password, if no access token is set")
    device_name: str = _opt("nachbarbot", doc="Device name used when logging in")
    backchannel_room: str = _opt("", doc="Room id of the coordinators' Matrix room")
    sync_timeout: int = _opt(30, minimum=1, maximum=120, doc="Long-poll timeout in seconds")
    greeting_wait_seconds: int = _opt(
        3,
        minimum=0,
        maximum=600,
        doc="How long the greeting of a new direct chat waits for the person's first message "
        "(which is answered instead)",
    )
    key_wait_seconds: int = _opt(
        120,
        minimum=0,
        maximum=86400,
        doc="How long an encrypted message waits for its key before the person is asked to "
        "send it again",
    )
    # The hour's budgets of decryptions (decrypt_budget.py, docs/matrix.md): per sender and
    # all together, running help before other known people before strangers.
    decrypt_per_running: int = _opt(
        600,
        minimum=1,
        maximum=1_000_000,
        doc="Encrypted room messages an hour decrypted for one person with help under way "
        "(a request of theirs, helping with one) or a coordinator",
    )
    decrypt_running: int = _opt(
        20_000,
        minimum=1,
        maximum=10_000_000,
        doc="Encrypted room messages an hour decrypted for all of them together",
    )
    decrypt_per_known: int = _opt(
        120,
        minimum=1,
        maximum=1_000_000,
        doc="Encrypted room messages an hour decrypted for one other known person (agreed "
        "to the privacy notice, a volunteer)",
    )
    decrypt_known: int = _opt(
        3_000,
        minimum=1,
        maximum=10_000_000,
        doc="Encrypted room messages an hour decrypted for all other known people together",
    )
    decrypt_per_stranger: int = _opt(
        60,
        minimum=1,
        maximum=1_000_000,
        doc="Encrypted room messages an hour decrypted for one stranger",
    )
    decrypt_strangers: int = _opt(
        1_000,
        minimum=1,
        maximum=10_000_000,
        doc="Encrypted room messages an hour decrypted for all strangers together",
    )
    olm_per_stranger: int = _opt(
        20,
        minimum=1,
        maximum=100_000,
        doc="Olm messages (room keys) an hour decrypted for one stranger; more are held "
        "for the next hour (as many again at most, the oldest dropped first)",
    )
    olm_strangers: int = _opt(
        500,
        minimum=1,
        maximum=1_000_000,
        doc="Olm messages an hour decrypted for all strangers together",
    )
    # What telling of the budgets costs (strangers_work.py): lines an hour, per group.
    decrypt_answers: int = _opt(
        100,
        minimum=0,
        maximum=100_000,
        doc="People an hour, in each group, told that their message was not read and when to "
        "write again (0: nobody is told)",
    )
    decrypt_person_notices: int = _opt(
        3,
        minimum=0,
        maximum=1_000,
        doc="People an hour, in each group, whose own budget ran out that the coordinators "
        "are told of (0: only of a group's budget)",
    )
    key_file: str = _opt(
        "",
        doc="File with the key that seals the bot's Matrix keys in the database, made at the "
        "first start (owner-only); empty: beside bot.database (NAME.matrix-key)",
    )
    store_key: str | None = _opt(
        None, secret=True, doc="That key itself (32 bytes in base64) instead of the file"
    )

    @property
    def enabled(self) -> bool:
        """Whether the city runs Matrix (bot/transports/registry.py asks)."""
        return bool(self.homeserver and self.user_id)

    def check(self) -> None:
        """What no single key checks (:func:`check_consistency`)."""
        if self.homeserver or self.user_id:
            if not self.homeserver.startswith(("http://", "https://")):
                raise ConfigError("matrix.homeserver: must start with http:// or https://")
            if user_id_problem(self.user_id):
                raise ConfigError(f"matrix.user_id: {user_id_problem(self.user_id)}")
        budget_problem = decrypt_budget_problem(self)
        if budget_problem:
            raise ConfigError(budget_problem)
        if self.store_key and key_bytes(self.store_key) is None:
            raise ConfigError(
                "matrix.store_key: must be 32 bytes in base64 (e.g. from openssl rand -base64 32)"
            )

    def check_secrets(self, prefix: str = ENV_PREFIX) -> None:
        """The secrets running it needs (:func:`check_chat_secrets`)."""
        if self.enabled and not (self.access_token or self.password):
            raise ConfigError(
                f"matrix: set {env_name('matrix', 'access_token', prefix)} or "
                f"{env_name('matrix', 'password', prefix)}"
            )


# The hour's budgets as (per sender, all together), from the group that comes first.
_BUDGETS = (
    ("decrypt_per_running", "decrypt_running"),
    ("decrypt_per_known", "decrypt_known"),
    ("decrypt_per_stranger", "decrypt_strangers"),
)


def decrypt_budget_problem(section: MatrixSection) -> str:
    """What is wrong with the hour's budgets ("" where nothing is): one person's may not be
    more than all together's, and a group that comes later (known people after running
    help, strangers after known people) may not have more than the one before it."""
    pairs = [*_BUDGETS, ("olm_per_stranger", "olm_strangers")]
    for each, together in pairs:
        if getattr(section, each) > getattr(section, together):
            return f"matrix.{each}: must not be more than matrix.{together}"
    for before, after in pairwise(_BUDGETS):
        for first, later in zip(before, after, strict=True):
            if getattr(section, later) > getattr(section, first):
                return (
                    f"matrix.{later}: must not be more than matrix.{first} "
                    "(running help comes before known people, known people before strangers)"
                )
    return ""


def default_key_file(database: str) -> str:
    """Where matrix.key_file is when not set: beside a SQLite database file
    (``var/nachbarbot.sqlite3`` → ``var/nachbarbot.matrix-key``), else
    :data:`DEFAULT_KEY_FILE`."""
    if database.startswith(("postgresql://", "postgres://")) or database == ":memory:":
        return DEFAULT_KEY_FILE
    path = Path(database)
    return str(path.with_name(path.stem + KEY_SUFFIX))


def completed(section: MatrixSection, config: Sections) -> MatrixSection:
    """The section with its key file's default, which lies beside the database ([bot], which
    the section does not know). A further city's configuration has the main database
    (installation-wide), so the cities share one key file unless a city names its own."""
    if section.key_file:
        return section
    return replace(section, key_file=default_key_file(config.bot.database))


def backchannel(config: Sections) -> str:
    """The coordinators' room (bot/transports/registry.py ``Transport.backchannel``)."""
    return config.section(MatrixSection).backchannel_room


def claims(config: Sections) -> Iterator[tuple[str, object]]:
    """What a city holds on Matrix that no other city may (``Transport.claims``): its
    account and its coordinators' room."""
    if config.section(MatrixSection).user_id:
        yield "Matrix account (matrix.user_id)", config.section(MatrixSection).user_id.casefold()
    if room := backchannel(config):
        yield "Matrix backchannel (matrix.backchannel_room)", room


def address(config: Sections) -> tuple[str, str]:
    """The bot's account and its matrix.to link; ("", "") without one."""
    account = config.section(MatrixSection).user_id
    return account, f"https://matrix.to/#/{quote(account, safe='@:')}" if account else ""


def contact(config: Sections, username: str) -> Contact | None:
    """The bot's account, to write to."""
    account, link = address(config)
    if not account:
        return None
    return Contact(
        link,
        account,
        before=("Sie haben Matrix?", "Dann schreiben Sie an diese Adresse:"),
        ltr=True,
        chat=True,
    )


def opening(config: Sections, username: str, payload: str) -> Opening | None:
    """The bot's account, to write ``!start <payload>`` to (a matrix.to link takes no
    payload)."""
    account, link = address(config)
    if not account:
        return None
    return Opening("Matrix", link, account=account, command=f"!start {payload}")
