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
    src    TEXT NOT NULL,
    id     INTEGER NOT NULL,
    grp    TEXT NOT NULL,
    k      TEXT NOT NULL,
    keeper INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (src, id)
);

INSERT INTO case_keys_00024 (src, id, grp, k)
SELECT 'credit', id, enterprise_id || '/' || kind, case_ref FROM credit_records WHERE case_key IS NOT NULL;
INSERT INTO case_keys_00024 (src, id, grp, k)
SELECT 'deduct', id, CAST(resident_id AS TEXT), case_ref FROM point_transactions WHERE kind = 'deduct' AND case_ref IS NOT NULL;

-- Format characters out, the ideographic space and full-width forms to ASCII.
UPDATE case_keys_00024 SET k = REPLACE(k, char(173), '');
UPDATE case_keys_00024 SET k = REPLACE(k, char(1564), '');
UPDATE case_keys_00024 SET k = REPLACE(k, char(6158), '');
UPDATE case_keys_00024 SET k = REPLACE(k, char(8203), '');
UPDATE case_keys_00024 SET k = REPLACE(k, char(8204), '');
UPDATE case_keys_00024 SET k = REPLACE(k, char(8205), '');
UPDATE case_keys_00024 SET k = REPLACE(k, char(8206), '');
UPDATE case_keys_00024 SET k = REPLACE(k, char(8207), '');
UPDATE case_keys_00024 SET k = REPLACE(k, char(8234), '');
UPDATE case_keys_00024 SET k = REPLACE(k, char(8235), '');
UPDATE case_keys_00024 SET k = REPLACE(k, char(8236), '');
UPDATE case_keys_00024 SET k = REPLACE(k, char(8237), '');
UPDATE case_keys_00024 SET k = REPLACE(k, char(8238), '');
UPDATE case_keys_00024 SET k = REPLACE(k, char(8288), '');
UPDATE case_keys_00024 SET k = REPLACE(k, char(8289), '');
UPDATE case_keys_00024 SET k = REPLACE(k, char(8290), '');
UPDATE case_keys_00024 SET k = REPLACE(k, char(8291), '');
UPDATE case_keys_00024 SET k = REPLACE(k, char(8292), '');
UPDATE case_keys_00024 SET k = REPLACE(k, char(8294), '');
UPDATE case_keys_00024 SET k = REPLACE(k, char(8295), '');
UPDATE case_keys_00024 SET k = REPLACE(k, char(8296), '');
UPDATE case_keys_00024 SET k = REPLACE(k, char(8297), '');
UPDATE case_keys_00024 SET k = REPLACE(k, char(8298), '');
UPDATE case_keys_00024 SET k = REPLACE(k, char(8299), '');
UPDATE case_keys_00024 SET k = REPLACE(k, char(8300), '');
UPDATE case_keys_00024 SET k = REPLACE(k, char(8301), '');
UPDATE case_keys_00024 SET k = REPLACE(k, char(8302), '');
UPDATE case_keys_00024 SET k = REPLACE(k, char(8303), '');
UPDATE case_keys_00024 SET k = REPLACE(k, char(65279), '');
UPDATE case_keys_00024 SET k = REPLACE(k, char(12288), ' ');
UPDATE case_keys_00024 SET k = REPLACE(k, char(65281), '!');
UPDATE case_keys_00024 SET k = REPLACE(k, char(65282), '"');
UPDATE case_keys_00024 SET k = REPLACE(k, char(65283), '#');
UPDATE case_keys_00024 SET k = REPLACE(k, char(65284), '$');
UPDATE case_keys_00024 SET k = REPLACE(k, char(65285), '%');
UPDATE case_keys_00024 SET k = REPLACE(k, char(65286), '&');
UPDATE case_keys_00024 SET k = REPLACE(k, char(65287), '''');
UPDATE case_keys_00024 SET k = REPLACE(k, char(65288), '(');
UPDATE case_keys_00024 SET k = REPLACE(k, char(65289), ')');
UPDATE case_keys_00024 SET k = REPLACE(k, char(65290), '*');
UPDATE case_keys_00024 SET k = REPLACE(k, char(65291), '+');
UPDATE case_keys_00024 SET k = REPLACE(k, char(65292), ',');
UPDATE case_keys_00024 SET k = REPLACE(k, char(65293), '-');
UPDATE case_keys_00024 SET k = REPLACE(k, char(65294), '.');
UPDATE case_keys_00024 SET k = REPLACE(k, char(65295), '/');
UPDATE case_keys_00024 SET k = REPLACE(k, char(65296), '0');
UPDATE case_keys_00024 SET k = REPLACE(k, char(65297), '1');
UPDATE case_keys_00024 SET k = REPLACE(k, char(65298), '2');
UPDATE case_keys_00024 SET k = REPLACE(k, char(65299), '3');
UPDATE case_keys_00024 SET k = REPLACE(k, char(65300), '4');
UPDATE case_keys_00024 SET k = REPLACE(k, char(65301), '5');
UPDATE case_keys_00024 SET k = REPLACE(k, char(65302), '6');
UPDATE case_keys_00024 SET k = REPLACE(k, char(65303), '7');
UPDATE case_keys_00024 SET k = REPLACE(k, char(65304), '8');
UPDATE case_keys_00024 SET k = REPLACE(k, char(65305), '9');
UPDATE case_keys_00024 SET k = REPLACE(k, char(65306), ':');
UPDATE case_keys_00024 SET k = REPLACE(k, char(65307), ';');
UPDATE case_keys_00024 SET k = REPLACE(k, char(65308), '<');
UPDATE case_keys_00024 SET k = REPLACE(k, char(65309), '=');
UPDATE case_keys_00024 SET k = REPLACE(k, char(65310), '>');
UPDATE case_keys_00024 SET k = REPLACE(k, char(65311), '?');
UPDATE case_keys_00024 SET k = REPLACE(k, char(65312), '@');
UPDATE case_keys_00024 SET k = REPLACE(k, char(65313), 'A');
UPDATE case_keys_00024 SET k = REPLACE(k, char(65314), 'B');
UPDATE case_keys_00024 SET k = REPLACE(k, char(65315), 'C');
UPDATE case_keys_00024 SET k = REPLACE(k, char(65316), 'D');
UPDATE case_keys_00024 SET k = REPLACE(k, char(65317), 'E');
UPDATE case_keys_00024 SET k = REPLACE(k, char(65318), 'F');
UPDATE case_keys_00024 SET k = REPLACE(k, char(65319), 'G');
UPDATE case_keys_00024 SET k = REPLACE(k, char(65320), 'H');
UPDATE case_keys_00024 SET k = REPLACE(k, char(65321), 'I');
UPDATE case_keys_00024 SET k = REPLACE(k, char(65322), 'J');
UPDATE case_keys_00024 SET k = REPLACE(k, char(65323), 'K');
UPDATE case_keys_00024 SET k = REPLACE(k, char(65324), 'L');
UPDATE case_keys_00024 SET k = REPLACE(k, char(65325), 'M');
UPDATE case_keys_00024 SET k = REPLACE(k, char(65326), 'N');
UPDATE case_keys_00024 SET k = REPLACE(k, char(65327), 'O');
UPDATE case_keys_00024 SET k = REPLACE(k, char(65328), 'P');
UPDATE case_keys_00024 SET k = REPLACE(k, char(65329), 'Q');
UPDATE case_keys_00024 SET k = REPLACE(k, char(65330), 'R');
UPDATE case_keys_00024 SET k = REPLACE(k, char(65331), 'S');
UPDATE case_keys_00024 SET k = REPLACE(k, char(65332), 'T');
UPDATE case_keys_00024 SET k = REPLACE(k, char(65333), 'U');
UPDATE case_keys_00024 SET k = REPLACE(k, char(65334), 'V');
UPDATE case_keys_00024 SET k = REPLACE(k, char(65335), 'W');
UPDATE case_keys_00024 SET k = REPLACE(k, char(65336), 'X');
UPDATE case_keys_00024 SET k = REPLACE(k, char(65337), 'Y');
UPDATE case_keys_00024 SET k = REPLACE(k, char(65338), 'Z');
UPDATE case_keys_00024 SET k = REPLACE(k, char(65339), '[');
UPDATE case_keys_00024 SET k = REPLACE(k, char(65340), '\');
UPDATE case_keys_00024 SET k = REPLACE(k, char(65341), ']');
UPDATE case_keys_00024 SET k = REPLACE(k, char(65342), '^');
UPDATE case_keys_00024 SET k = REPLACE(k, char(65343), '_');
UPDATE case_keys_00024 SET k = REPLACE(k, char(65344), '`');
UPDATE case_keys_00024 SET k = REPLACE(k, char(65345), 'a');
UPDATE case_keys_00024 SET k = REPLACE(k, char(65346), 'b');
UPDATE case_keys_00024 SET k = REPLACE(k, char(65347), 'c');
UPDATE case_keys_00024 SET k = REPLACE(k, char(65348), 'd');
UPDATE case_keys_00024 SET k = REPLACE(k, char(65349), 'e');
UPDATE case_keys_00024 SET k = REPLACE(k, char(65350), 'f');
UPDATE case_keys_00024 SET k = REPLACE(k, char(65351), 'g');
UPDATE case_keys_00024 SET k = REPLACE(k, char(65352), 'h');
UPDATE case_keys_00024 SET k = REPLACE(k, char(65353), 'i');
UPDATE case_keys_00024 SET k = REPLACE(k, char(65354), 'j');
UPDATE case_keys_00024 SET k = REPLACE(k, char(65355), 'k');
UPDATE case_keys_00024 SET k = REPLACE(k, char(65356), 'l');
UPDATE case_keys_00024 SET k = REPLACE(k, char(65357), 'm');
UPDATE case_keys_00024 SET k = REPLACE(k, char(65358), 'n');
UPDATE case_keys_00024 SET k = REPLACE(k, char(65359), 'o');
UPDATE case_keys_00024 SET k = REPLACE(k, char(65360), 'p');
UPDATE case_keys_00024 SET k = REPLACE(k, char(65361), 'q');
UPDATE case_keys_00024 SET k = REPLACE(k, char(65362), 'r');
UPDATE case_keys_00024 SET k = REPLACE(k, char(65363), 's');
UPDATE case_keys_00024 SET k = REPLACE(k, char(65364), 't');
UPDATE case_keys_00024 SET k = REPLACE(k, char(65365), 'u');
UPDATE case_keys_00024 SET k = REPLACE(k, char(65366), 'v');
UPDATE case_keys_00024 SET k = REPLACE(k, char(65367), 'w');
UPDATE case_keys_00024 SET k = REPLACE(k, char(65368), 'x');
UPDATE case_keys_00024 SET k = REPLACE(k, char(65369), 'y');
UPDATE case_keys_00024 SET k = REPLACE(k, char(65370), 'z');
UPDATE case_keys_00024 SET k = REPLACE(k, char(65371), '{');
UPDATE case_keys_00024 SET k = REPLACE(k, char(65372), '|');
UPDATE case_keys_00024 SET k = REPLACE(k, char(65373), '}');
UPDATE case_keys_00024 SET k = REPLACE(k, char(65374), '~');

UPDATE case_keys_00024 SET k = LOWER(TRIM(k));

UPDATE case_keys_00024 SET keeper = 1
WHERE (src, id) IN (SELECT src, MIN(id) FROM case_keys_00024 GROUP BY src, grp, k);

-- A case reference of only format characters names no case.
UPDATE credit_records SET case_key = NULL
WHERE id IN (SELECT id FROM case_keys_00024 WHERE src = 'credit' AND k = '');

UPDATE enterprises SET valid_until = rated_at
WHERE id IN (
    SELECT c.enterprise_id FROM credit_records c JOIN case_keys_00024 k ON k.src = 'credit' AND k.id = c.id
    WHERE k.keeper = 0 AND k.k <> '' AND c.revoked_at IS NULL);

UPDATE credit_records SET revoked_at = strftime('%Y-%m-%d %H:%M:%f', 'now')
WHERE revoked_at IS NULL AND id IN (SELECT id FROM case_keys_00024 WHERE src = 'credit' AND keeper = 0 AND k <> '');

UPDATE credit_records SET case_key = NULL
WHERE id IN (SELECT id FROM case_keys_00024 WHERE src = 'credit' AND keeper = 0);

UPDATE credit_records SET case_key = (SELECT k FROM case_keys_00024 WHERE src = 'credit' AND id = credit_records.id)
WHERE id IN (SELECT id FROM case_keys_00024 WHERE src = 'credit' AND keeper = 1 AND k <> '');

-- Copies first, so that no key is held twice on the way.
UPDATE point_transactions SET idem = (
    SELECT grp || '/' || k || '#' || id FROM case_keys_00024 WHERE src = 'deduct' AND id = point_transactions.id)
WHERE id IN (SELECT id FROM case_keys_00024 WHERE src = 'deduct' AND keeper = 0);

UPDATE point_transactions SET idem = (
    SELECT grp || '/' || k FROM case_keys_00024 WHERE src = 'deduct' AND id = point_transactions.id)
WHERE id IN (SELECT id FROM case_keys_00024 WHERE src = 'deduct' AND keeper = 1);

DROP TABLE case_keys_00024;

-- +goose Down
-- Revoked copies stay revoked; the keys go back to the text as entered.
UPDATE credit_records SET case_key = case_ref WHERE case_key IS NOT NULL;
UPDATE point_transactions SET idem = resident_id || '/' || case_ref WHERE kind = 'deduct' AND case_ref IS NOT NULL;
