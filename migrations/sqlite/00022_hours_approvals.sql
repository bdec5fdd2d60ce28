-- +goose Up
-- An adjustment of volunteer hours that would take a resident's total for
-- an activity beyond the activity's length waits here for a second member
-- to approve it (then it is entered in volunteer_hours, entry_id) or to
-- reject it.
CREATE TABLE volunteer_hours_approvals (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    activity_id  INTEGER NOT NULL REFERENCES activities (id),
    resident_id  INTEGER NOT NULL REFERENCES residents (id),
    minutes      INTEGER NOT NULL,
    reason       TEXT NOT NULL,
    status       TEXT NOT NULL,
    requested_by INTEGER NOT NULL,
    decided_by   INTEGER,
    decided_at   DATETIME,
    entry_id     INTEGER,
    idem         TEXT UNIQUE,
    created_at   DATETIME NOT NULL,
    updated_at   DATETIME NOT NULL
);
CREATE INDEX volunteer_hours_approvals_activity ON volunteer_hours_approvals (activity_id, status, id);
CREATE INDEX volunteer_hours_approvals_resident ON volunteer_hours_approvals (resident_id);

-- +goose Down
DROP TABLE volunteer_hours_approvals;
