"""The phone's SIP edge: a Kamailio of the bot's own, in front of its line processes.

Everything SIP that reaches the bot from outside reaches this Kamailio, on the phone's own
address (``[phone] bind``:``port``); the line processes (line_pool.py, each a PJSIP stack
holding ``CALLS_PER_LINE`` calls) listen on 127.0.0.1 only and hear nothing the edge did not
let through. Kamailio runs the script shipped beside this module (edge.cfg, the routes named
below) in the foreground (:class:`Edge`); each start's values from ``[phone]`` reach it as
Kamailio's own defines (``-A``, :func:`defines`), the contact's token through a file in the
bot's private folder that includes the script (:func:`config_text`).

What the edge decides, before any PJSIP sees a request:

- who may send: the provider only - the registrar's and the outbound proxy's addresses and
  ``trusted_peers`` as admission.py resolves them, in the ``permissions`` module's address
  file; loopback only when there are none. Anyone else is answered ``403`` statelessly, and
  a source sending more than ``FLOOD_REQUESTS`` requests in ``FLOOD_SECONDS`` (``pike``) is
  not answered at all while it does;
- a new call (INVITE) is addressed to the contact the bot registered: its Request-URI
  carries the contact's unguessable parameter (admission.py :func:`new_token`, new at
  every start), else ``403``. The edge writes it into the notice line's REGISTER only
  (``route[FROM_LINES]``, taken out of the registrar's answer again): no line's contact
  carries it, so no caller, callee or anyone on a call's path is handed it. The provider's
  own address is counted too (``pipelimit``): past ``PROVIDER_REQUESTS`` in
  ``FLOOD_SECONDS`` it is answered ``503``; requests other than INVITE, OPTIONS and
  CANCEL outside a dialog get ``405``; an INVITE whose From or To is a SIP URI without a
  host gets ``400``;
- which line takes a call: the line with the fewest calls, counted by the ``dialog`` module
  in the profile ``line`` (calls that came and the bot's own calls that left from that
  line alike), while it has fewer than ``CALLS_PER_LINE``; when every line is full, the
  notice line (it says the busy notice, then 486); when that one is full too, ``486`` from
  the edge itself. One SIP worker process reads the public socket, so two calls of one
  burst are never given the same place;
- a line that fails a call (no word in ``LINE_SILENT_SECONDS``, 486, 5xx;
  ``failure_route[LINE_FAILED]``) hands it to the notice line, unless the caller hung up
  meanwhile;
- a request of a dialog (one with a To-tag) goes on only in a dialog the ``dialog`` module
  knows, else ``481``: no header makes one. From the provider it goes to a line or the
  notice line only (``route[TO_A_LINE]``, else ``403``); from a line out of the public
  socket only.

- how long a request from outside may be: ``LONGEST_REQUEST`` bytes, else ``513`` (a
  line's PJSIP reads no more, and logged every overlong INVITE);
- a call's media: every SDP it passes (offers and answers both ways, re-INVITEs too) goes
  through the media relay (media_relay.py, Kamailio's ``rtpengine`` module in
  ``route[MEDIA]``), which puts its own addresses into it and takes a stream only from the
  address the SDP named; a BYE, a CANCEL or a call nobody answered ends its session.

A line process that dies is told to the edge at once through its control socket
(edge_control.py: Kamailio's ``jsonrpcs`` on a Unix datagram socket in the bot's folder,
mode 0600, no network port): the line is marked in the ``htable`` ``down`` and skipped by
``route[CHOOSE_LINE]`` (the notice line, marked, by the busy choice and the failure route)
until it runs again, and each of its answered calls is ended by the edge (``dlg.end_dlg``:
the caller gets a BYE, and the call leaves the line's count once it is answered).

The answered calls are kept across the edge's restart where Kamailio shuts down in order
(edge_memory.py: ``db_text`` in its folder, written at shutdown, read at its start).

The bot's own calls and the first line's REGISTER leave through the edge too (the lines'
outbound proxy is its loopback socket): the provider sees one address, and the dialogs'
requests pass the edge both ways (``record_route``). Kamailio's log is off but for its own
errors, which never name a caller (no ``xlog`` of a header here).

Of ``[phone]``, only addresses enter the configuration (edge_hosts.py, checked again in
:func:`defines`). The configuration is checked with ``kamailio -c`` before it runs
(:func:`check_config`);
``doctor`` checks the binary, the configuration and that the edge answers (:func:`check`).
"""

from __future__ import annotations

import asyncio
import contextlib
import glob
import ipaddress
import logging
import os
import re
import shutil
import socket
import subprocess
import uuid
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from bot.transports.hooks import Check
from bot.transports.phone.sip import edge_memory, process_group
from bot.transports.phone.sip.admission import Admission, Peer, contact_token
from bot.transports.phone.sip.call_control import CALLS_PER_LINE, StackSettings
from bot.transports.phone.sip.edge_control import EdgeControl
from bot.transports.phone.sip.edge_hosts import edge_values_problem

log = logging.getLogger(__name__)

# pike: a source sending more than this many requests in FLOOD_SECONDS is not answered
# until it has been quiet for FLOOD_SECONDS * 2 (a provider is never counted).
FLOOD_REQUESTS = 30
FLOOD_SECONDS = 2
# The provider's own address is counted too (pipelimit, per source address): more than this
# many requests in FLOOD_SECONDS are answered 503 - far above a real provider's 20 calls at
# once with their retransmissions, far below what a forged flood from its address sends.
PROVIDER_REQUESTS = 400
# The longest request the edge takes from outside (bytes): a line's PJSIP reads at most
# 4000 (PJSIP_MAX_PKT_LEN), and the edge adds its Via, Record-Route and the relay's SDP to
# what it passes. A longer one is answered 513 Message Too Large (RFC 3261 21.5.14): a
# caller's 3,700-byte header made each line log seven PJSIP errors per INVITE.
LONGEST_REQUEST = 3500
# A call longer than this (seconds) is forgotten by the edge: a line that died with its
# calls frees their places at the latest then.
DIALOG_MOST_SECONDS = 4 * 3600
# A line that sends nothing back for this long (seconds) after the edge handed it a call -
# not even 100 Trying - is taken for hung: the caller goes to the notice line (tm's
# fr_timer; failure_route[LINE_FAILED]) instead of waiting Kamailio's 30 s in silence. Once
# the line said anything, its answer has 120 s (tm's fr_inv_timer).
LINE_SILENT_SECONDS = 5.0
# Kamailio's shared and private memory (MB): a few dozen dialogs and transactions.
SHARED_MB = 32
PRIVATE_MB = 4
# How often the running edge's main process is looked at (seconds).
WATCH_SECONDS = 0.5
# How long the edge has to answer its first OPTIONS after its start (seconds).
START_SECONDS = 20.0
# Where Debian and others put Kamailio and its modules.
_BINARIES = ("/usr/sbin/kamailio", "/sbin/kamailio", "/usr/local/sbin/kamailio")
_MODULE_FOLDERS = (
    "/usr/lib/x86_64-linux-gnu/kamailio/modules",
    "/usr/lib/aarch64-linux-gnu/kamailio/modules",
    "/usr/lib/kamailio/modules",
    "/usr/local/lib64/kamailio/modules",
)
# The edge's control socket (Kamailio's jsonrpcs, a Unix datagram socket) in its folder.
CONTROL_SOCKET = "control.sock"
# The longest path of a Unix socket (sun_path: 108 bytes with its closing zero).
SOCKET_PATH_MOST = 107
# The group of the provider's addresses in the address file.
PROVIDER_GROUP = 1


def kamailio_binary() -> str:
    """The ``kamailio`` program, or "" when it is not installed."""
    found = shutil.which("kamailio")
    if found:
        return found
    return next((path for path in _BINARIES if os.access(path, os.X_OK)), "")


def module_folder() -> str:
    """Kamailio's modules folder, or "" when not found."""
    for folder in (*_MODULE_FOLDERS, *glob.glob("/usr/lib/*/kamailio/modules")):
        if Path(folder, "dialog.so").exists():
            return folder
    return ""


@dataclass(frozen=True)
class EdgePlan:
    """What the edge is written from: where it listens (``bind``:``port`` outside,
    127.0.0.1:``inner`` for the lines), the lines' and the notice line's loopback ports,
    who may send (``peers``), the contact's ``token`` ("" when the bot does not
    register), and the provider's outbound proxy (a SIP URI; "" none)."""

    bind: str
    port: int
    inner: int
    lines: tuple[int, ...]
    notice: int
    peers: tuple[Peer, ...]
    token: str = ""
    public_address: str = ""
    outbound_proxy: str = ""
    per_line: int = CALLS_PER_LINE
    relay: int = 0  # the media relay's control port on 127.0.0.1 (media_relay.py)
    srtp: bool = False  # the bot's own calls offer the provider SRTP (SDES)

    @classmethod
    def of(
        cls,
        settings: StackSettings,
        *,
        inner: int,
        lines: Sequence[int],
        notice: int,
        relay: int = 0,
    ) -> EdgePlan:
        """From a line's :class:`~bot.transports.phone.sip.call_control.StackSettings`
        (resolves the provider's host names now)."""
        admission = Admission.of(
            registrar=settings.registrar,
            outbound_proxy=settings.outbound_proxy,
            trusted_peers=tuple(settings.trusted_peers),
            token=settings.token or contact_token(settings.user, settings.password),
        )
        peers = tuple(admission.peers)
        return cls(
            bind=settings.bind,
            port=settings.port,
            inner=inner,
            lines=tuple(lines),
            notice=notice,
            peers=peers,
            token=admission.token,
            public_address=outward_address(settings.bind, settings.public_address, peers),
            outbound_proxy=settings.outbound_proxy,
            relay=relay,
            srtp=settings.srtp,
        )

    @property
    def host(self) -> str:
        """The address this machine reaches the edge's public socket at."""
        return self.host_of(self.bind)

    @staticmethod
    def host_of(bind: str) -> str:
        """An address to reach a socket bound to ``bind`` at (not "any")."""
        return {"0.0.0.0": "127.0.0.1", "": "127.0.0.1", "::": "::1"}.get(bind, bind)


ANY = ("0.0.0.0", "", "::")


def outward_address(bind: str, public_address: str, peers: Sequence[Peer]) -> str:
    """The address the provider reaches the edge at, put in its Via, Record-Route and the
    registered contact: ``public_address``; else, bound to any address, this machine's
    address on the way to the provider (the kernel's route: nothing is sent); else ""
    (the bound address itself)."""
    if public_address or bind not in ANY:
        return public_address
    for peer in peers:
        target = peer.network.network_address
        if target.is_loopback:
            continue
        family = socket.AF_INET6 if target.version == 6 else socket.AF_INET
        with contextlib.suppress(OSError), socket.socket(family, socket.SOCK_DGRAM) as probe:
            probe.connect((str(target), peer.port or 5060))
            return str(probe.getsockname()[0])
    return ""


def address_file(peers: Sequence[Peer]) -> str:
    """The ``permissions`` module's address file: ``group address mask port tag``."""
    rows = []
    for peer in peers:
        network = peer.network
        host = str(network.network_address)
        if isinstance(network, ipaddress.IPv6Network):
            host = f"[{host}]"
        rows.append(f"{PROVIDER_GROUP} {host} {network.prefixlen} {peer.port} provider")
    return "\n".join(rows) + "\n"


def _host_port(host: str, port: int) -> str:
    """``host:port``, an IPv6 address in brackets (else its last group reads as the port)."""
    return f"[{host}]:{port}" if ":" in host else f"{host}:{port}"


def _socket(host: str, port: int) -> str:
    return f"udp:{_host_port(host, port)}"


# The edge's script, shipped beside this module: Kamailio's own defines carry each start's
# values into it (defines, config_text); nothing is written into the script.
SCRIPT_PATH = Path(__file__).with_name("edge.cfg")
# What a contact's token may hold: #!substdef writes it into the script's strings.
_TOKEN = re.compile(r"^[A-Za-z0-9_-]+$")


def _quoted(value: object) -> str:
    return f'"{value}"'


def defines(plan: EdgePlan, folder: Path, modules: str) -> list[str]:
    """The ``-A`` defines the edge's script (:data:`SCRIPT_PATH`) runs with: every value of
    this start but the contact's token (:func:`config_text`). A string goes quoted, as
    Kamailio reads it; a socket or an address (edge_hosts.py allows nothing else) bare."""
    wrong = edge_values_problem(plan.bind, plan.public_address, plan.outbound_proxy)
    if wrong:
        raise EdgeFailed(wrong)
    written = (plan.bind, plan.public_address, plan.outbound_proxy, str(folder), modules)
    if any(mark in value for value in written for mark in ('"', "\n", "\r", "@")):
        # Only a configuration's value can hold one: it never becomes part of the script.
        raise EdgeFailed("a [phone] address holds a quotation mark, @ or a line break")
    proxy, public = plan.outbound_proxy.split(";", 1)[0], plan.public_address
    values: dict[str, object] = {
        "OUTSIDE": _socket(plan.bind, plan.port),
        "INSIDE": _socket("127.0.0.1", plan.inner),
        "INNER": plan.inner,
        "MODULES": _quoted(f"{modules}/"),
        "ADDRESSES": _quoted(folder / "addresses"),
        "CONTROL": _quoted(folder / CONTROL_SOCKET),
        "DIALOGS": _quoted(f"text://{folder / edge_memory.FOLDER}"),
        "RELAY": _quoted(f"udp:127.0.0.1:{plan.relay}"),
        "FLOOD_SECONDS": FLOOD_SECONDS,
        "FLOOD_REQUESTS": FLOOD_REQUESTS,
        "FLOOD_QUIET": FLOOD_SECONDS * 2,
        "PROVIDER_REQUESTS": PROVIDER_REQUESTS,
        "LONGEST_REQUEST": LONGEST_REQUEST,
        "DIALOG_MOST": DIALOG_MOST_SECONDS,
        "LINE_SILENT_MS": round(LINE_SILENT_SECONDS * 1000),
        "GROUP": PROVIDER_GROUP,
        "PER_LINE": plan.per_line,
        "LINES": len(plan.lines),
        "LINE_URIS": _quoted(" ".join(f"sip:127.0.0.1:{port}" for port in plan.lines)),
        "LINE_PORTS": _quoted(" ".join(str(port) for port in plan.lines)),
        "NOTICE_URI": _quoted(f"sip:127.0.0.1:{plan.notice}"),
        "DESTINATION_PORTS": _quoted(" ".join(str(port) for port in (*plan.lines, plan.notice))),
    }
    if public:
        values["PUBLIC"] = _host_port(public, plan.port)
    if proxy:
        values["PROXY"] = _quoted(proxy)
    if plan.srtp:
        values["WITH_SRTP"] = 1
    return [f"{name}={value}" for name, value in values.items()]


def config_text(plan: EdgePlan, folder: Path, modules: str) -> str:
    """The file Kamailio is started with (the bot's alone: mode 0600): the contact's token
    as a define, then the shipped script (:data:`SCRIPT_PATH`). The token admits calls, so
    it stays off the command line (:func:`defines`), which anyone on the machine can read."""
    defines(plan, folder, modules)  # refuses what may not enter the configuration
    if plan.token and not _TOKEN.match(plan.token):
        raise EdgeFailed("the contact's token holds more than letters and digits")
    token = f'#!define WITH_TOKEN\n#!substdef "!EDGE_TOKEN!{plan.token}!"\n' if plan.token else ""
    return (
        "#!KAMAILIO\n"
        "# Written by the bot (bot/transports/phone/sip/edge.py) at every start: the contact's\n"
        "# token; the script is the shipped one, this start's other values on the command line.\n"
        f'{token}include_file "{SCRIPT_PATH}"\n'
    )


# How long ``kamailio -c`` may take (a few hundred milliseconds on this machine when idle).
CHECK_SECONDS = 60.0


def define_arguments(defines: Sequence[str]) -> list[str]:
    """Kamailio's command line for ``defines``: ``-A NAME=value`` each."""
    return [argument for define in defines for argument in ("-A", define)]


def check_config(binary: str, path: Path, defines: Sequence[str] = ()) -> str:
    """What ``kamailio -c`` says is wrong with the configuration at ``path``, read with
    ``defines`` (:func:`defines`) ("": none)."""
    try:
        checked = subprocess.run(
            [binary, "-c", "-f", str(path), *define_arguments(defines)],
            capture_output=True,
            text=True,
            timeout=CHECK_SECONDS,
        )
    except subprocess.TimeoutExpired:
        # Said as a fault, not raised past the caller: the edge's watcher starts it again
        # only after an EdgeFailed (a RuntimeError), and must not die of a slow check.
        return f"kamailio -c did not finish within {CHECK_SECONDS:.0f} s"
    if checked.returncode == 0:
        return ""
    errors = [line for line in checked.stderr.splitlines() if "ERROR" in line or "error" in line]
    return "\n".join(errors[-5:]) or f"exit code {checked.returncode}"


def options_answered(host: str, port: int, timeout: float = 0.5) -> bool:
    """Whether a SIP server at ``host``:``port`` answers an OPTIONS (with anything: the
    edge answers a sender that is not the provider 403)."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    with socket.socket(family, socket.SOCK_DGRAM) as sock:
        sock.bind(("::1" if family == socket.AF_INET6 else "127.0.0.1", 0))
        sock.settimeout(timeout)
        local = sock.getsockname()[1]
        tag = uuid.uuid4().hex[:12]
        via = f"[{host}]" if ":" in host else host
        request = (
            f"OPTIONS sip:{via}:{port} SIP/2.0\r\n"
            f"Via: SIP/2.0/UDP 127.0.0.1:{local};branch=z9hG4bK{tag};rport\r\n"
            "Max-Forwards: 70\r\n"
            f"From: <sip:doctor@127.0.0.1>;tag={tag}\r\n"
            f"To: <sip:{via}:{port}>\r\n"
            f"Call-ID: {tag}@nachbarbot\r\n"
            "CSeq: 1 OPTIONS\r\n"
            "Content-Length: 0\r\n\r\n"
        )
        try:
            sock.sendto(request.encode(), (host, port))
            answer = sock.recv(4096)
        except OSError:
            return False
        return answer.startswith(b"SIP/2.0 ")


class EdgeFailed(RuntimeError):
    """The edge could not start (no Kamailio, a configuration it refused, a taken port)."""


class Edge:
    """The running edge: :meth:`start` writes the configuration into ``folder`` (the
    phone's private folder), checks it and runs Kamailio until :meth:`stop`."""

    def __init__(self, plan: EdgePlan, folder: Path) -> None:
        self.plan = plan
        self.folder = folder
        self.process: asyncio.subprocess.Process | None = None
        self._started: str | None = None  # when the main process started (process_group)
        # Its control socket (jsonrpcs, local only): what the line pool tells it.
        self.control = EdgeControl(folder / CONTROL_SOCKET)
        self.defines: list[str] = []  # this start's -A defines (write)

    @property
    def config_path(self) -> Path:
        return self.folder / "kamailio.cfg"

    def write(self) -> str:
        """Write the configuration and the address file; the binary to run them."""
        binary, modules = kamailio_binary(), module_folder()
        if not binary or not modules:
            raise EdgeFailed(
                "Kamailio is not installed: the phone's SIP edge needs it (Debian package"
                " kamailio; docs/phone.md)"
            )
        if len(os.fsencode(self.control.path)) > SOCKET_PATH_MOST:
            raise EdgeFailed(
                f"the SIP edge's control socket needs a shorter folder than {self.folder} (TMPDIR)"
            )
        edge_memory.prepare(self.folder)
        (self.folder / "addresses").write_text(address_file(self.plan.peers))
        self.defines = defines(self.plan, self.folder, modules)
        self.config_path.write_text(config_text(self.plan, self.folder, modules))
        self.config_path.chmod(0o600)  # it holds the contact's token
        return binary

    async def start(self) -> None:
        binary = self.write()
        wrong = await asyncio.to_thread(check_config, binary, self.config_path, self.defines)
        if wrong:
            raise EdgeFailed(f"the SIP edge's configuration does not load: {wrong}")
        self.process = await asyncio.create_subprocess_exec(
            binary,
            "-DD",
            "-E",
            "-m",
            str(SHARED_MB),
            "-M",
            str(PRIVATE_MB),
            "-f",
            str(self.config_path),
            "-Y",
            str(self.folder),
            *define_arguments(self.defines),
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.DEVNULL,
            stderr=asyncio.subprocess.PIPE,
            cwd=self.folder,
            start_new_session=True,
            preexec_fn=process_group.end_with_parent,
        )
        self._started = process_group.started_at(self.process.pid)
        try:
            async with asyncio.timeout(START_SECONDS):
                while not await asyncio.to_thread(options_answered, "127.0.0.1", self.plan.inner):
                    if self.process.returncode is not None:
                        raise EdgeFailed(f"the SIP edge ended at its start: {await self._said()}")
                    await asyncio.sleep(0.1)
        except TimeoutError:
            await self.stop()
            raise EdgeFailed(f"the SIP edge did not answer within {START_SECONDS:.0f} s") from None
        except BaseException:
            await self.stop()
            raise
        log.info("phone: the SIP edge runs on port %d", self.plan.port)

    async def _said(self) -> str:
        """Kamailio's last error lines at a failed start (its own, no request's text)."""
        process = self.process
        if process is None or process.stderr is None:
            return "no reason given"
        try:
            said = await asyncio.wait_for(process.stderr.read(), 5)
        except TimeoutError:  # a worker of it still holds the pipe
            said = b""
        errors = [line for line in said.decode(errors="replace").splitlines() if "ERROR" in line]
        return "; ".join(line.rsplit(": ", 1)[-1] for line in errors[-3:]) or "no reason given"

    @property
    def running(self) -> bool:
        return self.process is not None and self.process.returncode is None

    async def _drain(self, process: asyncio.subprocess.Process) -> None:
        """Kamailio's error output, read and dropped (it would fill the pipe)."""
        if process.stderr is not None:
            while await process.stderr.read(65536):
                pass

    async def wait(self) -> int:
        """Until the edge's main process ends; its exit code. Its workers end with it:
        left behind by a main process that crashed, they would hold the port."""
        process = self.process
        if process is None:
            return 0
        draining = asyncio.create_task(self._drain(process))
        try:
            # Its exit code, not process.wait(): that waits for the pipe too, which the
            # workers of a main process that crashed still hold.
            while process.returncode is None:
                await asyncio.sleep(WATCH_SECONDS)
        finally:
            # Only what a main process that ended left behind: a wait called off (the
            # lines stopping, line_pool.py) leaves the edge running, for the lines' last
            # BYEs and their unregistration to pass it; stop() ends it after them.
            if process.returncode is not None:
                process_group.end_group(process.pid, self._started)
            draining.cancel()
        return process.returncode

    async def stop(self) -> None:
        process, self.process = self.process, None
        if process is None:
            return
        # Kamailio's main process ends its workers on SIGTERM; the group is the edge's.
        await process_group.stop(process, self._started)


def check(phone: Any) -> Check:
    """``doctor``'s line for the SIP edge of the ``[phone]`` section ``phone``: Kamailio
    installed, the configuration the bot would write loads (``kamailio -c``), and the
    running bot's edge answers at ``bind``:``port``."""
    import tempfile

    name = "phone SIP edge"
    binary = kamailio_binary()
    if not binary or not module_folder():
        return (name, "FAIL", "Kamailio is not installed (Debian package kamailio)")
    settings = StackSettings(
        bind=phone.bind,
        port=phone.port or 5060,
        registrar=phone.registrar,
        user=phone.user,
        password=phone.password or "",
        outbound_proxy=phone.outbound_proxy,
        trusted_peers=phone.peers(),
        public_address=phone.public_address,
    )
    lines = list(range(phone.port + 1, phone.port + 1 + phone.lines))
    plan = EdgePlan.of(settings, inner=65000, lines=lines, notice=65001)
    with tempfile.TemporaryDirectory(prefix="nachbarbot-edge-check-") as folder:
        edge = Edge(plan, Path(folder))
        edge.write()
        wrong = check_config(binary, edge.config_path, edge.defines)
    if wrong:
        return (name, "FAIL", f"the edge's configuration does not load: {wrong}")
    if not phone.port or not options_answered(plan.host, phone.port):
        return (
            name,
            "WARN",
            f"configuration loads; no edge answers at {plan.host}:{phone.port}"
            " (is the bot running?)",
        )
    return (
        name,
        "ok",
        f"Kamailio answers at {plan.host}:{phone.port}: {phone.lines} lines of"
        f" {CALLS_PER_LINE} calls and a notice line behind it",
    )
