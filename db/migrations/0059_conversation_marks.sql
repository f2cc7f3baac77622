-- Issue 99, point 5: what a conversation needs between two updates, kept where every bot
-- process of a city finds it (several processes on one PostgreSQL database take the next
-- update alike, docs/postgresql.md), not in one process's memory
-- (db/conversation_marks.py): a Telegram chat that shows a location request's reply
-- keyboard, an album whose first item was answered, a group told that a command sent as the
-- group or a channel does nothing, a desk form sent once. One row a chat (or session) and
-- mark, each with the moment it lapses; retention removes the lapsed ones.
-- Code of 0058 runs on it: it does not know the table, and keeps its marks in memory.
-- compatible-from: 0058
CREATE TABLE conversation_marks (
    platform TEXT NOT NULL,
    chat_id TEXT NOT NULL,
    mark TEXT NOT NULL,
    value TEXT NOT NULL DEFAULT '',
    until TEXT NOT NULL,
    PRIMARY KEY (platform, chat_id, mark)
);

CREATE INDEX conversation_marks_until ON conversation_marks (until);
