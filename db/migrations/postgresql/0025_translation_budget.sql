-- The installation's daily translation budget ([translation] daily_character_budget), counted
-- in the main city's database for every city and process together (bot/translation/
-- service.py): each city's own translation_usage keeps its figures for /stats. Every city has
-- the table; only the main city's is used, as with shared_bans.
CREATE TABLE translation_budget (
    day        TEXT PRIMARY KEY,
    characters INTEGER NOT NULL DEFAULT 0
);
