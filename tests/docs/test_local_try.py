"""docs/phone.md and docs/sms.md, "Try it on this computer": the files in deploy/try/ run as
the docs say, with the secrets the docs' commands set, each program a real process (ports
moved to free ones: a test must not take 5060 or 13013 from the machine).

Phone: Kamailio from deploy/try/phone/kamailio.cfg (the configuration the phone tests run,
checked line by line), the bot from nachbarbot.toml registers there, a softphone with the
shipped account registers and calls the shipped contact and hears the bot's greeting, and
baresip started on the shipped settings registers (its sound card swapped for files: the
test machine has none). SMS: bearerbox and smsbox from deploy/try/sms/kannel.conf (bound to
and open for 127.0.0.1 only), the bot from nachbarbot.toml, and fakesmsc as a phone: "Hallo"
gets the language choice back."""

from __future__ import annotations

import asyncio
import os
import re
import shutil
import signal
import subprocess
import time
from pathlib import Path

from bot.transports.phone.sip.call_control import RTP_PORTS
from tests.support.bot_process import launch_bot
from tests.support.cli import ROOT, wait_in_log
from tests.support.ports import free_port
from tests.support.processes import end_group
from tests.support.sip.baresip import BaresipCaller, baresip_binary, rtp_range
from tests.support.sip.kamailio import HOST, KamailioServer, _config, free_udp_port
from tests.support.sms.fakesmsc import FakePhoneNetwork
from tests.support.sms.kannel import KannelGateway

PHONE = ROOT / "deploy" / "try" / "phone"
SMS = ROOT / "deploy" / "try" / "sms"
# What the docs' commands start (tests/docs/test_docs.py OTHER_COMMANDS points here):
# kamailio -DD -E -Y /tmp -f deploy/try/phone/kamailio.cfg, baresip -f deploy/try/phone/baresip,
# /usr/sbin/bearerbox deploy/try/sms/kannel.conf, /usr/sbin/smsbox deploy/try/sms/kannel.conf,
# /usr/lib/kannel/test/fakesmsc -H 127.0.0.1 -r 13015 -i 0 -v 0.


def _env_of(page: str, command: str) -> dict[str, str]:
    """The variables the page's command line sets before ``python -m bot … command``."""
    text = (ROOT / "docs" / page).read_text(encoding="utf-8")
    line = next(line for line in text.splitlines() if command in line and "NACHBARBOT_" in line)
    env = {k: v for k, v in os.environ.items() if not k.startswith("NACHBARBOT_")}
    env.update(re.findall(r"(NACHBARBOT_[A-Z_]+)=(\S+)", line))
    return env


def _moved(text: str, ports: dict[int, int]) -> str:
    for old, new in ports.items():
        text = re.sub(rf"(?<!\d){old}(?!\d)", str(new), text)
    return text


def _bot_config(source: Path, target: Path, ports: dict[int, int], tmp: Path) -> Path:
    text = _moved(source.read_text(encoding="utf-8"), ports).replace('"var/', f'"{tmp}/')
    target.write_text(text, encoding="utf-8")
    return target


class ShippedKamailio(KamailioServer):
    def config_text(self) -> str:
        return _moved((PHONE / "kamailio.cfg").read_text(), {5060: self.port})


def test_the_shipped_kamailio_configuration_is_the_tests_one():
    shipped = (PHONE / "kamailio.cfg").read_text().splitlines()
    run = _config(5060, "M", {"nachbarbot": "try-bot-secret", "resident": "try-phone-secret"})
    assert [line for line in shipped if not line.startswith("# ")] == [
        line for line in run.splitlines() if not line.startswith("mpath=")
    ]
    assert "listen=udp:127.0.0.1:5060" in shipped


def _account() -> tuple[str, str]:
    line = next(
        line
        for line in (PHONE / "baresip" / "accounts").read_text().splitlines()
        if line[:1] == "<"
    )
    found = re.match(r"<sip:(\w+)@127\.0\.0\.1:5060;transport=udp>;auth_pass=([^;]+);", line)
    assert found, line
    return found.group(1), found.group(2)


def _shipped_baresip(folder: Path, kamailio: KamailioServer) -> Path:
    """The shipped settings with the registrar's port moved, a free SIP port, and files for
    the sound card."""
    shutil.copytree(PHONE / "baresip", folder)
    config = (folder / "config").read_text()
    config = _moved(config, {5062: free_udp_port(2)})
    config = re.sub(r"^audio_player.*$", f"audio_player aubridge,{folder.name}", config, flags=re.M)
    config = re.sub(r"^audio_alert.*$", f"audio_alert aubridge,{folder.name}", config, flags=re.M)
    config = re.sub(r"^audio_source.*$", "audio_source ausine,440", config, flags=re.M)
    config = re.sub(
        r"^module\s+alsa\.so$", "module aubridge.so\nmodule ausine.so", config, flags=re.M
    )
    low = rtp_range()
    config = re.sub(r"^rtp_ports.*$", f"rtp_ports {low}-{low + 20}", config, flags=re.M)
    (folder / "config").write_text(config)
    for name in ("accounts", "contacts"):
        path = folder / name
        path.write_text(_moved(path.read_text(), {5060: kamailio.port}))
    return folder


async def test_the_phone_try_as_docs_phone_md_says(tmp_path: Path):
    kamailio = ShippedKamailio()
    kamailio.start()
    process = None
    softphones: list[BaresipCaller] = []
    shipped = None
    try:
        ports = {
            5060: kamailio.port,
            5080: free_udp_port(),
            # The bot's stack takes RTP_PORTS ports from here (one line).
            4000: rtp_range(RTP_PORTS + 2),
            8765: free_port(),
        }
        config = _bot_config(PHONE / "nachbarbot.toml", tmp_path / "bot.toml", ports, tmp_path)
        log = tmp_path / "bot.log"
        process = launch_bot(config, _env_of("phone.md", "deploy/try/phone/nachbarbot.toml"), log)
        await wait_in_log(process, log, "phone: registered", within=90)

        # The shipped account registers at the shipped Kamailio; the contact reaches the bot.
        user, password = _account()
        phone = BaresipCaller(user, registrar=kamailio.domain, password=password, pad_seconds=60)
        softphones.append(phone)
        await asyncio.to_thread(phone.start)
        contact = (PHONE / "baresip" / "contacts").read_text().split("<", 1)[1].split(">")[0]
        await asyncio.to_thread(phone.dial, _moved(contact, {5060: kamailio.port}))
        await asyncio.to_thread(phone.wait_for, "CALL_ESTABLISHED", timeout=30)
        for _ in range(300):  # the greeting begins (a guard of a minute, never a measure)
            heard, _seconds = await asyncio.to_thread(phone.hearing)
            if heard:
                break
            await asyncio.sleep(0.2)
        assert heard, "the bot's greeting was not heard"
        await asyncio.to_thread(phone.hangup)

        # baresip on the shipped settings (the sound card swapped for files) registers.
        shipped = subprocess.Popen(
            [baresip_binary(), "-4", "-f", str(_shipped_baresip(tmp_path / "baresip", kamailio))],
            stdout=(tmp_path / "baresip.log").open("wb"),
            stderr=subprocess.STDOUT,
            stdin=subprocess.PIPE,
            cwd=tmp_path,
            start_new_session=True,
        )
        deadline = time.monotonic() + 60
        text = ""
        while "200 OK" not in text:
            text = (tmp_path / "baresip.log").read_text(errors="replace")
            assert shipped.poll() is None and time.monotonic() < deadline, text[-3000:]
            await asyncio.sleep(0.2)
        assert "resident@127.0.0.1" in text
    finally:
        for phone in softphones:
            phone.stop()
        if shipped is not None:
            end_group(shipped, 10)
        _stop(process)
        kamailio.stop()


class ShippedKannel(KannelGateway):
    """Kannel on deploy/try/sms/kannel.conf, its ports moved to the free ones."""

    def __init__(self, bot_port: int, folder: Path) -> None:
        super().__init__(folder=folder)
        self.text = (SMS / "kannel.conf").read_text()
        self.bot_port = bot_port
        self.status_password = re.search(r'status-password = "([^"]+)"', self.text).group(1)  # type: ignore[union-attr]

    def config_text(self) -> str:
        return _moved(
            self.text,
            {
                13000: self.admin_port,
                13001: self.smsbox_port,
                13013: self.sendsms_port,
                13015: self.smsc_port,
                8094: self.bot_port,
            },
        )


def test_the_shipped_kannel_is_for_this_computer_only():
    text = (SMS / "kannel.conf").read_text()
    settings = dict(
        (key.strip(), value.strip().strip('"'))
        for key, _, value in (line.partition("=") for line in text.splitlines())
        if value and not key.startswith("#")
    )
    for key in ("admin-interface", "smsbox-interface", "sendsms-interface"):
        assert settings[key] == "127.0.0.1", key
    for key in ("admin-allow-ip", "box-allow-ip", "user-allow-ip", "connect-allow-ip"):
        assert settings[key] == "127.0.0.1", key
    assert "0.0.0.0" not in text and "*" not in text.replace("%", "")


async def test_the_sms_try_as_docs_sms_md_says(tmp_path: Path):
    bot_port = free_port()
    kannel = ShippedKannel(bot_port, tmp_path / "kannel")
    await asyncio.to_thread(kannel.start)
    phones = FakePhoneNetwork(kannel)
    process = None
    try:
        await asyncio.to_thread(phones.start)
        ports = {13013: kannel.sendsms_port, 8094: bot_port, 8765: free_port()}
        config = _bot_config(SMS / "nachbarbot.toml", tmp_path / "bot.toml", ports, tmp_path)
        log = tmp_path / "bot.log"
        process = launch_bot(config, _env_of("sms.md", "deploy/try/sms/nachbarbot.toml"), log)
        # The line docs/sms.md has the reader type into fakesmsc.
        typed = re.search(
            r"`(\+\d+) (\+\d+) text (\w+)`", (ROOT / "docs" / "sms.md").read_text(encoding="utf-8")
        )
        assert typed is not None
        sender, receiver, words = typed.groups()
        assert receiver == kannel.bot_number
        for _ in range(600):  # until the bot takes texts (a guard, never a measure)
            if f"{HOST}:{bot_port}" in log.read_text(errors="replace") or _listening(bot_port):
                break
            assert process.poll() is None, log.read_text(errors="replace")[-3000:]
            await asyncio.sleep(0.1)
        await asyncio.to_thread(phones.send, sender, words)
        answer = await asyncio.to_thread(
            phones.wait_for, lambda text: text.receiver == sender and "Deutsch" in text.text
        )
        assert answer.sender == kannel.bot_number
    finally:
        phones.stop()
        _stop(process)
        kannel.stop()


def _stop(process: subprocess.Popen[bytes] | None) -> None:
    """The bot as an operator stops it (its lines end with it)."""
    if process is None or process.poll() is not None:
        return
    process.send_signal(signal.SIGTERM)
    try:
        process.wait(timeout=60)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait()


def _listening(port: int) -> bool:
    import socket

    with socket.socket() as probe:
        probe.settimeout(0.2)
        return probe.connect_ex((HOST, port)) == 0
