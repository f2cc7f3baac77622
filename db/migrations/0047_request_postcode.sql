-- Issue 77 leftovers, point 2: the postcode a person typed as a request's place is kept as
-- what it is (postcode), no longer in area_name: area_name is the area the bot derived (a
-- Stadtteil; for a postcode, which spans several, its Stadtbezirk). Exported, erased and
-- blanked by retention as the request's other content (db/personal_data.py). Rows of before
-- are left as they are (a step changes no row): a postcode typed then stays in area_name
-- until the request's texts go.
ALTER TABLE help_requests ADD COLUMN postcode TEXT NOT NULL DEFAULT '';
