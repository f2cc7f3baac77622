"""The SIP edge's calls kept across its own restart: Kamailio's ``dialog`` module with a
``db_text`` database in the edge's private folder (edge.py).

Kamailio 5.6's ``db_text`` keeps its tables in memory and writes them to their files only
when Kamailio shuts down (measured: nothing is in the file while it runs); so the dialog
module runs with ``db_mode`` 3 (written at shutdown) and reads the table at its start. What
that keeps, as measured with the Debian package:

- Kamailio ended in order - a worker process that crashed (its main process then shuts
  down and cleans up), or SIGTERM: each answered call, with its place in the profile
  ``line``, is known again after the bot starts the edge again - the BYE of either side
  passes and the line's count is right;
- the main process killed (SIGKILL, the kernel's out-of-memory killer): nothing is written,
  and the calls are forgotten as before (their BYEs get 481, each line ends its call when
  its audio stops);
- a call still ringing or hearing the busy notice is never written (the dialog module
  stores answered calls only).

The tables are written once per bot start, into a folder the bot made empty (line_pool.py):
a restarted edge finds the calls its predecessor wrote, a new bot none. An edge that does
not start again with them (a table it cannot read) is started without them
(:func:`forget`). Their definitions
are those of Kamailio 5.6's own schema (``/usr/share/kamailio/dbtext/kamailio``; the tests
compare them with the installed one).
"""

from __future__ import annotations

from pathlib import Path

# db_text's table files: a header line of typed columns, then a row a line.
DIALOG = (
    "id(int,auto) hash_entry(int) hash_id(int) callid(string) from_uri(string)"
    " from_tag(string) to_uri(string) to_tag(string) caller_cseq(string) callee_cseq(string)"
    " caller_route_set(string,null) callee_route_set(string,null) caller_contact(string)"
    " callee_contact(string) caller_sock(string) callee_sock(string) state(int)"
    " start_time(int) timeout(int) sflags(int) iflags(int) toroute_name(string,null)"
    " req_uri(string) xdata(string,null) \n"
)
DIALOG_VARS = "id(int,auto) hash_entry(int) hash_id(int) dialog_key(string) dialog_value(string) \n"
# The table versions the dialog module of Kamailio 5.6 asks for.
VERSION = "id(int,auto) table_name(string) table_version(int) \n0:dialog:7\n0:dialog_vars:1\n"
TABLES = {"dialog": DIALOG, "dialog_vars": DIALOG_VARS, "version": VERSION}
# The database's folder, in the edge's folder.
FOLDER = "dialogs"


def forget(folder: Path) -> None:
    """Empty tables in ``folder``'s database: what a start could not read (Kamailio
    refuses to start on a table it cannot parse) must not keep the edge down."""
    database = folder / FOLDER
    for name in TABLES:
        (database / name).unlink(missing_ok=True)
    prepare(folder)


def prepare(folder: Path) -> Path:
    """The database folder in ``folder``, its empty tables written where there are none
    (a restarted edge keeps what its predecessor wrote)."""
    database = folder / FOLDER
    database.mkdir(mode=0o700, exist_ok=True)
    for name, header in TABLES.items():
        table = database / name
        if not table.exists():
            table.write_text(header)
            table.chmod(0o600)  # the calls' numbers and tags
    return database
