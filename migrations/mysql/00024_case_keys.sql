-- +goose Up
-- Case references compare by a key (internal/text.Key: NFKC, format
-- characters removed, case folded, trimmed), so "CASE-42", "case-42",
-- "〔２０２６〕７７号" and "〔2026〕77号" + U+200B are one case: a credit
-- record's case_key and a deduction's idem ("<resident>/<key>") hold the
-- key; case_ref keeps the text as entered, for display.
--
-- SQL has no NFKC, so existing rows get the key of the look-alikes that
-- occur in practice: format characters (U+00AD, U+061C, U+180E,
-- U+200B–U+200F, U+202A–U+202E, U+2060–U+206F, U+FEFF) removed, the
-- ideographic space and the full-width forms U+FF01–U+FF5E made ASCII,
-- ASCII letters lowered, ends trimmed. (Rarer compatibility forms, such as
-- circled digits, keep their own key in old rows.)
--
-- Existing rows that are one case under the key: as in migration 11, the
-- first credit record keeps the case and later copies are revoked (kept,
-- counted no more) with their enterprises due for re-rating; a later
-- deduction is a posting of the ledger and stays, keyed apart
-- ("<resident>/<key>#<id>"), for an appeal to reverse.
CREATE TABLE case_keys_00024 (
    src    VARCHAR(8) NOT NULL,
    id     BIGINT NOT NULL,
    grp    VARCHAR(64) NOT NULL,
    k      VARCHAR(255) NOT NULL,
    keeper TINYINT NOT NULL DEFAULT 0,
    PRIMARY KEY (src, id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

INSERT INTO case_keys_00024 (src, id, grp, k)
SELECT 'credit', id, CONCAT(enterprise_id, '/', kind), case_ref FROM credit_records WHERE case_key IS NOT NULL;
INSERT INTO case_keys_00024 (src, id, grp, k)
SELECT 'deduct', id, CAST(resident_id AS CHAR), case_ref FROM point_transactions WHERE kind = 'deduct' AND case_ref IS NOT NULL;

-- Format characters out, the ideographic space and full-width forms to ASCII.
UPDATE case_keys_00024 SET k = REPLACE(k, _utf8mb4 0xC2AD, '');
UPDATE case_keys_00024 SET k = REPLACE(k, _utf8mb4 0xD89C, '');
UPDATE case_keys_00024 SET k = REPLACE(k, _utf8mb4 0xE1A08E, '');
UPDATE case_keys_00024 SET k = REPLACE(k, _utf8mb4 0xE2808B, '');
UPDATE case_keys_00024 SET k = REPLACE(k, _utf8mb4 0xE2808C, '');
UPDATE case_keys_00024 SET k = REPLACE(k, _utf8mb4 0xE2808D, '');
UPDATE case_keys_00024 SET k = REPLACE(k, _utf8mb4 0xE2808E, '');
UPDATE case_keys_00024 SET k = REPLACE(k, _utf8mb4 0xE2808F, '');
UPDATE case_keys_00024 SET k = REPLACE(k, _utf8mb4 0xE280AA, '');
UPDATE case_keys_00024 SET k = REPLACE(k, _utf8mb4 0xE280AB, '');
UPDATE case_keys_00024 SET k = REPLACE(k, _utf8mb4 0xE280AC, '');
UPDATE case_keys_00024 SET k = REPLACE(k, _utf8mb4 0xE280AD, '');
UPDATE case_keys_00024 SET k = REPLACE(k, _utf8mb4 0xE280AE, '');
UPDATE case_keys_00024 SET k = REPLACE(k, _utf8mb4 0xE281A0, '');
UPDATE case_keys_00024 SET k = REPLACE(k, _utf8mb4 0xE281A1, '');
UPDATE case_keys_00024 SET k = REPLACE(k, _utf8mb4 0xE281A2, '');
UPDATE case_keys_00024 SET k = REPLACE(k, _utf8mb4 0xE281A3, '');
UPDATE case_keys_00024 SET k = REPLACE(k, _utf8mb4 0xE281A4, '');
UPDATE case_keys_00024 SET k = REPLACE(k, _utf8mb4 0xE281A6, '');
UPDATE case_keys_00024 SET k = REPLACE(k, _utf8mb4 0xE281A7, '');
UPDATE case_keys_00024 SET k = REPLACE(k, _utf8mb4 0xE281A8, '');
UPDATE case_keys_00024 SET k = REPLACE(k, _utf8mb4 0xE281A9, '');
UPDATE case_keys_00024 SET k = REPLACE(k, _utf8mb4 0xE281AA, '');
UPDATE case_keys_00024 SET k = REPLACE(k, _utf8mb4 0xE281AB, '');
UPDATE case_keys_00024 SET k = REPLACE(k, _utf8mb4 0xE281AC, '');
UPDATE case_keys_00024 SET k = REPLACE(k, _utf8mb4 0xE281AD, '');
UPDATE case_keys_00024 SET k = REPLACE(k, _utf8mb4 0xE281AE, '');
UPDATE case_keys_00024 SET k = REPLACE(k, _utf8mb4 0xE281AF, '');
UPDATE case_keys_00024 SET k = REPLACE(k, _utf8mb4 0xEFBBBF, '');
UPDATE case_keys_00024 SET k = REPLACE(k, _utf8mb4 0xE38080, _utf8mb4 0x20);
UPDATE case_keys_00024 SET k = REPLACE(k, _utf8mb4 0xEFBC81, _utf8mb4 0x21);
UPDATE case_keys_00024 SET k = REPLACE(k, _utf8mb4 0xEFBC82, _utf8mb4 0x22);
UPDATE case_keys_00024 SET k = REPLACE(k, _utf8mb4 0xEFBC83, _utf8mb4 0x23);
UPDATE case_keys_00024 SET k = REPLACE(k, _utf8mb4 0xEFBC84, _utf8mb4 0x24);
UPDATE case_keys_00024 SET k = REPLACE(k, _utf8mb4 0xEFBC85, _utf8mb4 0x25);
UPDATE case_keys_00024 SET k = REPLACE(k, _utf8mb4 0xEFBC86, _utf8mb4 0x26);
UPDATE case_keys_00024 SET k = REPLACE(k, _utf8mb4 0xEFBC87, _utf8mb4 0x27);
UPDATE case_keys_00024 SET k = REPLACE(k, _utf8mb4 0xEFBC88, _utf8mb4 0x28);
UPDATE case_keys_00024 SET k = REPLACE(k, _utf8mb4 0xEFBC89, _utf8mb4 0x29);
UPDATE case_keys_00024 SET k = REPLACE(k, _utf8mb4 0xEFBC8A, _utf8mb4 0x2A);
UPDATE case_keys_00024 SET k = REPLACE(k, _utf8mb4 0xEFBC8B, _utf8mb4 0x2B);
UPDATE case_keys_00024 SET k = REPLACE(k, _utf8mb4 0xEFBC8C, _utf8mb4 0x2C);
UPDATE case_keys_00024 SET k = REPLACE(k, _utf8mb4 0xEFBC8D, _utf8mb4 0x2D);
UPDATE case_keys_00024 SET k = REPLACE(k, _utf8mb4 0xEFBC8E, _utf8mb4 0x2E);
UPDATE case_keys_00024 SET k = REPLACE(k, _utf8mb4 0xEFBC8F, _utf8mb4 0x2F);
UPDATE case_keys_00024 SET k = REPLACE(k, _utf8mb4 0xEFBC90, '0');
UPDATE case_keys_00024 SET k = REPLACE(k, _utf8mb4 0xEFBC91, '1');
UPDATE case_keys_00024 SET k = REPLACE(k, _utf8mb4 0xEFBC92, '2');
UPDATE case_keys_00024 SET k = REPLACE(k, _utf8mb4 0xEFBC93, '3');
UPDATE case_keys_00024 SET k = REPLACE(k, _utf8mb4 0xEFBC94, '4');
UPDATE case_keys_00024 SET k = REPLACE(k, _utf8mb4 0xEFBC95, '5');
UPDATE case_keys_00024 SET k = REPLACE(k, _utf8mb4 0xEFBC96, '6');
UPDATE case_keys_00024 SET k = REPLACE(k, _utf8mb4 0xEFBC97, '7');
UPDATE case_keys_00024 SET k = REPLACE(k, _utf8mb4 0xEFBC98, '8');
UPDATE case_keys_00024 SET k = REPLACE(k, _utf8mb4 0xEFBC99, '9');
UPDATE case_keys_00024 SET k = REPLACE(k, _utf8mb4 0xEFBC9A, _utf8mb4 0x3A);
UPDATE case_keys_00024 SET k = REPLACE(k, _utf8mb4 0xEFBC9B, _utf8mb4 0x3B);
UPDATE case_keys_00024 SET k = REPLACE(k, _utf8mb4 0xEFBC9C, _utf8mb4 0x3C);
UPDATE case_keys_00024 SET k = REPLACE(k, _utf8mb4 0xEFBC9D, _utf8mb4 0x3D);
UPDATE case_keys_00024 SET k = REPLACE(k, _utf8mb4 0xEFBC9E, _utf8mb4 0x3E);
UPDATE case_keys_00024 SET k = REPLACE(k, _utf8mb4 0xEFBC9F, _utf8mb4 0x3F);
UPDATE case_keys_00024 SET k = REPLACE(k, _utf8mb4 0xEFBCA0, _utf8mb4 0x40);
UPDATE case_keys_00024 SET k = REPLACE(k, _utf8mb4 0xEFBCA1, 'A');
UPDATE case_keys_00024 SET k = REPLACE(k, _utf8mb4 0xEFBCA2, 'B');
UPDATE case_keys_00024 SET k = REPLACE(k, _utf8mb4 0xEFBCA3, 'C');
UPDATE case_keys_00024 SET k = REPLACE(k, _utf8mb4 0xEFBCA4, 'D');
UPDATE case_keys_00024 SET k = REPLACE(k, _utf8mb4 0xEFBCA5, 'E');
UPDATE case_keys_00024 SET k = REPLACE(k, _utf8mb4 0xEFBCA6, 'F');
UPDATE case_keys_00024 SET k = REPLACE(k, _utf8mb4 0xEFBCA7, 'G');
UPDATE case_keys_00024 SET k = REPLACE(k, _utf8mb4 0xEFBCA8, 'H');
UPDATE case_keys_00024 SET k = REPLACE(k, _utf8mb4 0xEFBCA9, 'I');
UPDATE case_keys_00024 SET k = REPLACE(k, _utf8mb4 0xEFBCAA, 'J');
UPDATE case_keys_00024 SET k = REPLACE(k, _utf8mb4 0xEFBCAB, 'K');
UPDATE case_keys_00024 SET k = REPLACE(k, _utf8mb4 0xEFBCAC, 'L');
UPDATE case_keys_00024 SET k = REPLACE(k, _utf8mb4 0xEFBCAD, 'M');
UPDATE case_keys_00024 SET k = REPLACE(k, _utf8mb4 0xEFBCAE, 'N');
UPDATE case_keys_00024 SET k = REPLACE(k, _utf8mb4 0xEFBCAF, 'O');
UPDATE case_keys_00024 SET k = REPLACE(k, _utf8mb4 0xEFBCB0, 'P');
UPDATE case_keys_00024 SET k = REPLACE(k, _utf8mb4 0xEFBCB1, 'Q');
UPDATE case_keys_00024 SET k = REPLACE(k, _utf8mb4 0xEFBCB2, 'R');
UPDATE case_keys_00024 SET k = REPLACE(k, _utf8mb4 0xEFBCB3, 'S');
UPDATE case_keys_00024 SET k = REPLACE(k, _utf8mb4 0xEFBCB4, 'T');
UPDATE case_keys_00024 SET k = REPLACE(k, _utf8mb4 0xEFBCB5, 'U');
UPDATE case_keys_00024 SET k = REPLACE(k, _utf8mb4 0xEFBCB6, 'V');
UPDATE case_keys_00024 SET k = REPLACE(k, _utf8mb4 0xEFBCB7, 'W');
UPDATE case_keys_00024 SET k = REPLACE(k, _utf8mb4 0xEFBCB8, 'X');
UPDATE case_keys_00024 SET k = REPLACE(k, _utf8mb4 0xEFBCB9, 'Y');
UPDATE case_keys_00024 SET k = REPLACE(k, _utf8mb4 0xEFBCBA, 'Z');
UPDATE case_keys_00024 SET k = REPLACE(k, _utf8mb4 0xEFBCBB, _utf8mb4 0x5B);
UPDATE case_keys_00024 SET k = REPLACE(k, _utf8mb4 0xEFBCBC, _utf8mb4 0x5C);
UPDATE case_keys_00024 SET k = REPLACE(k, _utf8mb4 0xEFBCBD, _utf8mb4 0x5D);
UPDATE case_keys_00024 SET k = REPLACE(k, _utf8mb4 0xEFBCBE, _utf8mb4 0x5E);
UPDATE case_keys_00024 SET k = REPLACE(k, _utf8mb4 0xEFBCBF, _utf8mb4 0x5F);
UPDATE case_keys_00024 SET k = REPLACE(k, _utf8mb4 0xEFBD80, _utf8mb4 0x60);
UPDATE case_keys_00024 SET k = REPLACE(k, _utf8mb4 0xEFBD81, 'a');
UPDATE case_keys_00024 SET k = REPLACE(k, _utf8mb4 0xEFBD82, 'b');
UPDATE case_keys_00024 SET k = REPLACE(k, _utf8mb4 0xEFBD83, 'c');
UPDATE case_keys_00024 SET k = REPLACE(k, _utf8mb4 0xEFBD84, 'd');
UPDATE case_keys_00024 SET k = REPLACE(k, _utf8mb4 0xEFBD85, 'e');
UPDATE case_keys_00024 SET k = REPLACE(k, _utf8mb4 0xEFBD86, 'f');
UPDATE case_keys_00024 SET k = REPLACE(k, _utf8mb4 0xEFBD87, 'g');
UPDATE case_keys_00024 SET k = REPLACE(k, _utf8mb4 0xEFBD88, 'h');
UPDATE case_keys_00024 SET k = REPLACE(k, _utf8mb4 0xEFBD89, 'i');
UPDATE case_keys_00024 SET k = REPLACE(k, _utf8mb4 0xEFBD8A, 'j');
UPDATE case_keys_00024 SET k = REPLACE(k, _utf8mb4 0xEFBD8B, 'k');
UPDATE case_keys_00024 SET k = REPLACE(k, _utf8mb4 0xEFBD8C, 'l');
UPDATE case_keys_00024 SET k = REPLACE(k, _utf8mb4 0xEFBD8D, 'm');
UPDATE case_keys_00024 SET k = REPLACE(k, _utf8mb4 0xEFBD8E, 'n');
UPDATE case_keys_00024 SET k = REPLACE(k, _utf8mb4 0xEFBD8F, 'o');
UPDATE case_keys_00024 SET k = REPLACE(k, _utf8mb4 0xEFBD90, 'p');
UPDATE case_keys_00024 SET k = REPLACE(k, _utf8mb4 0xEFBD91, 'q');
UPDATE case_keys_00024 SET k = REPLACE(k, _utf8mb4 0xEFBD92, 'r');
UPDATE case_keys_00024 SET k = REPLACE(k, _utf8mb4 0xEFBD93, 's');
UPDATE case_keys_00024 SET k = REPLACE(k, _utf8mb4 0xEFBD94, 't');
UPDATE case_keys_00024 SET k = REPLACE(k, _utf8mb4 0xEFBD95, 'u');
UPDATE case_keys_00024 SET k = REPLACE(k, _utf8mb4 0xEFBD96, 'v');
UPDATE case_keys_00024 SET k = REPLACE(k, _utf8mb4 0xEFBD97, 'w');
UPDATE case_keys_00024 SET k = REPLACE(k, _utf8mb4 0xEFBD98, 'x');
UPDATE case_keys_00024 SET k = REPLACE(k, _utf8mb4 0xEFBD99, 'y');
UPDATE case_keys_00024 SET k = REPLACE(k, _utf8mb4 0xEFBD9A, 'z');
UPDATE case_keys_00024 SET k = REPLACE(k, _utf8mb4 0xEFBD9B, _utf8mb4 0x7B);
UPDATE case_keys_00024 SET k = REPLACE(k, _utf8mb4 0xEFBD9C, _utf8mb4 0x7C);
UPDATE case_keys_00024 SET k = REPLACE(k, _utf8mb4 0xEFBD9D, _utf8mb4 0x7D);
UPDATE case_keys_00024 SET k = REPLACE(k, _utf8mb4 0xEFBD9E, _utf8mb4 0x7E);

UPDATE case_keys_00024 SET k = LOWER(TRIM(k));

UPDATE case_keys_00024 s
JOIN (SELECT src, MIN(id) AS id FROM case_keys_00024 GROUP BY src, grp, k) f ON f.src = s.src AND f.id = s.id
SET s.keeper = 1;

-- A case reference of only format characters names no case.
UPDATE credit_records c JOIN case_keys_00024 s ON s.src = 'credit' AND s.id = c.id
SET c.case_key = NULL
WHERE s.k = '';

UPDATE enterprises e
JOIN (SELECT DISTINCT c.enterprise_id FROM credit_records c JOIN case_keys_00024 s ON s.src = 'credit' AND s.id = c.id
      WHERE s.keeper = 0 AND s.k <> '' AND c.revoked_at IS NULL) d ON d.enterprise_id = e.id
SET e.valid_until = e.rated_at;

UPDATE credit_records c JOIN case_keys_00024 s ON s.src = 'credit' AND s.id = c.id
SET c.revoked_at = UTC_TIMESTAMP(6)
WHERE s.keeper = 0 AND s.k <> '' AND c.revoked_at IS NULL;

UPDATE credit_records c JOIN case_keys_00024 s ON s.src = 'credit' AND s.id = c.id
SET c.case_key = NULL
WHERE s.keeper = 0;

UPDATE credit_records c JOIN case_keys_00024 s ON s.src = 'credit' AND s.id = c.id
SET c.case_key = s.k
WHERE s.keeper = 1 AND s.k <> '';

-- Copies first, so that no key is held twice on the way.
UPDATE point_transactions t JOIN case_keys_00024 s ON s.src = 'deduct' AND s.id = t.id
SET t.idem = CONCAT(s.grp, '/', s.k, '#', t.id)
WHERE s.keeper = 0;

UPDATE point_transactions t JOIN case_keys_00024 s ON s.src = 'deduct' AND s.id = t.id
SET t.idem = CONCAT(s.grp, '/', s.k)
WHERE s.keeper = 1;

DROP TABLE case_keys_00024;

-- +goose Down
-- Revoked copies stay revoked; the keys go back to the text as entered.
UPDATE credit_records SET case_key = case_ref WHERE case_key IS NOT NULL;
UPDATE point_transactions SET idem = CONCAT(resident_id, '/', case_ref) WHERE kind = 'deduct' AND case_ref IS NOT NULL;
