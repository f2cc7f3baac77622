-- A person who closed their chat with the bot (blocked it: db/users.py close_chat) is no
-- longer reached there (users.chat_id is blanked), but rows stored under that chat id
-- (handled updates, messages for the chat, Matrix button maps) are still theirs, and an
-- erasure or /mydata must find them (db/personal_data.py matches this column too).
-- users.closed_chat_id: the chat id the account had when it was last closed; '' if never.
ALTER TABLE users ADD COLUMN closed_chat_id TEXT NOT NULL DEFAULT '';
