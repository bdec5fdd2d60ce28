-- +goose Up
-- 民意速办 as the district's work order (issue 25): the dispatch centre
-- (分拨中心) dispatches what the responsibility list (职责清单, the routing
-- table) cannot place or a unit returns; units sign for (签收) what reaches
-- them, return it (退单), ask for extensions (延期), are urged (催办) and
-- supervised (督办); the centre calls residents back (回访) before 办结.

-- Per category: the sign-for limit in working hours (default one working
-- day of 9 hours) and the dispatch guide's text (分拨指引).
ALTER TABLE request_categories ADD COLUMN sign_hours INTEGER NOT NULL DEFAULT 9;
ALTER TABLE request_categories ADD COLUMN guide TEXT NOT NULL DEFAULT '';

-- The responsibility list: a lead unit (department_id) and an optional
-- assisting unit (协办) per category and street.
ALTER TABLE request_routes ADD COLUMN assist_department_id INTEGER;

ALTER TABLE requests ADD COLUMN assist_department_id INTEGER;
ALTER TABLE requests ADD COLUMN sign_deadline_at DATETIME;
ALTER TABLE requests ADD COLUMN signed_at DATETIME;
ALTER TABLE requests ADD COLUMN urges INTEGER NOT NULL DEFAULT 0;
ALTER TABLE requests ADD COLUMN auto_urged_for DATETIME;
ALTER TABLE requests ADD COLUMN extended_days INTEGER NOT NULL DEFAULT 0;
ALTER TABLE requests ADD COLUMN callback_at DATETIME;
ALTER TABLE requests ADD COLUMN callback_result TEXT NOT NULL DEFAULT '';
ALTER TABLE requests ADD COLUMN redone INTEGER NOT NULL DEFAULT 0;

-- Each time a request reaches a unit as its lead (routed, dispatched,
-- transferred, a return refused): when, the sign-for deadline, when it was
-- signed for and when it left. The sign-for rate counts these.
CREATE TABLE request_assignments (
    id                INTEGER PRIMARY KEY AUTOINCREMENT,
    request_id        INTEGER NOT NULL REFERENCES requests (id),
    department_id     INTEGER NOT NULL,
    street            TEXT NOT NULL,
    arrived_at        DATETIME NOT NULL,
    sign_deadline_at  DATETIME NOT NULL,
    signed_at         DATETIME,
    returned          INTEGER NOT NULL DEFAULT 0,
    left_at           DATETIME
);
CREATE INDEX request_assignments_request ON request_assignments (request_id, id);
CREATE INDEX request_assignments_unit ON request_assignments (department_id, arrived_at);
CREATE INDEX request_assignments_arrived ON request_assignments (arrived_at);

-- Returns (退单): a unit's reason from the fixed list and its text; the
-- centre re-dispatches (approved) or refuses them.
CREATE TABLE request_returns (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    request_id    INTEGER NOT NULL REFERENCES requests (id),
    department_id INTEGER NOT NULL,
    reason_code   TEXT NOT NULL,
    reason        TEXT NOT NULL DEFAULT '',
    from_status   TEXT NOT NULL,
    status        TEXT NOT NULL,
    requested_by  INTEGER NOT NULL,
    created_at    DATETIME NOT NULL,
    decided_by    INTEGER,
    decided_at    DATETIME,
    note          TEXT NOT NULL DEFAULT ''
);
CREATE INDEX request_returns_request ON request_returns (request_id, department_id);
CREATE INDEX request_returns_status ON request_returns (status, created_at);

-- Extensions (延期申请): working days asked for with a reason; the
-- deadline moves only on approval.
CREATE TABLE request_extensions (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    request_id    INTEGER NOT NULL REFERENCES requests (id),
    department_id INTEGER NOT NULL,
    days          INTEGER NOT NULL,
    reason        TEXT NOT NULL,
    status        TEXT NOT NULL,
    requested_by  INTEGER NOT NULL,
    created_at    DATETIME NOT NULL,
    decided_by    INTEGER,
    decided_at    DATETIME,
    note          TEXT NOT NULL DEFAULT '',
    old_deadline  DATETIME NOT NULL,
    new_deadline  DATETIME
);
CREATE INDEX request_extensions_request ON request_extensions (request_id, id);
CREATE INDEX request_extensions_status ON request_extensions (status, created_at);

-- Urging (催办, kind urge; auto when the deadline is a working day away)
-- and supervision letters (督办函, kind supervise: an instruction with its
-- own deadline, answered by the unit's head).
CREATE TABLE request_urges (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    request_id    INTEGER NOT NULL REFERENCES requests (id),
    department_id INTEGER NOT NULL,
    street        TEXT NOT NULL,
    kind          TEXT NOT NULL,
    auto          INTEGER NOT NULL DEFAULT 0,
    instruction   TEXT NOT NULL DEFAULT '',
    due_at        DATETIME,
    created_by    INTEGER NOT NULL DEFAULT 0,
    created_at    DATETIME NOT NULL,
    answer        TEXT NOT NULL DEFAULT '',
    answered_by   INTEGER,
    answered_at   DATETIME
);
CREATE INDEX request_urges_request ON request_urges (request_id, id);
CREATE INDEX request_urges_unit ON request_urges (kind, department_id, created_at);

-- The centre's settings: how often one unit may return one request, and
-- the share (percent) of satisfied ratings also called back.
CREATE TABLE request_flow_settings (
    id              INTEGER PRIMARY KEY,
    max_returns     INTEGER NOT NULL,
    callback_sample INTEGER NOT NULL,
    updated_at      DATETIME NOT NULL
);
INSERT INTO request_flow_settings (id, max_returns, callback_sample, updated_at) VALUES (1, 2, 0, CURRENT_TIMESTAMP);

-- +goose Down
DROP TABLE request_flow_settings;
DROP TABLE request_urges;
DROP TABLE request_extensions;
DROP TABLE request_returns;
DROP TABLE request_assignments;
ALTER TABLE requests DROP COLUMN redone;
ALTER TABLE requests DROP COLUMN callback_result;
ALTER TABLE requests DROP COLUMN callback_at;
ALTER TABLE requests DROP COLUMN extended_days;
ALTER TABLE requests DROP COLUMN auto_urged_for;
ALTER TABLE requests DROP COLUMN urges;
ALTER TABLE requests DROP COLUMN signed_at;
ALTER TABLE requests DROP COLUMN sign_deadline_at;
ALTER TABLE requests DROP COLUMN assist_department_id;
ALTER TABLE request_routes DROP COLUMN assist_department_id;
ALTER TABLE request_categories DROP COLUMN guide;
ALTER TABLE request_categories DROP COLUMN sign_hours;
