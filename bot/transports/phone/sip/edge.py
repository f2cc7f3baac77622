"""The phone's SIP edge: a Kamailio of the bot's own, in front of its line processes.

Everything SIP that reaches the bot from outside reaches this Kamailio, on the phone's own
address (``[phone] bind``:``port``); the line processes (line_pool.py, each a PJSIP stack
holding ``CALLS_PER_LINE`` calls) listen on 127.0.0.1 only and hear nothing the edge did not
let through. The bot writes the configuration (:func:`config_text`) from ``[phone]`` into
its private folder and runs ``kamailio`` in the foreground (:class:`Edge`).

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
  host (:data:`SIP_HOST`) gets ``400``;
- which line takes a call: the line with the fewest calls, counted by the ``dialog`` module
  in the profile ``line`` (calls that came and the bot's own calls that left from that
  line alike), while it has fewer than ``CALLS_PER_LINE``; when every line is full, the
  notice line (it says the busy notice, then 486); when that one is full too, ``486`` from
  the edge itself. One SIP worker process reads the public socket, so two calls of one
  burst are never given the same place;
- a line that fails a call (no answer in 5 s, 486, 5xx; ``failure_route[LINE_FAILED]``)
  hands it to the notice line, unless the caller hung up meanwhile;
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
:func:`config_text`). The configuration is checked with ``kamailio -c`` before it runs
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
from bot.transports.phone.sip.admission import PARAMETER, Admission, Peer, contact_token
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
_MODULES = (
    "db_text",
    "tm",
    "sl",
    "rr",
    "pv",
    "maxfwd",
    "textops",
    "siputils",
    "sanity",
    "dialog",
    "permissions",
    "pike",
    "jsonrpcs",
    "htable",
    "rtpengine",
    "pipelimit",
)
# The edge's control socket (Kamailio's jsonrpcs, a Unix datagram socket) in its folder.
CONTROL_SOCKET = "control.sock"
# The longest path of a Unix socket (sun_path: 108 bytes with its closing zero).
SOCKET_PATH_MOST = 107
# What the media relay does with every SDP (besides the direction): streams only from the
# address the SDP named, no ICE candidates of the far end (the relay is the only address),
# its own address in the origin and connection lines.
MEDIA_FLAGS = "strict-source ICE=remove replace-origin replace-session-connection"
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


def _line_routes(plan: EdgePlan) -> tuple[str, str]:
    """The script's two generated tables: a line's number to its address, a source port
    on loopback to the line's number."""
    to_line = "\n".join(
        f'        case {number}: $du = "sip:127.0.0.1:{port}"; break;'
        for number, port in enumerate(plan.lines)
    )
    of_port = "\n".join(
        f'        case {port}: $var(line) = "{number}"; break;'
        for number, port in enumerate(plan.lines)
    )
    return to_line, of_port


# A SIP URI's host as RFC 3261 25.1 writes it (a host name's labels, an IPv4 address, an
# IPv6 reference, with or without its brackets as Kamailio's $fd may give it), and "_" in a
# label, which PJSIP takes too. No backslash: Kamailio reads a script's strings with escapes
# of its own.
SIP_HOST = (
    "^(([a-zA-Z0-9_]([a-zA-Z0-9_-]*[a-zA-Z0-9_])?[.])*[a-zA-Z]([a-zA-Z0-9_-]*[a-zA-Z0-9_])?[.]?"
    "|[0-9]{1,3}([.][0-9]{1,3}){3}"
    "|[[][0-9a-fA-F:.]+[]]|[0-9a-fA-F]*:[0-9a-fA-F:.]*)$"
)

# The edge's script; config_text fills in each @NAME@ (Kamailio's own ``$`` and braces
# stay as they are).
_PLACEHOLDER = re.compile(r"@([A-Z_]+)@")
SCRIPT = """#!KAMAILIO
# Written by the bot (bot/transports/phone/sip/edge.py) at every start: not to be edited.
debug=1
log_stderror=yes
children=1
disable_tcp=yes
disable_sctp=yes
auto_aliases=no
dns=no
rev_dns=no
@ALIAS@listen=@OUTSIDE@@ADVERTISE@
listen=@INSIDE@
mpath="@MODULES@/"

@LOADS@

modparam("permissions", "address_file", "@ADDRESSES@")
modparam("pike", "sampling_time_unit", @FLOOD_SECONDS@)
modparam("pike", "reqs_density_per_unit", @FLOOD_REQUESTS@)
modparam("pike", "remove_latency", @FLOOD_QUIET@)
modparam("pipelimit", "timer_interval", @FLOOD_SECONDS@)
modparam("dialog", "profiles_with_value", "line")
modparam("dialog", "default_timeout", @DIALOG_MOST@)
# The answered calls, written when Kamailio shuts down and read at its start (edge_memory.py).
modparam("dialog", "db_url", "text://@DIALOGS@")
modparam("dialog", "db_mode", 3)
modparam("tm", "fr_timer", 5000)
modparam("jsonrpcs", "transport", 4)
modparam("jsonrpcs", "dgram_socket", "@CONTROL@")
modparam("jsonrpcs", "dgram_mode", 0600)
modparam("htable", "htable", "down=>size=4;")
# The media relay (media_relay.py): every SDP the edge passes gets its addresses.
modparam("rtpengine", "rtpengine_sock", "udp:127.0.0.1:@RELAY@")

request_route {
    if (!mf_process_maxfwd_header("10")) {
        sl_send_reply("483", "Too Many Hops");
        exit;
    }
    if ($Rp == @INNER@) {
        route(FROM_LINES);
        exit;
    }
    if ($ml > @LONGEST_REQUEST@) {
        # Longer than a line reads: refused here, before anyone logs a word of it.
        if (allow_source_address("@GROUP@") || pike_check_req()) {
            sl_send_reply("513", "Message Too Large");
        }
        exit;
    }
    if (!allow_source_address("@GROUP@")) {
        # Not the provider: answered 403, or nothing while it floods.
        if (pike_check_req()) {
            sl_send_reply("403", "Forbidden");
        }
        exit;
    }
    if (!pl_check("$si", "TAILDROP", @PROVIDER_REQUESTS@)) {
        # The provider's address, past its high ceiling: a forged flood, or a provider in
        # trouble - it tries again (RFC 3261 21.5.4).
        sl_send_reply("503", "Service Unavailable");
        exit;
    }
    if (!sanity_check("17895", "7")) {
        exit;
    }
    route(FROM_PROVIDER);
}

route[IN_DIALOG] {
    # A dialog's request continues only in a dialog the edge let through (dialog module:
    # Call-ID and tags of a call it admitted or the bot made); a To-tag or a Route header
    # alone is no dialog, whoever sends it.
    if (!is_known_dlg()) {
        if (is_method("ACK")) {
            # The ACK of a call refused or ended: its transaction's, if any.
            if (t_check_trans()) {
                t_relay();
            }
            exit;
        }
        sl_send_reply("481", "Call/Transaction Does Not Exist");
        exit;
    }
    if (!loose_route()) {
        if (!is_method("ACK")) {
            sl_send_reply("404", "Not Here");
        } else if (t_check_trans()) {
            t_relay();
        }
        exit;
    }
}

route[TO_A_LINE] {
    # From the provider, a dialog's request goes to a line or the notice line only.
    if ($nh(d) != "127.0.0.1" || !(@LINE_PORTS@)) {
        sl_send_reply("403", "Forbidden");
        exit;
    }
    force_send_socket(@INSIDE@);
    t_relay();
    exit;
}

route[FROM_PROVIDER] {
    if (has_totag()) {
        route(IN_DIALOG);
        route(MEDIA);
        route(TO_A_LINE);
    }
    if (is_method("CANCEL")) {
        if (t_check_trans()) {
            route(MEDIA);
            t_relay();
        }
        exit;
    }
    if (is_method("OPTIONS")) {
        sl_send_reply("200", "OK");
        exit;
    }
    # Methods are case-sensitive (RFC 3261): "invite" is no INVITE, and PJSIP would end
    # its process refusing one.
    if (!is_method("INVITE") || $rm != "INVITE") {
        if (!is_method("ACK")) {
            sl_send_reply("405", "Method Not Allowed");
        }
        exit;
    }
    # A SIP From or To names a host (RFC 3261 25.1: a host name, IPv4 or IPv6 address);
    # 'sip:+4923155501;user=phone' has none, and a line's PJSIP drops such an INVITE
    # unanswered - the caller would wait for a timeout. A tel: URI has no host at all.
    if (($fu =~ "^sips?:" && !($fd =~ "@SIP_HOST@"))
            || ($tu =~ "^sips?:" && !($td =~ "@SIP_HOST@"))) {
        sl_send_reply("400", "Bad Request");
        exit;
    }
@TOKEN_CHECK@    t_check_trans();
    remove_hf("Route");
    route(CHOOSE_LINE);
    record_route();
    route(MEDIA);
    force_send_socket(@INSIDE@);
    t_on_failure("LINE_FAILED");
    if (!t_relay()) {
        sl_reply_error();
    }
    exit;
}

route[CHOOSE_LINE] {
    # The line with the fewest calls, while it holds fewer than @PER_LINE@.
    $var(best) = -1;
    $var(least) = @PER_LINE@;
    $var(i) = 0;
    while ($var(i) < @LINES@) {
        # A line that died is skipped until it runs again (the bot's mark, edge_control.py).
        if ($sht(down=>$var(i)) == $null) {
            get_profile_size("line", "$var(i)", "$var(n)");
            if ($var(n) < $var(least)) {
                $var(least) = $var(n);
                $var(best) = $var(i);
            }
        }
        $var(i) = $var(i) + 1;
    }
    dlg_manage();
    if ($var(best) < 0) {
        get_profile_size("line", "notice", "$var(n)");
        if ($var(n) >= @PER_LINE@ || $sht(down=>notice) != $null) {
            sl_send_reply("486", "Busy Here");
            exit;
        }
        set_dlg_profile("line", "notice");
        $avp(line) = "notice";
        $du = "sip:127.0.0.1:@NOTICE@";
        return;
    }
    set_dlg_profile("line", "$var(best)");
    $avp(line) = $_s($var(best));
    switch ($var(best)) {
@TO_LINE@
    }
}

failure_route[LINE_FAILED] {
    # A line that did not answer (408), failed (5xx) or had no place after all (486, as
    # after the edge's restart): the caller hears the busy notice - unless they hung up.
    if (t_is_canceled() || $avp(line) == "notice" || !t_check_status("408|486|5[0-9][0-9]")) {
        rtpengine_delete();
        exit;
    }
    get_profile_size("line", "notice", "$var(n)");
    if ($var(n) >= @PER_LINE@ || $sht(down=>notice) != $null) {
        rtpengine_delete();
        exit;
    }
    unset_dlg_profile("line", "$avp(line)");
    set_dlg_profile("line", "notice");
    $avp(line) = "notice";
    $du = "sip:127.0.0.1:@NOTICE@";
    force_send_socket(@INSIDE@);
    t_relay();
}

route[FROM_LINES] {
    if ($si != "127.0.0.1") {
        sl_send_reply("403", "Forbidden");
        exit;
    }
    if (has_totag()) {
        # To the provider, out of the public socket only.
        route(IN_DIALOG);
        route(MEDIA);
        force_send_socket(@OUTSIDE@);
        t_relay();
        exit;
    }
    if (is_method("OPTIONS") && uri == myself) {
        sl_send_reply("200", "OK");
        exit;
    }
    if (is_method("CANCEL")) {
        if (t_check_trans()) {
            route(MEDIA);
            t_relay();
        }
        exit;
    }
    t_check_trans();
    remove_hf("Route");
@REGISTER_TOKEN@    if (is_method("INVITE")) {
        # The bot's own call counts toward the place of the line it leaves from.
        $var(line) = "";
        switch ($sp) {
@OF_PORT@
        }
        if ($var(line) == "") {
            sl_send_reply("403", "Forbidden");
            exit;
        }
        record_route();
        dlg_manage();
        set_dlg_profile("line", "$var(line)");
        route(MEDIA);
        t_on_failure("MEDIA_FAILED");
    }
@PROXY@    force_send_socket(@OUTSIDE@);
    if (!t_relay()) {
        sl_reply_error();
    }
    exit;
}


route[MEDIA] {
    # The SDP a request carries goes through the media relay, which takes a stream only
    # from the address its SDP named (strict-source; media_relay.py): towards a line its
    # loopback address (plain RTP, an SRTP offer answered by the relay), towards the
    # provider the relay's public one. A BYE or CANCEL ends the relay's session.
    if ($Rp == @INNER@) {
        $var(media) = "direction=internal direction=external";
    } else {
        $var(media) = "direction=external direction=internal transport-protocol=RTP/AVP";
    }
    rtpengine_manage("$var(media) @MEDIA_FLAGS@");
    if (is_method("INVITE")) {
        t_on_reply("MEDIA_ANSWER");
    }
}

onreply_route[REGISTERED] {
    # The registrar's answer lists the contact with the token: the line gets it back as
    # it sent it.
    subst_hf("Contact", "/;@PARAMETER@=@TOKEN@>/>/", "a");
}

onreply_route[MEDIA_ANSWER] {
    if (has_body("application/sdp")) {
        rtpengine_manage("@MEDIA_FLAGS@");
    }
}

failure_route[MEDIA_FAILED] {
    # The bot's own call, not answered: the relay forgets it.
    rtpengine_delete();
}
"""


def config_text(plan: EdgePlan, folder: Path, modules: str) -> str:
    """The whole ``kamailio.cfg`` of the edge: :data:`SCRIPT` filled in from ``plan``."""
    to_line, of_port = _line_routes(plan)
    line_ports = " || ".join(f"$nh(p) == {port}" for port in (*plan.lines, plan.notice))
    token = (
        f'    if ($(ru{{uri.param,{PARAMETER}}}) != "{plan.token}") {{\n'
        '        sl_send_reply("403", "Forbidden");\n        exit;\n    }\n'
        if plan.token
        else ""
    )
    register = (
        '    if (is_method("REGISTER")) {\n'
        "        # Only the notice line registers: the token goes into its contact here, the\n"
        "        # provider's only copy (no answer or call of a line carries it).\n"
        f'        subst_hf("Contact", "/>/;{PARAMETER}={plan.token}>/", "a");\n'
        '        t_on_reply("REGISTERED");\n'
        "    }\n"
        if plan.token
        else ""
    )
    wrong = edge_values_problem(plan.bind, plan.public_address, plan.outbound_proxy)
    if wrong:
        raise EdgeFailed(wrong)
    proxy, public = plan.outbound_proxy.split(";", 1)[0], plan.public_address
    values = {
        "ALIAS": f'alias="{_host_port(public, plan.port)}"\n' if public else "",
        "OUTSIDE": _socket(plan.bind, plan.port),
        "ADVERTISE": f" advertise {_host_port(public, plan.port)}" if public else "",
        "LINE_PORTS": line_ports,
        "INSIDE": _socket("127.0.0.1", plan.inner),
        "MODULES": modules,
        "LOADS": "\n".join(f'loadmodule "{name}.so"' for name in _MODULES),
        "ADDRESSES": str(folder / "addresses"),
        "CONTROL": str(folder / CONTROL_SOCKET),
        "FLOOD_SECONDS": str(FLOOD_SECONDS),
        "FLOOD_REQUESTS": str(FLOOD_REQUESTS),
        "PROVIDER_REQUESTS": str(PROVIDER_REQUESTS),
        "LONGEST_REQUEST": str(LONGEST_REQUEST),
        "FLOOD_QUIET": str(FLOOD_SECONDS * 2),
        "DIALOG_MOST": str(DIALOG_MOST_SECONDS),
        "DIALOGS": str(folder / edge_memory.FOLDER),
        "INNER": str(plan.inner),
        "GROUP": str(PROVIDER_GROUP),
        "TOKEN_CHECK": token,
        "REGISTER_TOKEN": register,
        "TOKEN": plan.token or "-",
        "PARAMETER": PARAMETER,
        "SIP_HOST": SIP_HOST,
        "PER_LINE": str(plan.per_line),
        "LINES": str(len(plan.lines)),
        "NOTICE": str(plan.notice),
        "TO_LINE": to_line,
        "OF_PORT": of_port,
        "PROXY": f'    $du = "{proxy}";\n' if proxy else "",
        "RELAY": str(plan.relay),
        "MEDIA_FLAGS": MEDIA_FLAGS,
    }
    written = (plan.bind, plan.public_address, plan.outbound_proxy, str(folder), modules)
    if any(mark in value for value in written for mark in ('"', "\n", "\r", "@")):
        # Only a configuration's value can hold one: it never becomes part of the script.
        raise EdgeFailed("a [phone] address holds a quotation mark, @ or a line break")
    return _PLACEHOLDER.sub(lambda found: values[found.group(1)], SCRIPT)


# How long ``kamailio -c`` may take (a few hundred milliseconds on this machine when idle).
CHECK_SECONDS = 60.0


def check_config(binary: str, path: Path) -> str:
    """What ``kamailio -c`` says is wrong with the configuration at ``path`` ("": none)."""
    try:
        checked = subprocess.run(
            [binary, "-c", "-f", str(path)], capture_output=True, text=True, timeout=CHECK_SECONDS
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
        self.config_path.write_text(config_text(self.plan, self.folder, modules))
        self.config_path.chmod(0o600)  # it holds the contact's token
        return binary

    async def start(self) -> None:
        binary = self.write()
        wrong = await asyncio.to_thread(check_config, binary, self.config_path)
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
        wrong = check_config(binary, edge.config_path)
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
