-- Statistics (issue 16): a period's figures read a range of these indexes, which hold
-- every column they count, instead of the whole table.
CREATE INDEX help_requests_asked ON help_requests
    (created_at, state, stadtbezirk, opened_at, matched_at, languages);
CREATE INDEX help_requests_done ON help_requests (closed_at, stadtbezirk, minutes_spent)
    WHERE state = 'done';
