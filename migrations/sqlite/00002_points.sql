-- +goose Up
-- One row per resident with points: the derived balance, kept in step with
-- the ledger inside the same transaction.
CREATE TABLE point_accounts (
    resident_id     INTEGER NOT NULL PRIMARY KEY,
    balance         INTEGER NOT NULL DEFAULT 0,
    lifetime_earned INTEGER NOT NULL DEFAULT 0,
    version         INTEGER NOT NULL DEFAULT 0,
    created_at      DATETIME NOT NULL,
    updated_at      DATETIME NOT NULL
);
CREATE INDEX point_accounts_lifetime ON point_accounts (lifetime_earned);

CREATE TABLE point_rules (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    code          TEXT NOT NULL UNIQUE,
    name          TEXT NOT NULL,
    description   TEXT NOT NULL DEFAULT '',
    points        INTEGER NOT NULL,
    daily_cap     INTEGER NOT NULL DEFAULT 0,
    monthly_cap   INTEGER NOT NULL DEFAULT 0,
    department_id INTEGER REFERENCES departments (id),
    valid_from    DATETIME,
    valid_until   DATETIME,
    expiry        TEXT NOT NULL DEFAULT 'never',
    expiry_days   INTEGER NOT NULL DEFAULT 0,
    version       INTEGER NOT NULL DEFAULT 1,
    created_at    DATETIME NOT NULL,
    updated_at    DATETIME NOT NULL
);

-- Every version a rule ever had, so an award's rule_version can be read back.
CREATE TABLE point_rule_versions (
    rule_id       INTEGER NOT NULL,
    version       INTEGER NOT NULL,
    code          TEXT NOT NULL,
    name          TEXT NOT NULL,
    points        INTEGER NOT NULL,
    daily_cap     INTEGER NOT NULL,
    monthly_cap   INTEGER NOT NULL,
    department_id INTEGER,
    valid_from    DATETIME,
    valid_until   DATETIME,
    expiry        TEXT NOT NULL,
    expiry_days   INTEGER NOT NULL,
    saved_by      INTEGER,
    created_at    DATETIME NOT NULL,
    PRIMARY KEY (rule_id, version)
);

-- The ledger: append-only. idem makes every posting idempotent:
-- earn "<rule_code>/<external_id>", deduct "<resident>/<case_ref>",
-- spend/refund "redemption/<id>", reverse "appeal/<id>", expire "lot/<id>".
CREATE TABLE point_transactions (
    id                 INTEGER PRIMARY KEY AUTOINCREMENT,
    resident_id        INTEGER NOT NULL,
    delta              INTEGER NOT NULL,
    balance_after      INTEGER NOT NULL,
    kind               TEXT NOT NULL,
    idem               TEXT NOT NULL,
    rule_code          TEXT,
    rule_version       INTEGER,
    external_id        TEXT,
    case_ref           TEXT,
    reason             TEXT NOT NULL DEFAULT '',
    staff_id           INTEGER,
    department_id      INTEGER,
    expires_at         DATETIME,
    restore_expires_at DATETIME,
    lot_amount         INTEGER NOT NULL DEFAULT 0,
    created_at         DATETIME NOT NULL
);
CREATE UNIQUE INDEX point_transactions_idem ON point_transactions (kind, idem);
CREATE INDEX point_transactions_resident ON point_transactions (resident_id, id);
CREATE INDEX point_transactions_caps ON point_transactions (resident_id, rule_code, created_at);

-- Lots: what is left of each credit, consumed oldest first. A negative lot
-- (expires_at NULL) is a debt left by a deduction; later credits pay it first.
CREATE TABLE point_lots (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    resident_id    INTEGER NOT NULL,
    transaction_id INTEGER NOT NULL,
    amount         INTEGER NOT NULL,
    remaining      INTEGER NOT NULL,
    expires_at     DATETIME,
    created_at     DATETIME NOT NULL
);
CREATE INDEX point_lots_resident ON point_lots (resident_id, id);
CREATE INDEX point_lots_expiry ON point_lots (expires_at);

-- Posting a transaction moves the account and opens its lot (lot_amount:
-- what a credit keeps after paying debts, or a deduction's new debt) in the
-- same statement: the balance can never drift from the ledger.
-- +goose StatementBegin
CREATE TRIGGER point_transactions_post AFTER INSERT ON point_transactions
BEGIN
    INSERT OR IGNORE INTO point_accounts (resident_id, balance, lifetime_earned, version, created_at, updated_at)
    VALUES (NEW.resident_id, 0, 0, 0, NEW.created_at, NEW.created_at);
    UPDATE point_accounts SET balance = balance + NEW.delta,
        lifetime_earned = lifetime_earned + (CASE WHEN NEW.kind = 'earn' THEN NEW.delta ELSE 0 END),
        version = version + 1, updated_at = NEW.created_at
    WHERE resident_id = NEW.resident_id;
    INSERT INTO point_lots (resident_id, transaction_id, amount, remaining, expires_at, created_at)
    SELECT NEW.resident_id, NEW.id, NEW.lot_amount, NEW.lot_amount, NEW.expires_at, NEW.created_at
    WHERE NEW.lot_amount <> 0;
END;
-- +goose StatementEnd

-- Awards a cap refused: granted nothing, recorded with the reason.
CREATE TABLE point_award_refusals (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    resident_id  INTEGER NOT NULL,
    rule_code    TEXT NOT NULL,
    rule_version INTEGER NOT NULL,
    external_id  TEXT NOT NULL,
    reason       TEXT NOT NULL,
    staff_id     INTEGER,
    created_at   DATETIME NOT NULL
);
CREATE UNIQUE INDEX point_award_refusals_idem ON point_award_refusals (rule_code, external_id);
CREATE INDEX point_award_refusals_resident ON point_award_refusals (resident_id, id);

CREATE TABLE point_appeals (
    id             INTEGER PRIMARY KEY AUTOINCREMENT,
    resident_id    INTEGER NOT NULL,
    transaction_id INTEGER NOT NULL UNIQUE,
    department_id  INTEGER,
    reason         TEXT NOT NULL,
    status         TEXT NOT NULL,
    note           TEXT NOT NULL DEFAULT '',
    decided_by     INTEGER,
    decided_at     DATETIME,
    created_at     DATETIME NOT NULL
);
CREATE INDEX point_appeals_resident ON point_appeals (resident_id, id);
CREATE INDEX point_appeals_department ON point_appeals (department_id, status, id);

CREATE TABLE rewards (
    id                 INTEGER PRIMARY KEY AUTOINCREMENT,
    department_id      INTEGER,
    name               TEXT NOT NULL,
    description        TEXT NOT NULL DEFAULT '',
    points             INTEGER NOT NULL,
    stock              INTEGER NOT NULL,
    per_resident_limit INTEGER NOT NULL DEFAULT 0,
    min_level          INTEGER NOT NULL DEFAULT 0,
    valid_from         DATETIME,
    valid_until        DATETIME,
    created_by         INTEGER,
    created_at         DATETIME NOT NULL,
    updated_at         DATETIME NOT NULL
);
CREATE INDEX rewards_valid_until ON rewards (valid_until);

CREATE TABLE redemptions (
    id                 INTEGER PRIMARY KEY AUTOINCREMENT,
    resident_id        INTEGER NOT NULL,
    reward_id          INTEGER NOT NULL,
    idempotency_key    TEXT,
    points             INTEGER NOT NULL,
    voucher_code       TEXT NOT NULL UNIQUE,
    status             TEXT NOT NULL,
    spend_tx_id        INTEGER NOT NULL,
    restore_expires_at DATETIME,
    used_by            INTEGER,
    used_at            DATETIME,
    cancelled_at       DATETIME,
    created_at         DATETIME NOT NULL,
    updated_at         DATETIME NOT NULL
);
CREATE UNIQUE INDEX redemptions_idem ON redemptions (resident_id, idempotency_key);
CREATE INDEX redemptions_resident ON redemptions (resident_id, id);
CREATE INDEX redemptions_reward ON redemptions (reward_id, resident_id, status);

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
