"""The deployment files say what the README promises (the image itself is built elsewhere:
this machine has no container engine)."""

from __future__ import annotations

import yaml

from tests.cli import ROOT

DEPLOY = ROOT / "deploy"


def test_container_image_is_slim_non_root_and_checked():
    dockerfile = (DEPLOY / "Dockerfile").read_text(encoding="utf-8")
    assert "-slim" in dockerfile
    assert "\nUSER nachbarbot" in dockerfile and "useradd" in dockerfile
    assert "HEALTHCHECK" in dockerfile and 'db", "check' in dockerfile
    assert "VOLUME /data" in dockerfile


def test_compose_has_bot_volume_and_optional_synapse():
    compose = yaml.safe_load((DEPLOY / "compose.yaml").read_text(encoding="utf-8"))
    bot = compose["services"]["nachbarbot"]
    assert any(v.endswith(":/data") for v in bot["volumes"])
    assert bot["read_only"] is True and "ALL" in bot["cap_drop"]
    assert compose["services"]["synapse"]["profiles"] == ["matrix"]


def test_systemd_unit_is_sandboxed():
    unit = (DEPLOY / "nachbarbot.service").read_text(encoding="utf-8")
    for directive in (
        "NoNewPrivileges=yes",
        "ProtectSystem=strict",
        "PrivateTmp=yes",
        "UMask=0077",
        "RestrictAddressFamilies=",
        "ExecStartPre=",
        "CapabilityBoundingSet=",
    ):
        assert directive in unit, directive
