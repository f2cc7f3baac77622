"""Kannel (Debian's package ``kannel``: bearerbox and smsbox) as the SMS gateway of the SMS
tests and benchmarks, on 127.0.0.1 and free ports, with the ``fake`` SMSC that
``fakesmsc`` (``tests/support/sms/fakesmsc.py``) connects to as the phone network.

``KannelGateway(incoming_url=…, secret=…)`` writes ``kannel.conf`` to a temporary folder:

- core (bearerbox): admin port with ``admin-password``/``status-password``, the smsbox port,
  everything bound to and allowed from 127.0.0.1 only; ``dlr-storage = internal``.
- ``smsc = fake`` (``smsc-id = fake``): the port ``fakesmsc`` connects to,
  ``connect-allow-ip = 127.0.0.1``, ``throughput`` when given (messages a second towards the
  phones: Kannel's own rate limit, what the bench's "at the gateway's configured rate" means).
- smsbox: ``sendsms-port`` (``GET``/``POST /cgi-bin/sendsms``), ``mo-recode = true`` (a text
  that came as UCS-2 from the phone reaches the bot as UTF-8 with coding 0);
  ``http_request_retry=N``: ``http-request-retry = N`` with ``http-queue-delay = 0`` (a call
  of the get-url that failed is made again at once, the same URL with the same ``%I``; the
  tests wait for that call, and a wait before it would only lengthen them).
- sendsms-user ``username``/``password`` (only from 127.0.0.1), ``concatenation = true`` and
  ``max-messages = 10`` (Kannel's default of 1 would cut a two-segment text to one),
  ``default-sender`` the bot's number, ``dlr-url`` when given.
- sms-service ``default`` (catch-all): ``get-url`` calls the bot's ``incoming_url`` for each
  text from a phone, with ``max-messages = 0`` (the bot answers through sendsms; the HTTP
  answer to get-url is never sent as a text).

The incoming URL (``KannelGateway.get_url``) is
``<incoming_url>?secret=<secret>&from=%p&to=%P&text=%b&coding=%c&charset=%C&id=%I``, the
shared secret in the query as bot/transports/sms/gateways.py reads it (``secret_in="query"``).
With ``secret_in="basic"`` it is ``http://kannel:<secret>@host:port/path?from=…`` instead:
Kannel's HTTP client sends the user part as ``Authorization: Basic`` (base64 of
``kannel:<secret>``, taken as it stands: letters, digits and ``._~-`` only, as Kannel does
not decode %-escapes there), which keeps the secret out of request lines and access logs.
Escapes: ``%p`` sender, ``%P`` receiver (the bot's number), ``%b`` the text exactly as
received, URL-encoded (``%a`` would join its words with single spaces and lose line breaks),
``%c`` coding (0 = GSM/7-bit, 1 = 8-bit, 2 = UCS-2), ``%C`` charset, ``%I`` Kannel's message
id (a UUID; the same text sent twice has two ids). With ``mo-recode`` both a text sent as
7-bit and one sent as UCS-2 arrive as ``coding=0&charset=UTF-8`` with UTF-8 bytes in
``text``; a bot should still decode by ``coding``/``charset`` (coding 2 is UTF-16BE).

Sending (the bot's side): ``GET /cgi-bin/sendsms?username=…&password=…&from=…&to=…&text=…``
with ``charset=UTF-8``; ``coding=2`` sends UCS-2 (Arabic, Cyrillic, emoji), ``coding=0``
(default) GSM 7-bit. Kannel answers ``202`` ``0: Accepted for delivery`` (or ``3: Queued
for later delivery``). ``dlr-mask`` (1 delivered, 2 failed, 8 passed to the SMSC, …) and
``dlr-url`` (with ``%d`` the report type) ask for delivery reports; the fake SMSC reports
"delivered" for every text it passed on to fakesmsc.

bearerbox and smsbox run in the foreground (no ``--daemonize``), each in its own process
group; ``start()`` waits until ``/status.txt`` on the admin port shows the smsbox connected
and the sendsms port answers; ``stop()`` sends SIGTERM (Kannel shuts down cleanly) and
waits. Their logs (``bearerbox.log``, ``smsbox.log``, ``access.log``, level ``log_level``,
default 1 = info) stay in ``folder`` for a failing test; smsbox's debug level (0) would log
every URL, secret included. The system's own Kannel service (the Debian package may start
one) is never used.
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import subprocess
import tempfile
import time
import urllib.error
import urllib.parse
import urllib.request
from collections.abc import Callable, Iterator, Sequence
from pathlib import Path

from tests.support.ports import free_port
from tests.support.processes import end_group

HOST = "127.0.0.1"
SMSC_ID = "fake"
BOT_NUMBER = "+4923150000045"
INCOMING_USER = "kannel"


def kannel_binary(name: str) -> str:
    found = shutil.which(name) or next(
        (path for path in (f"/usr/sbin/{name}", f"/sbin/{name}") if os.access(path, os.X_OK)),
        None,
    )
    if found is None:
        raise RuntimeError(
            f"Kannel's {name} was not found: the SMS tests need it."
            " `make test` installs it (Debian package kannel)."
        )
    return found


def _quoted(value: str) -> str:
    if '"' in value or "\n" in value:
        raise ValueError("Kannel configuration values cannot hold quotes or line breaks")
    return f'"{value}"'


class KannelGateway:
    """``with KannelGateway(incoming_url=…) as kannel:`` or ``start()``/``stop()``.

    ``incoming_url`` is the bot's URL for incoming texts (``http://127.0.0.1:port/path``),
    which may also be set on the object before ``start()``; ``secret_in`` "query" (the
    default) or "basic" says how the secret travels. Attributes: ``sendsms_url``,
    ``username``, ``password``, ``secret``, ``bot_number``, ``smsc_port`` (for fakesmsc),
    ``admin_port``, ``get_url``; ``status()`` (the admin ``/status.txt``),
    ``smsc_online()``, ``send(to, text, …)`` (a sendsms call, for tests of the tools),
    ``log_text(name)``.
    """

    def __init__(
        self,
        *,
        incoming_url: str | None = None,
        secret: str = "kannel-secret-45",
        secret_in: str = "query",
        bot_number: str = BOT_NUMBER,
        username: str = "nachbarbot",
        password: str = "sendsms-secret-45",
        throughput: float | None = None,
        dlr_url: str | None = None,
        http_request_retry: int = 0,
        log_level: int = 1,
        folder: Path | None = None,
    ) -> None:
        self.incoming_url = incoming_url
        if secret_in not in ("query", "basic"):
            raise ValueError('secret_in is "query" or "basic"')
        self.secret = secret
        self.secret_in = secret_in
        self.bot_number = bot_number
        self.username = username
        self.password = password
        self.throughput = throughput
        self.dlr_url = dlr_url
        self.http_request_retry = http_request_retry
        self.log_level = log_level
        self.admin_password = "admin-45"
        self.status_password = "status-45"
        if folder is not None:
            folder.mkdir(parents=True, exist_ok=True)
        self.folder = folder or Path(tempfile.mkdtemp(prefix="nachbarbot-kannel-"))
        self.config_path = self.folder / "kannel.conf"
        self.admin_port = free_port()
        self.smsbox_port = free_port()
        self.smsc_port = free_port()
        self.sendsms_port = free_port()
        self._processes: list[subprocess.Popen[bytes]] = []

    @property
    def sendsms_url(self) -> str:
        return f"http://{HOST}:{self.sendsms_port}/cgi-bin/sendsms"

    @property
    def get_url(self) -> str:
        if not self.incoming_url:
            raise ValueError("KannelGateway needs the bot's incoming_url before start()")
        parts = urllib.parse.urlsplit(self.incoming_url)
        query = "from=%p&to=%P&text=%b&coding=%c&charset=%C&id=%I"
        netloc = parts.netloc
        if self.secret_in == "basic":
            # Kannel sends the user part as it stands, without decoding %-escapes.
            if not re.fullmatch(r"[A-Za-z0-9._~-]+", self.secret):
                raise ValueError("the incoming secret is letters, digits and . _ ~ - only")
            netloc = f"{INCOMING_USER}:{self.secret}@{parts.netloc}"
        else:
            # A % in the configured URL would be taken for one of Kannel's escapes.
            secret = urllib.parse.quote(self.secret, safe="")
            if "%" in secret:
                raise ValueError("the incoming secret is letters, digits and . _ ~ - only")
            query = f"secret={secret}&{query}"
        if parts.query:
            query = f"{parts.query}&{query}"
        return urllib.parse.urlunsplit((parts.scheme, netloc, parts.path, query, ""))

    def config_text(self) -> str:
        folder = self.folder
        throughput = f"throughput = {self.throughput}\n" if self.throughput else ""
        dlr = f"dlr-url = {_quoted(self.dlr_url)}\n" if self.dlr_url else ""
        # smsbox passes a text on again (the same URL, %I the same id) when its call of
        # the get-url failed (no answer: the connection lost, too slow), at once: what the
        # tests check is the call again, not its delay (whole seconds; 1 cost each a second).
        retry = (
            f"http-request-retry = {self.http_request_retry}\nhttp-queue-delay = 0\n"
            if self.http_request_retry
            else ""
        )
        return f"""group = core
admin-port = {self.admin_port}
admin-interface = {HOST}
admin-password = {_quoted(self.admin_password)}
status-password = {_quoted(self.status_password)}
admin-allow-ip = "{HOST}"
smsbox-port = {self.smsbox_port}
smsbox-interface = {HOST}
box-allow-ip = "{HOST}"
log-file = "{folder}/bearerbox.log"
log-level = {self.log_level}
access-log = "{folder}/access.log"
dlr-storage = internal

group = smsc
smsc = fake
smsc-id = {SMSC_ID}
port = {self.smsc_port}
connect-allow-ip = "{HOST}"
{throughput}
group = smsbox
bearerbox-host = {HOST}
bearerbox-port = {self.smsbox_port}
sendsms-port = {self.sendsms_port}
sendsms-interface = {HOST}
log-file = "{folder}/smsbox.log"
log-level = {self.log_level}
access-log = "{folder}/smsbox-access.log"
mo-recode = true
{retry}
group = sendsms-user
username = {_quoted(self.username)}
password = {_quoted(self.password)}
user-allow-ip = "{HOST}"
concatenation = true
max-messages = 10
default-sender = {_quoted(self.bot_number)}
{dlr}
group = sms-service
keyword = default
catch-all = true
max-messages = 0
get-url = {_quoted(self.get_url)}
"""

    def log_text(self, name: str = "smsbox.log") -> str:
        try:
            return (self.folder / name).read_text(errors="replace")
        except OSError:
            return ""

    def _logs_tail(self) -> str:
        return "\n".join(
            f"--- {name}\n{self.log_text(name)[-2000:]}"
            for name in ("bearerbox.out", "bearerbox.log", "smsbox.out", "smsbox.log")
        )

    def status(self) -> str:
        url = f"http://{HOST}:{self.admin_port}/status.txt?password={self.status_password}"
        with urllib.request.urlopen(url, timeout=5) as answer:
            return str(answer.read().decode("utf-8", "replace"))

    def _smsc_line(self) -> str:
        try:
            text = self.status()
        except (OSError, urllib.error.URLError):
            return ""
        return next((line for line in text.splitlines() if f"{SMSC_ID}[" in line), "")

    def smsc_online(self) -> bool:
        """Whether a fakesmsc is connected (the fake SMSC shows ``online``)."""
        return "(online" in self._smsc_line()

    def _ready(self) -> bool:
        try:
            text = self.status()
        except (OSError, urllib.error.URLError):
            return False
        if "smsbox:" not in text:
            return False
        try:
            with urllib.request.urlopen(self.sendsms_url, timeout=2):
                pass
        except urllib.error.HTTPError:
            return True  # answered (no credentials given)
        except (OSError, urllib.error.URLError):
            return False
        return True

    def _spawn(self, name: str) -> subprocess.Popen[bytes]:
        with (self.folder / f"{name}.out").open("wb") as out:
            process = subprocess.Popen(
                [kannel_binary(name), str(self.config_path)],
                stdout=out,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                cwd=self.folder,
                start_new_session=True,
            )
        self._processes.append(process)
        return process

    def start(self, timeout: float = 30.0) -> None:
        self.config_path.write_text(self.config_text())
        deadline = time.monotonic() + timeout
        # smsbox gives up at once when bearerbox's smsbox port is not open yet.
        bearerbox = self._spawn("bearerbox")
        self._wait(self._status_answers, (bearerbox,), deadline)
        self._start_smsbox(bearerbox, deadline)

    def _start_smsbox(self, bearerbox: subprocess.Popen[bytes], deadline: float) -> None:
        """smsbox, until it is connected and its sendsms port answers. bearerbox opens its
        smsbox port in a thread of its own, and its admin port may answer first (seen under
        load): an smsbox that found the port closed is started again, as an operator would."""
        smsbox = self._spawn("smsbox")

        def ready() -> bool:
            nonlocal smsbox
            if bearerbox.poll() is None and self._not_connected(smsbox):
                self._processes.remove(smsbox)
                smsbox = self._spawn("smsbox")
                return False
            return self._ready()

        # The processes as they are now (self._processes holds the smsbox started last).
        self._wait(ready, self._processes, deadline)

    def _not_connected(self, smsbox: subprocess.Popen[bytes]) -> bool:
        """Whether ``smsbox`` ended because it found bearerbox's smsbox port closed (its
        panic "Couldn't connect to the bearerbox"), not for another reason."""
        if smsbox.poll() is None:
            return False
        said = (self.folder / "smsbox.out").read_bytes()
        return b"Couldn't connect to the bearerbox" in said

    def _status_answers(self) -> bool:
        try:
            self.status()
        except (OSError, urllib.error.URLError):
            return False
        return True

    def _wait(
        self,
        condition: Callable[[], bool],
        processes: Sequence[subprocess.Popen[bytes]],
        deadline: float,
    ) -> None:
        while not condition():
            if any(process.poll() is not None for process in processes):
                self.stop()
                raise RuntimeError(f"Kannel stopped at start:\n{self._logs_tail()}")
            if time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"Kannel did not become ready:\n{self._logs_tail()}")
            time.sleep(0.05)

    def wait_smsc_online(self, timeout: float = 30.0) -> None:
        deadline = time.monotonic() + timeout
        while not self.smsc_online():
            if time.monotonic() > deadline:
                raise RuntimeError(f"no fakesmsc connected to Kannel:\n{self._smsc_line()}")
            time.sleep(0.05)

    def sendsms_query(self, to: str, text: str, **options: str) -> dict[str, str]:
        """The query of a sendsms call (UTF-8; UCS-2 when ``coding="2"`` is given)."""
        return {
            "username": self.username,
            "password": self.password,
            "from": self.bot_number,
            "to": to,
            "text": text,
            "charset": "UTF-8",
            **options,
        }

    def send(self, to: str, text: str, **options: str) -> tuple[int, str]:
        """A blocking sendsms call (for the tools' own tests): HTTP status and answer."""
        query = urllib.parse.urlencode(self.sendsms_query(to, text, **options))
        try:
            with urllib.request.urlopen(f"{self.sendsms_url}?{query}", timeout=10) as answer:
                return answer.status, answer.read().decode("utf-8", "replace")
        except urllib.error.HTTPError as refused:
            return refused.code, refused.read().decode("utf-8", "replace")

    def stop(self) -> None:
        # smsbox first: bearerbox would otherwise keep waiting for its box to say goodbye.
        processes, self._processes = self._processes, []
        for process in reversed(processes):
            end_group(process, 15)

    def __enter__(self) -> KannelGateway:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


@contextlib.contextmanager
def running_kannel(**options: object) -> Iterator[KannelGateway]:
    gateway = KannelGateway(**options)  # type: ignore[arg-type]
    gateway.start()
    try:
        yield gateway
    finally:
        gateway.stop()
