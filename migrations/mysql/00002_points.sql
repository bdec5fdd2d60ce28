-- +goose Up
-- One row per resident with points: the derived balance, kept in step with
-- the ledger inside the same transaction.
CREATE TABLE point_accounts (
    resident_id     BIGINT NOT NULL PRIMARY KEY,
    balance         BIGINT NOT NULL DEFAULT 0,
    lifetime_earned BIGINT NOT NULL DEFAULT 0,
    version         BIGINT NOT NULL DEFAULT 0,
    created_at      DATETIME(6) NOT NULL,
    updated_at      DATETIME(6) NOT NULL,
    INDEX point_accounts_lifetime (lifetime_earned)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE point_rules (
    id            BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    code          VARCHAR(32) NOT NULL UNIQUE,
    name          VARCHAR(64) NOT NULL,
    description   VARCHAR(512) NOT NULL DEFAULT '',
    points        INT NOT NULL,
    daily_cap     INT NOT NULL DEFAULT 0,
    monthly_cap   INT NOT NULL DEFAULT 0,
    department_id BIGINT NULL,
    valid_from    DATETIME(6) NULL,
    valid_until   DATETIME(6) NULL,
    expiry        VARCHAR(24) NOT NULL DEFAULT 'never',
    expiry_days   INT NOT NULL DEFAULT 0,
    version       INT NOT NULL DEFAULT 1,
    created_at    DATETIME(6) NOT NULL,
    updated_at    DATETIME(6) NOT NULL,
    CONSTRAINT point_rules_department FOREIGN KEY (department_id) REFERENCES departments (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- Every version a rule ever had, so an award's rule_version can be read back.
CREATE TABLE point_rule_versions (
    rule_id       BIGINT NOT NULL,
    version       INT NOT NULL,
    code          VARCHAR(32) NOT NULL,
    name          VARCHAR(64) NOT NULL,
    points        INT NOT NULL,
    daily_cap     INT NOT NULL,
    monthly_cap   INT NOT NULL,
    department_id BIGINT NULL,
    valid_from    DATETIME(6) NULL,
    valid_until   DATETIME(6) NULL,
    expiry        VARCHAR(24) NOT NULL,
    expiry_days   INT NOT NULL,
    saved_by      BIGINT NULL,
    created_at    DATETIME(6) NOT NULL,
    PRIMARY KEY (rule_id, version)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- The ledger: append-only. idem makes every posting idempotent:
-- earn "<rule_code>/<external_id>", deduct "<resident>/<case_ref>",
-- spend/refund "redemption/<id>", reverse "appeal/<id>", expire "lot/<id>".
CREATE TABLE point_transactions (
    id                 BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    resident_id        BIGINT NOT NULL,
    delta              BIGINT NOT NULL,
    balance_after      BIGINT NOT NULL,
    kind               VARCHAR(8) NOT NULL,
    idem               VARCHAR(191) NOT NULL,
    rule_code          VARCHAR(32) NULL,
    rule_version       INT NULL,
    external_id        VARCHAR(64) NULL,
    case_ref           VARCHAR(64) NULL,
    reason             VARCHAR(256) NOT NULL DEFAULT '',
    staff_id           BIGINT NULL,
    department_id      BIGINT NULL,
    expires_at         DATETIME(6) NULL,
    restore_expires_at DATETIME(6) NULL,
    lot_amount         BIGINT NOT NULL DEFAULT 0,
    created_at         DATETIME(6) NOT NULL,
    UNIQUE KEY point_transactions_idem (kind, idem),
    INDEX point_transactions_resident (resident_id, id),
    INDEX point_transactions_caps (resident_id, rule_code, created_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- Lots: what is left of each credit, consumed oldest first. A negative lot
-- (expires_at NULL) is a debt left by a deduction; later credits pay it first.
CREATE TABLE point_lots (
    id             BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    resident_id    BIGINT NOT NULL,
    transaction_id BIGINT NOT NULL,
    amount         BIGINT NOT NULL,
    remaining      BIGINT NOT NULL,
    expires_at     DATETIME(6) NULL,
    created_at     DATETIME(6) NOT NULL,
    INDEX point_lots_resident (resident_id, id),
    INDEX point_lots_expiry (expires_at)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- Posting a transaction moves the account and opens its lot (lot_amount:
-- what a credit keeps after paying debts, or a deduction's new debt) in the
-- same statement: the balance can never drift from the ledger.
-- +goose StatementBegin
CREATE TRIGGER point_transactions_post AFTER INSERT ON point_transactions FOR EACH ROW
BEGIN
    -- An upsert, not UPDATE-then-INSERT: an UPDATE of a missing row takes a
    -- gap lock on which two first postings would deadlock.
    INSERT INTO point_accounts (resident_id, balance, lifetime_earned, version, created_at, updated_at)
    VALUES (NEW.resident_id, NEW.delta, IF(NEW.kind = 'earn', NEW.delta, 0), 1, NEW.created_at, NEW.created_at)
    ON DUPLICATE KEY UPDATE balance = balance + NEW.delta,
        lifetime_earned = lifetime_earned + IF(NEW.kind = 'earn', NEW.delta, 0),
        version = version + 1, updated_at = NEW.created_at;
    IF NEW.lot_amount <> 0 THEN
        INSERT INTO point_lots (resident_id, transaction_id, amount, remaining, expires_at, created_at)
        VALUES (NEW.resident_id, NEW.id, NEW.lot_amount, NEW.lot_amount, NEW.expires_at, NEW.created_at);
    END IF;
END
-- +goose StatementEnd

-- Awards a cap refused: granted nothing, recorded with the reason.
CREATE TABLE point_award_refusals (
    id           BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    resident_id  BIGINT NOT NULL,
    rule_code    VARCHAR(32) NOT NULL,
    rule_version INT NOT NULL,
    external_id  VARCHAR(64) NOT NULL,
    reason       VARCHAR(16) NOT NULL,
    staff_id     BIGINT NULL,
    created_at   DATETIME(6) NOT NULL,
    UNIQUE KEY point_award_refusals_idem (rule_code, external_id),
    INDEX point_award_refusals_resident (resident_id, id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE point_appeals (
    id             BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    resident_id    BIGINT NOT NULL,
    transaction_id BIGINT NOT NULL UNIQUE,
    department_id  BIGINT NULL,
    reason         VARCHAR(1000) NOT NULL,
    status         VARCHAR(16) NOT NULL,
    note           VARCHAR(1000) NOT NULL DEFAULT '',
    decided_by     BIGINT NULL,
    decided_at     DATETIME(6) NULL,
    created_at     DATETIME(6) NOT NULL,
    INDEX point_appeals_resident (resident_id, id),
    INDEX point_appeals_department (department_id, status, id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE rewards (
    id                 BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    department_id      BIGINT NULL,
    name               VARCHAR(64) NOT NULL,
    description        VARCHAR(1000) NOT NULL DEFAULT '',
    points             INT NOT NULL,
    stock              INT NOT NULL,
    per_resident_limit INT NOT NULL DEFAULT 0,
    min_level          INT NOT NULL DEFAULT 0,
    valid_from         DATETIME(6) NULL,
    valid_until        DATETIME(6) NULL,
    created_by         BIGINT NULL,
    created_at         DATETIME(6) NOT NULL,
    updated_at         DATETIME(6) NOT NULL,
    INDEX rewards_valid_until (valid_until),
    CONSTRAINT rewards_department FOREIGN KEY (department_id) REFERENCES departments (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

CREATE TABLE redemptions (
    id                 BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    resident_id        BIGINT NOT NULL,
    reward_id          BIGINT NOT NULL,
    idempotency_key    VARCHAR(128) NULL,
    points             INT NOT NULL,
    voucher_code       VARCHAR(16) NOT NULL UNIQUE,
    status             VARCHAR(16) NOT NULL,
    spend_tx_id        BIGINT NOT NULL,
    restore_expires_at DATETIME(6) NULL,
    used_by            BIGINT NULL,
    used_at            DATETIME(6) NULL,
    cancelled_at       DATETIME(6) NULL,
    created_at         DATETIME(6) NOT NULL,
    updated_at         DATETIME(6) NOT NULL,
    UNIQUE KEY redemptions_idem (resident_id, idempotency_key),
    INDEX redemptions_resident (resident_id, id),
    INDEX redemptions_reward (reward_id, resident_id, status)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- +goose Down
DROP TRIGGER point_transactions_post;
DROP TABLE redemptions;
DROP TABLE rewards;
DROP TABLE point_appeals;
DROP TABLE point_award_refusals;
DROP TABLE point_lots;
DROP TABLE point_transactions;
DROP TABLE point_rule_versions;
DROP TABLE point_rules;
DROP TABLE point_accounts;
