-- +goose Up
-- Postings are serialized by the account's version (see the MySQL
-- migration): each ledger row carries seq, the version its writer read plus
-- one, and the trigger refuses the row unless that is what the version
-- becomes.
ALTER TABLE point_transactions ADD COLUMN seq INTEGER NOT NULL DEFAULT 0;

UPDATE point_transactions SET seq = (
    SELECT COUNT(*) FROM point_transactions p
    WHERE p.resident_id = point_transactions.resident_id AND p.id <= point_transactions.id);

UPDATE point_accounts SET version = (
    SELECT COUNT(*) FROM point_transactions t WHERE t.resident_id = point_accounts.resident_id);

DROP TRIGGER point_transactions_post;

-- +goose StatementBegin
CREATE TRIGGER point_transactions_post AFTER INSERT ON point_transactions
BEGIN
    INSERT OR IGNORE INTO point_accounts (resident_id, balance, lifetime_earned, version, created_at, updated_at)
    VALUES (NEW.resident_id, 0, 0, 0, NEW.created_at, NEW.created_at);
    UPDATE point_accounts SET balance = balance + NEW.delta,
        lifetime_earned = lifetime_earned + (CASE WHEN NEW.kind = 'earn' THEN NEW.delta ELSE 0 END),
        version = version + 1, updated_at = NEW.created_at
    WHERE resident_id = NEW.resident_id;
    SELECT RAISE(ABORT, 'serialization failure: the points account changed since it was read')
    WHERE (SELECT version FROM point_accounts WHERE resident_id = NEW.resident_id) <> NEW.seq;
    INSERT INTO point_lots (resident_id, transaction_id, amount, remaining, expires_at, created_at)
    SELECT NEW.resident_id, NEW.id, NEW.lot_amount, NEW.lot_amount, NEW.expires_at, NEW.created_at
    WHERE NEW.lot_amount <> 0;
END;
-- +goose StatementEnd

-- +goose Down
DROP TRIGGER point_transactions_post;

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

ALTER TABLE point_transactions DROP COLUMN seq;
