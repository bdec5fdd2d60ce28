-- +goose Up
-- An adjustment of volunteer hours that would take a resident's total for
-- an activity beyond the activity's length waits here for a second member
-- to approve it (then it is entered in volunteer_hours, entry_id) or to
-- reject it.
CREATE TABLE volunteer_hours_approvals (
    id           BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    activity_id  BIGINT NOT NULL,
    resident_id  BIGINT NOT NULL,
    minutes      INT NOT NULL,
    reason       VARCHAR(200) NOT NULL,
    status       VARCHAR(16) NOT NULL,
    requested_by BIGINT NOT NULL,
    decided_by   BIGINT NULL,
    decided_at   DATETIME(6) NULL,
    entry_id     BIGINT NULL,
    idem         VARCHAR(160) NULL UNIQUE,
    created_at   DATETIME(6) NOT NULL,
    updated_at   DATETIME(6) NOT NULL,
    INDEX volunteer_hours_approvals_activity (activity_id, status, id),
    INDEX volunteer_hours_approvals_resident (resident_id),
    CONSTRAINT volunteer_hours_approvals_activity_fk FOREIGN KEY (activity_id) REFERENCES activities (id),
    CONSTRAINT volunteer_hours_approvals_resident_fk FOREIGN KEY (resident_id) REFERENCES residents (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- +goose Down
DROP TABLE volunteer_hours_approvals;
