-- +goose Up
-- Issue 25 (part): a complaint about a registered enterprise goes to the
-- enterprise first (外循环): its bound members are told and may answer
-- within a window of working days before the department handles it. One
-- referral per request.
CREATE TABLE request_referrals (
    request_id    BIGINT NOT NULL PRIMARY KEY,
    enterprise_id BIGINT NOT NULL,
    uscc          VARCHAR(18) NOT NULL,
    referred_by   BIGINT NOT NULL,
    referred_at   DATETIME(6) NOT NULL,
    due_at        DATETIME(6) NOT NULL,
    noticed_at    DATETIME(6) NULL,
    outcome       VARCHAR(16) NOT NULL DEFAULT 'pending',
    response      TEXT NOT NULL,
    responded_by  BIGINT NULL,
    responded_at  DATETIME(6) NULL,
    closed_at     DATETIME(6) NULL,
    KEY request_referrals_due (outcome, due_at),
    KEY request_referrals_enterprise (enterprise_id, outcome, request_id),
    CONSTRAINT request_referrals_request FOREIGN KEY (request_id) REFERENCES requests (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- +goose Down
DROP TABLE request_referrals;
