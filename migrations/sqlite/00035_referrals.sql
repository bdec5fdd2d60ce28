-- +goose Up
-- Issue 25 (part): a complaint about a registered enterprise goes to the
-- enterprise first (外循环): its bound members are told and may answer
-- within a window of working days before the department handles it. One
-- referral per request.
CREATE TABLE request_referrals (
    request_id    INTEGER PRIMARY KEY REFERENCES requests (id),
    enterprise_id INTEGER NOT NULL,
    uscc          TEXT NOT NULL,
    referred_by   INTEGER NOT NULL,
    referred_at   DATETIME NOT NULL,
    due_at        DATETIME NOT NULL,
    noticed_at    DATETIME,
    outcome       TEXT NOT NULL DEFAULT 'pending',
    response      TEXT NOT NULL DEFAULT '',
    responded_by  INTEGER,
    responded_at  DATETIME,
    closed_at     DATETIME
);
CREATE INDEX request_referrals_due ON request_referrals (outcome, due_at);
CREATE INDEX request_referrals_enterprise ON request_referrals (enterprise_id, outcome, request_id);

-- +goose Down
DROP TABLE request_referrals;
