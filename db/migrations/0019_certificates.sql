-- The desk (issue 16): people.
--
-- The extended certificate of good conduct (erweitertes Führungszeugnis) a coordinator saw:
-- only the day it was seen and the day it stops counting (YYYY-MM-DD, Europe/Berlin), never
-- the document. Requests of the kinds in help.certificate_required_for go only to volunteers
-- whose certificate counts on the day of matching.
ALTER TABLE volunteers ADD COLUMN certificate_seen_on TEXT;
ALTER TABLE volunteers ADD COLUMN certificate_expires_on TEXT;

-- The desk's list of requests filters by state, district, kind of help and age: one index
-- answers every combination (counts from the index alone) at 100,000 requests.
CREATE INDEX help_requests_desk ON help_requests (state, stadtbezirk, category, created_at);
