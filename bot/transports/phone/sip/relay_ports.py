"""The media relay's RTP ports, held by one relay on this machine alone.

rtpengine binds every media port it takes for a call with ``SO_REUSEADDR``, so a second
rtpengine on the machine binds a port the first one is using without an error - and
Linux gives a UDP port's packets to the socket bound last. Every relay of the bot took its
ports from the bottom of one range (``[phone] rtp_port`` 0: 40000-59999; or the same
``rtp_port`` in two cities' sections): another city's or another bot's relay that took a
call then took the port of a call already talking, and that call's sound stopped one way
until the other call ended (issue 98: a helper's bridged call where the resident heard
nothing). So each relay holds its ports here first: a claim is a file named after its
ports in a folder every bot on the machine shares (``FOLDER`` in the temporary folder,
open to all like the temporary folder itself), locked (``flock``) while the relay's bot
lives - the kernel lets go of the lock however the bot ends, and an unlocked file is
nobody's. The claims are looked at and made under the folder's own lock, one bot at a time.

With ``rtp_port`` 0 a relay takes the lowest block of ``BLOCK`` ports of the range that no
other relay holds; a relay given its ports (``rtp_port``: the firewall is opened for them)
takes exactly those, and is refused (:class:`PortsHeld`) when another relay holds any of
them - that city's phone does not start, and says why; the other's calls go on.
Programs other than the bot's relays are not asked: a port one of them holds without
``SO_REUSEADDR`` is skipped by rtpengine itself. Bots whose temporary folders differ
(systemd's ``PrivateTmp`` per unit, containers on the host's network) do not see each
other's claims (docs/phone.md).
"""

from __future__ import annotations

import contextlib
import fcntl
import os
import re
import tempfile
from dataclasses import dataclass
from pathlib import Path

# The folder of the claims, in the temporary folder (shared by every bot on the machine).
FOLDER = "nachbarbot-rtp-ports"
# The ports of one relay when any may be taken: a call through the relay takes four (RTP
# and RTCP on either side), and a relay carries at most 21 lines' 4 calls (84 calls, 336
# ports); 40 relays fit into 40000-59999.
BLOCK = 500
_LOCK = ".lock"
_CLAIM = re.compile(r"^(\d+)-(\d+)$")


class PortsHeld(RuntimeError):
    """The relay's ports are (in part) another relay's on this machine."""


@dataclass
class Claim:
    """The ports ``first`` … ``last``, this relay's while ``held`` (the locked file's
    descriptor) is open."""

    first: int
    last: int
    held: int

    def release(self) -> None:
        if self.held >= 0:
            os.close(self.held)
            self.held = -1


def claim(first: int, last: int, *, block: int = 0, folder: Path | None = None) -> Claim:
    """Hold ``first`` … ``last`` (``block`` 0), or the lowest ``block`` ports of that range
    no other relay holds. Raises :class:`PortsHeld` when another relay holds them (or the
    whole range), OSError when the folder cannot be used."""
    folder = folder or Path(tempfile.gettempdir()) / FOLDER
    _open_folder(folder)
    guard = os.open(folder / _LOCK, os.O_RDONLY | os.O_CREAT, 0o644)
    with contextlib.suppress(OSError):
        os.fchmod(guard, 0o644)
    try:
        fcntl.flock(guard, fcntl.LOCK_EX)
        held = _held(folder)
        wanted = _choose(first, last, block, held)
        name = folder / f"{wanted[0]}-{wanted[1]}"
        mine = os.open(name, os.O_RDONLY | os.O_CREAT, 0o644)
        try:
            fcntl.flock(mine, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            os.close(mine)
            raise
        with contextlib.suppress(OSError):  # readable to other users' bots (a umask of 077)
            os.fchmod(mine, 0o644)
        return Claim(wanted[0], wanted[1], mine)
    finally:
        os.close(guard)  # the folder's lock goes with it


def _open_folder(folder: Path) -> None:
    """The shared folder, made open to every user like the temporary folder (sticky: a
    user's claim files are theirs alone to remove)."""
    try:
        folder.mkdir()
    except FileExistsError:
        return
    with contextlib.suppress(OSError):
        folder.chmod(0o1777)


def _held(folder: Path) -> list[tuple[int, int]]:
    """The ranges other relays hold now: the claim files someone has locked."""
    held = []
    for path in folder.iterdir():
        found = _CLAIM.match(path.name)
        if found is None:
            continue
        try:
            probe = os.open(path, os.O_RDONLY)
        except PermissionError:  # another user's, unreadable: taken as held
            held.append((int(found[1]), int(found[2])))
            continue
        except OSError:  # removed meanwhile: nobody's
            continue
        try:
            fcntl.flock(probe, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except OSError:
            held.append((int(found[1]), int(found[2])))
        finally:
            os.close(probe)
    return held


def _choose(first: int, last: int, block: int, held: list[tuple[int, int]]) -> tuple[int, int]:
    def taken(low: int, high: int) -> tuple[int, int] | None:
        return next((h for h in held if h[0] <= high and low <= h[1]), None)

    if not block:
        other = taken(first, last)
        if other is not None:
            raise PortsHeld(
                f"the RTP ports {first}-{last} are held by another bot's media relay on this"
                f" machine (ports {other[0]}-{other[1]}): give each city its own phone.rtp_port"
            )
        return first, last
    for low in range(first, last - block + 2, block):
        if taken(low, low + block - 1) is None:
            return low, low + block - 1
    raise PortsHeld(
        f"every block of {block} RTP ports in {first}-{last} is held by another bot's media"
        " relay on this machine: give this city its own phone.rtp_port"
    )
