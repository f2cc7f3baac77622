-- Issue 83 (the desk's review queue): who may take one more request is asked with "how many
-- requests does this volunteer hold matched" (db/volunteers.py candidates), once for every
-- volunteer of a kind of help. By volunteer alone the index found each volunteer's requests
-- and then read every one of them for its state (about 14 microseconds a volunteer with
-- 100,000 requests); by volunteer and state the count is read from the index itself. It
-- replaces the index by volunteer alone, which it covers. The previous version runs on it.
-- compatible-from: 0044
CREATE INDEX help_requests_volunteer_state ON help_requests (volunteer_id, state);
DROP INDEX help_requests_volunteer;
