"""The bot's Matrix login: once, then its access token is reused.

With a password, the first start (or ``doctor``) logs in and stores the access token and
device in the transport state (key ``matrix.session``: homeserver, user id, device id and
token as JSON). Later starts and ``doctor`` restore that login (token and device)
and check it with ``whoami``; only when the homeserver no longer knows the token
(``M_UNKNOWN_TOKEN``: logged out, password changed) does the bot log in again, and then on
the same device. So the account keeps one device and one live token however often the bot
or ``doctor`` runs. A configured access token is used as it is.

The token is a secret: registered for redaction, never logged, and stored sealed with the
installation's key (key_vault.py), which is kept outside the database - a dump or a backup
of the database alone does not let anyone act as the bot. A login stored before sealing
existed is read as it was and sealed when the bot starts (:func:`seal_stored_login`).
"""

from __future__ import annotations

import asyncio
import json
import logging

import nio

from bot.log_redaction import redact_everywhere
from bot.transports.matrix.config import MatrixSection
from bot.transports.matrix.key_vault import is_sealed, opened_text, sealed_text
from db.transport_state import TransportStateStore

log = logging.getLogger(__name__)

SESSION = "matrix.session"
# The device of the first installations, before the whole session was stored.
DEVICE = "matrix.device_id"
UNKNOWN_TOKEN = "M_UNKNOWN_TOKEN"
# The homeserver's answers that refuse the account itself - a wrong password (Synapse:
# M_FORBIDDEN), a token logged out or mistyped, the account deactivated: nothing but the
# operator setting the account anew helps (bot/transports/contract.py AccountRefused).
REFUSED = frozenset({"M_FORBIDDEN", UNKNOWN_TOKEN, "M_USER_DEACTIVATED"})
# How long the start waits for the homeserver to say whether a stored login still holds.
WHOAMI_SECONDS = 5.0


class LoginFailed(RuntimeError):
    """The homeserver refused the login; the message holds its reason, never a secret, and
    ``code`` the homeserver's error code where it gave one."""

    def __init__(self, message: str, code: str = "") -> None:
        super().__init__(message)
        self.code = code

    @property
    def account_refused(self) -> bool:
        """The account itself was refused (:data:`REFUSED`), not the homeserver busy."""
        return self.code in REFUSED


async def log_in(
    client: nio.AsyncClient, config: MatrixSection, state: TransportStateStore
) -> None:
    """Give ``client`` a working login: the configured token, the stored one, or a new
    one from the password (stored for next time)."""
    if config.access_token:
        # The operator's token: the device it belongs to is the homeserver's business.
        _use(client, config.user_id, await state.get(DEVICE) or "", config.access_token)
        return
    session = await _stored(config, state)
    if session is not None:
        _use(client, config.user_id, session["device_id"], session["access_token"])
        if not await token_unknown(client):
            return
        log.info("matrix: the stored login is no longer valid; logging in again")
    await log_in_again(client, config, state)


async def log_in_again(
    client: nio.AsyncClient,
    config: MatrixSection,
    state: TransportStateStore,
    *,
    new_device: bool = False,
) -> None:
    """Log in with the password, on the device used before if there was one (or, with
    ``new_device``, on a new one: the old device's encryption keys are lost)."""
    if not config.password:
        raise LoginFailed("no password set to log in with")
    session = await _stored(config, state)
    client.user = config.user_id
    client.device_id = None
    if not new_device:
        client.device_id = (session or {}).get("device_id") or await state.get(DEVICE) or None
    client.access_token = ""
    response = await client.login(config.password, device_name=config.device_name)
    if not isinstance(response, nio.LoginResponse):
        code = getattr(response, "status_code", "") or ""
        raise LoginFailed(f"matrix login failed: {code or '?'}", code)
    redact_everywhere(response.access_token)
    await _store(
        config,
        state,
        {
            "homeserver": config.homeserver,
            "user_id": config.user_id,
            "device_id": response.device_id,
            "access_token": response.access_token,
        },
    )
    await state.set(DEVICE, response.device_id)


async def _store(
    config: MatrixSection, state: TransportStateStore, session: dict[str, str]
) -> None:
    await state.set(SESSION, await sealed_text(config, json.dumps(session), SESSION))


async def seal_stored_login(config: MatrixSection, state: TransportStateStore) -> None:
    """Seal a login stored before sealing existed (the bot's start does this once)."""
    value = await state.get(SESSION)
    if value and not is_sealed(value):
        session = await _stored(config, state)
        if session is not None:
            await _store(config, state, session)


def _use(client: nio.AsyncClient, user_id: str, device_id: str, token: str) -> None:
    """A login for requests only: the device's keys are opened by the process holding the
    Matrix role (bot/transports/matrix/crypto_state.py), not here."""
    client.user_id = user_id
    client.device_id = device_id or None
    client.access_token = token


async def token_unknown(client: nio.AsyncClient) -> bool:
    """Whether the homeserver says the client's token is not (or no longer) valid. A
    homeserver that cannot be reached says nothing: the sync loop waits for it."""
    try:
        # Bounded: matrix-nio retries an unreachable homeserver for ever, and the city's
        # start (its web, its outbox worker, its kept answers) need not wait for it.
        response = await asyncio.wait_for(client.whoami(), WHOAMI_SECONDS)
    except Exception as exc:
        log.warning("matrix: whoami failed: %s", type(exc).__name__)
        return False
    return isinstance(response, nio.WhoamiError) and response.status_code == UNKNOWN_TOKEN


async def _stored(config: MatrixSection, state: TransportStateStore) -> dict[str, str] | None:
    """The stored login, if it is for this account on this homeserver."""
    value = await state.get(SESSION)
    if not value:
        return None
    # A missing or other key raises: the login is there, only not to be opened.
    value = await opened_text(config, value, SESSION)
    session = json.loads(value)
    if (session.get("homeserver"), session.get("user_id")) != (config.homeserver, config.user_id):
        return None
    redact_everywhere(session.get("access_token"))
    return session
