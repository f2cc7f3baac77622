"""The SIP edge's script is Kamailio's own file (bot/transports/phone/sip/edge.cfg), read
with Kamailio's defines: no Python string holds a route, no placeholder is filled in, and the
contact's token, which admits calls, is never on the command line anyone on the machine can
read."""

from __future__ import annotations

import re
from pathlib import Path

from bot.transports.phone.sip.admission import PARAMETER
from bot.transports.phone.sip.call_control import StackSettings
from bot.transports.phone.sip.edge import SCRIPT_PATH, Edge, EdgePlan

PHONE = Path(__file__).parents[5] / "bot" / "transports" / "phone"
PROVIDER = StackSettings(
    bind="127.0.0.1", port=5060, registrar="sip:127.0.0.1:5070", user="line", password="pw-1"
)


def test_no_python_module_of_the_phone_holds_a_kamailio_route():
    routes = re.compile(r"^\s*(request_route|(failure_|onreply_)?route\[\w+\])\s*\{", re.M)
    holding = sorted(
        str(path.relative_to(PHONE))
        for path in PHONE.rglob("*.py")
        if routes.search(path.read_text())
    )
    assert holding == []
    assert routes.search(SCRIPT_PATH.read_text())


def test_the_script_is_filled_in_by_kamailio_alone():
    script = SCRIPT_PATH.read_text()
    assert not re.search(r"@[A-Z_]+@|\{[a-z_]+\}", script)  # no placeholder of Python's
    assert f"uri.param,{PARAMETER}}})" in script  # the contact's parameter admission.py names


def test_every_define_the_script_reads_is_given(tmp_path: Path):
    edge = Edge(EdgePlan.of(PROVIDER, inner=20000, lines=[20001, 20002], notice=20003), tmp_path)
    edge.write()
    given = {define.split("=", 1)[0] for define in edge.defines}
    code = []
    for line in SCRIPT_PATH.read_text().splitlines():
        if line.startswith(("#!ifdef", "#!ifndef")):
            code.append(line.split()[1])
        elif not line.lstrip().startswith("#"):
            code.append(line)
    bare = re.sub(r'"[^"]*"|route[\[(]\w+[\])]', " ", "\n".join(code))
    read = set(re.findall(r"\b[A-Z][A-Z_]+\b", bare))
    optional = {"PUBLIC", "PROXY", "WITH_TOKEN", "WITH_SRTP"}  # given when [phone] has them
    assert read - optional == given - optional
    assert {"OUTSIDE", "LINE_URIS", "PER_LINE"} <= read


def test_the_token_stays_off_the_command_line(tmp_path: Path):
    edge = Edge(EdgePlan.of(PROVIDER, inner=20000, lines=[20001], notice=20002), tmp_path)
    edge.write()
    assert edge.plan.token
    assert not any(edge.plan.token in define for define in edge.defines)
    written = edge.config_path.read_text()
    assert edge.plan.token in written and str(SCRIPT_PATH) in written
    assert len(written.splitlines()) <= 6  # the token and the include, nothing of the routes
