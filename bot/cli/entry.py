"""The command's entry point, for ``python -m bot`` (bot/__main__.py) and the installed
``nachbarbot`` script (pyproject.toml's ``[project.scripts]``) alike.

It imports nothing but the standard library before it has taken Ctrl-C in hand: loading the
program (bot/cli/main.py and what it imports) takes a second or more, and a Ctrl-C in it -
a command started by mistake - ended in a KeyboardInterrupt traceback through the imports
for the installed script, whose wrapper imports ``main`` before anything of ours runs.
Interrupted at any point, the command exits 130 (the shell's code for SIGINT) and says
nothing more, as ``main`` ends a command interrupted later.
"""

from __future__ import annotations

from collections.abc import Sequence

INTERRUPTED = 130  # 128 + SIGINT


def main(argv: Sequence[str] | None = None) -> int:
    try:
        from bot.cli.main import main as command

        return command(argv)
    except KeyboardInterrupt:
        return INTERRUPTED
