-- +goose Up
-- Postings are serialized by the account's version, not by a lock: each
-- ledger row carries seq, the version its writer read plus one, and the
-- trigger refuses the row unless that is what the version becomes. A
-- writer that read an account someone has changed since fails with SQLSTATE
-- 40001 (serialization failure) and writes nothing; it reads again and
-- retries. So an award needs no locking read and no explicit transaction:
-- one read, then one INSERT. Recording a refusal moves the version too (see
-- points.Service.award), so a refusal and a grant of the same award cannot
-- both be decided on one reading.
ALTER TABLE point_transactions ADD COLUMN seq BIGINT NOT NULL DEFAULT 0 AFTER resident_id;

UPDATE point_transactions t
JOIN (SELECT id, ROW_NUMBER() OVER (PARTITION BY resident_id ORDER BY id) AS n FROM point_transactions) s ON s.id = t.id
SET t.seq = s.n;

UPDATE point_accounts a
SET a.version = (SELECT COUNT(*) FROM point_transactions t WHERE t.resident_id = a.resident_id);

DROP TRIGGER point_transactions_post;

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
    -- The row above is this statement's now: the version read is the newest.
    IF (SELECT version FROM point_accounts WHERE resident_id = NEW.resident_id) <> NEW.seq THEN
        SIGNAL SQLSTATE '40001' SET MESSAGE_TEXT = 'serialization failure: the points account changed since it was read';
    END IF;
    IF NEW.lot_amount <> 0 THEN
        INSERT INTO point_lots (resident_id, transaction_id, amount, remaining, expires_at, created_at)
        VALUES (NEW.resident_id, NEW.id, NEW.lot_amount, NEW.lot_amount, NEW.expires_at, NEW.created_at);
    END IF;
END
-- +goose StatementEnd

-- +goose Down
DROP TRIGGER point_transactions_post;

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

ALTER TABLE point_transactions DROP COLUMN seq;
