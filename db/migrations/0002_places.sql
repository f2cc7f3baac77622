-- Encounter places (Begegnungsorte), imported from tables or edited by coordinators.
CREATE TABLE places (
    id             INTEGER PRIMARY KEY,
    source         TEXT NOT NULL,
    source_id      TEXT NOT NULL,
    name           TEXT NOT NULL,
    category       TEXT NOT NULL,
    street         TEXT NOT NULL DEFAULT '',
    housenumber    TEXT NOT NULL DEFAULT '',
    postcode       TEXT NOT NULL DEFAULT '',
    city           TEXT NOT NULL DEFAULT '',
    stadtbezirk    TEXT NOT NULL DEFAULT '',
    stadtteil      TEXT NOT NULL DEFAULT '',
    lat            REAL NOT NULL CHECK (lat BETWEEN -90 AND 90),
    lon            REAL NOT NULL CHECK (lon BETWEEN -180 AND 180),
    opening_hours  TEXT NOT NULL DEFAULT '',
    wheelchair     TEXT NOT NULL DEFAULT 'unknown'
                   CHECK (wheelchair IN ('yes', 'limited', 'no', 'unknown')),
    -- ';de;ar;' style lists, so that "speaks X" is an exact LIKE '%;X;%' match.
    languages      TEXT NOT NULL DEFAULT '',
    target_groups  TEXT NOT NULL DEFAULT '',
    operator       TEXT NOT NULL DEFAULT '',
    operator_type  TEXT NOT NULL DEFAULT '',
    free_of_charge INTEGER CHECK (free_of_charge IN (0, 1)),
    phone          TEXT NOT NULL DEFAULT '',
    email          TEXT NOT NULL DEFAULT '',
    website        TEXT NOT NULL DEFAULT '',
    description    TEXT NOT NULL DEFAULT '',
    last_verified  TEXT,
    created_at     TEXT NOT NULL,
    updated_at     TEXT NOT NULL,
    UNIQUE (source, source_id)
);

CREATE INDEX places_category ON places (category);
CREATE INDEX places_stadtbezirk ON places (stadtbezirk);

-- Names and descriptions in other languages than the original.
CREATE TABLE place_texts (
    place_id    INTEGER NOT NULL REFERENCES places (id) ON DELETE CASCADE,
    lang        TEXT NOT NULL,
    name        TEXT NOT NULL DEFAULT '',
    description TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (place_id, lang)
);

-- Spatial index: nearest-place queries read a small bounding box instead of every row.
CREATE VIRTUAL TABLE places_rtree USING rtree (id, min_lat, max_lat, min_lon, max_lon);

CREATE TRIGGER places_rtree_insert AFTER INSERT ON places BEGIN
    INSERT INTO places_rtree VALUES (new.id, new.lat, new.lat, new.lon, new.lon);
END;

CREATE TRIGGER places_rtree_update AFTER UPDATE OF lat, lon ON places BEGIN
    UPDATE places_rtree SET min_lat = new.lat, max_lat = new.lat,
                            min_lon = new.lon, max_lon = new.lon
     WHERE id = new.id;
END;

CREATE TRIGGER places_rtree_delete AFTER DELETE ON places BEGIN
    DELETE FROM places_rtree WHERE id = old.id;
END;

-- Who changed which place, when, and what (imports, coordinators' edits, verifications).
CREATE TABLE place_changes (
    id         INTEGER PRIMARY KEY,
    place_id   INTEGER NOT NULL REFERENCES places (id) ON DELETE CASCADE,
    action     TEXT NOT NULL CHECK (action IN ('create', 'update', 'verify')),
    actor      TEXT NOT NULL,
    changed_by INTEGER REFERENCES users (id) ON DELETE SET NULL,
    changes    TEXT NOT NULL DEFAULT '{}',
    at         TEXT NOT NULL
);

CREATE INDEX place_changes_place ON place_changes (place_id);
