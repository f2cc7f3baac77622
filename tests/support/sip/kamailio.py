"""Kamailio (Debian's package) as the SIP registrar and proxy of the phone tests, on
127.0.0.1 and a free UDP port: what the bot's phone transport registers at, the way it would at
sipgate, a Fritz!Box or Asterisk, and what the callers (baresip, SIPp) call through.

The configuration is written to a temporary folder: the registrar keeps its locations in
memory only (usrloc ``db_mode`` 0), INVITEs and other dialog-starting requests go to the
registered contact of the Request-URI's user (404 when nobody is registered under it), or,
for an address elsewhere (``sip:resident@127.0.0.1:<a SIPp's port>``), straight there, with
record-routing so that in-dialog requests (ACK, BYE, INFO) pass the proxy too. With
``users`` given, a REGISTER needs digest authentication with one of those user names and
passwords (realm ``127.0.0.1``); other requests are relayed without a challenge, as a
trunk that trusts the registered PBX would.

Kamailio runs in the foreground (``-DD -E``: no fork, log to stderr), its log kept in the
folder for a failing test (``KamailioServer.log_text()``). The system's own Kamailio
service (the Debian package may start one) is never used: each test starts its own.
"""

from __future__ import annotations

import contextlib
import glob
import os
import shutil
import subprocess
import tempfile
import time
from collections.abc import Iterator
from pathlib import Path

from bot.transports.phone.sip.edge import options_answered as edge_options_answered
from tests.support.ports import free_ports
from tests.support.processes import end_group

HOST = "127.0.0.1"
REALM = HOST
_MODULE_FOLDERS = ("/usr/lib/x86_64-linux-gnu/kamailio/modules", "/usr/lib/kamailio/modules")


def kamailio_binary() -> str:
    found = shutil.which("kamailio") or next(
        (path for path in ("/usr/sbin/kamailio", "/sbin/kamailio") if os.access(path, os.X_OK)),
        None,
    )
    if found is None:
        raise RuntimeError(
            "Kamailio was not found: the phone tests need it."
            " `make test` installs it (Debian package kamailio)."
        )
    return found


def _module_folder() -> str:
    for folder in (*_MODULE_FOLDERS, *glob.glob("/usr/lib/*/kamailio/modules")):
        if Path(folder, "registrar.so").exists():
            return folder
    raise RuntimeError("Kamailio's modules (registrar.so) were not found")


def free_udp_port(count: int = 1) -> int:
    """The first of ``count`` consecutive ports free for TCP and UDP on 127.0.0.1."""
    return free_ports(count, udp=True)


def _config(port: int, modules: str, users: dict[str, str]) -> str:
    auth_modules = 'loadmodule "auth.so"\n' if users else ""
    if users:
        checks = "\n".join(
            f'        if ($au == "{name}") {{ $var(password) = "{password}"; }}'
            for name, password in users.items()
        )
        register = f"""
        $var(password) = "";
{checks}
        if ($var(password) == "" || !pv_www_authenticate("{REALM}", "$var(password)", "0")) {{
            www_challenge("{REALM}", "0");
            exit;
        }}
        if ($au != $tU) {{
            sl_send_reply("403", "Forbidden");
            exit;
        }}
        consume_credentials();"""
    else:
        register = ""
    return f"""#!KAMAILIO
debug=2
log_stderror=yes
log_prefix="{{$mt $hdr(CSeq) $ci}} "
children=2
disable_tcp=yes
disable_sctp=yes
auto_aliases=no
alias="{HOST}:{port}"
listen=udp:{HOST}:{port}
mpath="{modules}/"

loadmodule "tm.so"
loadmodule "sl.so"
loadmodule "rr.so"
loadmodule "pv.so"
loadmodule "maxfwd.so"
loadmodule "usrloc.so"
loadmodule "registrar.so"
loadmodule "textops.so"
loadmodule "siputils.so"
loadmodule "xlog.so"
loadmodule "sanity.so"
{auth_modules}
modparam("usrloc", "db_mode", 0)
modparam("registrar", "max_expires", 3600)
modparam("rr", "enable_full_lr", 1)

request_route {{
    if (!mf_process_maxfwd_header("10")) {{
        sl_send_reply("483", "Too Many Hops");
        exit;
    }}
    if (!sanity_check("17895", "7")) {{
        exit;
    }}
    if (is_method("OPTIONS") && uri == myself && $rU == $null) {{
        sl_send_reply("200", "Keepalive");
        exit;
    }}
    if (has_totag()) {{
        if (loose_route()) {{
            t_relay();
            exit;
        }}
        if (is_method("ACK")) {{
            if (t_check_trans()) {{
                t_relay();
            }}
            exit;
        }}
        sl_send_reply("404", "Not here");
        exit;
    }}
    if (is_method("CANCEL")) {{
        if (t_check_trans()) {{
            t_relay();
        }}
        exit;
    }}
    t_check_trans();
    remove_hf("Route");
    if (is_method("INVITE|SUBSCRIBE")) {{
        record_route();
    }}
    if (is_method("REGISTER")) {{{register}
        if (!save("location")) {{
            sl_reply_error();
        }}
        exit;
    }}
    if (uri != myself) {{
        xlog("L_INFO", "relaying $rm to a foreign address\n");
        if (!t_relay()) {{
            sl_reply_error();
        }}
        exit;
    }}
    if ($rU == $null) {{
        sl_send_reply("484", "Address Incomplete");
        exit;
    }}
    if (!lookup("location")) {{
        xlog("L_INFO", "nobody registered as $rU\\n");
        sl_send_reply("404", "Not Found");
        exit;
    }}
    xlog("L_INFO", "relaying $rm to $ru\\n");
    if (!t_relay()) {{
        sl_reply_error();
    }}
    exit;
}}
"""


def options_answered(port: int, timeout: float = 0.5) -> bool:
    """Whether a SIP server on 127.0.0.1:port answers an OPTIONS (the bot's own probe of
    its SIP edge, bot/transports/phone/sip/edge.py)."""
    return edge_options_answered(HOST, port, timeout)


class KamailioServer:
    """``with KamailioServer() as proxy:`` or ``start()``/``stop()``.

    ``proxy.port``, ``proxy.domain`` ("127.0.0.1:port"), ``proxy.uri(user)`` for a user's
    address of record, ``proxy.registrar_uri`` for an account's registrar, ``proxy.log_text()``.
    """

    def __init__(self, *, users: dict[str, str] | None = None) -> None:
        self.users = dict(users or {})
        for name, password in self.users.items():
            if not name.removeprefix("+").isalnum() or '"' in password or "\\" in password:
                raise ValueError(
                    "user names are letters and digits (or an E.164 number);"
                    " passwords without quotes"
                )
        self.folder = Path(tempfile.mkdtemp(prefix="nachbarbot-kamailio-"))
        self.port = free_udp_port()
        self.config_path = self.folder / "kamailio.cfg"
        self.log_path = self.folder / "kamailio.log"
        self._process: subprocess.Popen[bytes] | None = None

    @property
    def domain(self) -> str:
        return f"{HOST}:{self.port}"

    @property
    def registrar_uri(self) -> str:
        return f"sip:{self.domain}"

    def uri(self, user: str) -> str:
        return f"sip:{user}@{self.domain}"

    def log_text(self) -> str:
        try:
            return self.log_path.read_text(errors="replace")
        except OSError:
            return ""

    def config_text(self) -> str:
        """The configuration it runs (deploy/try/phone/kamailio.cfg is the same, made for
        port 5060 and the try's two accounts: tests/docs/test_local_try.py)."""
        return _config(self.port, _module_folder(), self.users)

    def start(self, timeout: float = 20.0) -> None:
        self.config_path.write_text(self.config_text())
        binary = kamailio_binary()
        checked = subprocess.run(
            [binary, "-c", "-f", str(self.config_path)], capture_output=True, text=True
        )
        if checked.returncode != 0:
            raise RuntimeError(f"kamailio.cfg does not load:\n{checked.stderr[-3000:]}")
        with self.log_path.open("wb") as log:
            self._process = subprocess.Popen(
                [binary, "-DD", "-E", "-f", str(self.config_path), "-Y", str(self.folder)],
                stdout=log,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
                cwd=self.folder,
                start_new_session=True,
            )
        deadline = time.monotonic() + timeout
        while not options_answered(self.port):
            if self._process.poll() is not None:
                raise RuntimeError(f"Kamailio stopped at start:\n{self.log_text()[-3000:]}")
            if time.monotonic() > deadline:
                self.stop()
                raise RuntimeError(f"Kamailio did not answer OPTIONS:\n{self.log_text()[-3000:]}")
            time.sleep(0.1)

    def stop(self) -> None:
        process, self._process = self._process, None
        if process is None or process.poll() is not None:
            return
        # Kamailio's main process ends its children on SIGTERM; the group is ours alone.
        end_group(process, 10)

    def __enter__(self) -> KamailioServer:
        self.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self.stop()


@contextlib.contextmanager
def running_kamailio(*, users: dict[str, str] | None = None) -> Iterator[KamailioServer]:
    server = KamailioServer(users=users)
    server.start()
    try:
        yield server
    finally:
        server.stop()
