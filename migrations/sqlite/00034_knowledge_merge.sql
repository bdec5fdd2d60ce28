-- +goose Up
-- Issue 25 (part): the knowledge base (知识库), an answer quoting one of
-- its entries, and duplicates merged into a main request.

-- Knowledge entries: a question and its answer, kept by a department (NULL:
-- the district's), shown to residents once published and while valid.
CREATE TABLE knowledge_entries (
    id            INTEGER PRIMARY KEY AUTOINCREMENT,
    department_id INTEGER REFERENCES departments (id),
    question      TEXT NOT NULL,
    answer        TEXT NOT NULL,
    category      TEXT NOT NULL DEFAULT '',
    source        TEXT NOT NULL DEFAULT '',
    valid_until   TEXT,
    status        TEXT NOT NULL,
    version       INTEGER NOT NULL DEFAULT 1,
    created_by    INTEGER NOT NULL DEFAULT 0,
    updated_by    INTEGER NOT NULL DEFAULT 0,
    created_at    DATETIME NOT NULL,
    updated_at    DATETIME NOT NULL
);
CREATE INDEX knowledge_entries_status ON knowledge_entries (status, category);
CREATE INDEX knowledge_entries_department ON knowledge_entries (department_id, id);

-- The knowledge entry an answer quotes; the main request a duplicate was
-- merged into, when, and when its resident was told.
ALTER TABLE requests ADD COLUMN knowledge_id INTEGER;
ALTER TABLE requests ADD COLUMN merged_into INTEGER;
ALTER TABLE requests ADD COLUMN merged_at DATETIME;
ALTER TABLE requests ADD COLUMN merge_noticed_at DATETIME;
CREATE INDEX requests_merged ON requests (merged_into);

-- +goose Down
DROP INDEX requests_merged;
ALTER TABLE requests DROP COLUMN merge_noticed_at;
ALTER TABLE requests DROP COLUMN merged_at;
ALTER TABLE requests DROP COLUMN merged_into;
ALTER TABLE requests DROP COLUMN knowledge_id;
DROP TABLE knowledge_entries;
