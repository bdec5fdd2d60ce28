-- +goose Up
-- Issue 25 (part): the knowledge base (知识库), an answer quoting one of
-- its entries, and duplicates merged into a main request.

-- Knowledge entries: a question and its answer, kept by a department (NULL:
-- the district's), shown to residents once published and while valid.
CREATE TABLE knowledge_entries (
    id            BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    department_id BIGINT NULL,
    question      VARCHAR(200) NOT NULL,
    answer        TEXT NOT NULL,
    category      VARCHAR(32) NOT NULL DEFAULT '',
    source        VARCHAR(200) NOT NULL DEFAULT '',
    valid_until   VARCHAR(10) NULL,
    status        VARCHAR(16) NOT NULL,
    version       BIGINT NOT NULL DEFAULT 1,
    created_by    BIGINT NOT NULL DEFAULT 0,
    updated_by    BIGINT NOT NULL DEFAULT 0,
    created_at    DATETIME(6) NOT NULL,
    updated_at    DATETIME(6) NOT NULL,
    KEY knowledge_entries_status (status, category),
    KEY knowledge_entries_department (department_id, id),
    CONSTRAINT knowledge_entries_dept FOREIGN KEY (department_id) REFERENCES departments (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- The knowledge entry an answer quotes; the main request a duplicate was
-- merged into, when, and when its resident was told.
ALTER TABLE requests ADD COLUMN knowledge_id BIGINT NULL;
ALTER TABLE requests ADD COLUMN merged_into BIGINT NULL;
ALTER TABLE requests ADD COLUMN merged_at DATETIME(6) NULL;
ALTER TABLE requests ADD COLUMN merge_noticed_at DATETIME(6) NULL;
CREATE INDEX requests_merged ON requests (merged_into);

-- +goose Down
DROP INDEX requests_merged ON requests;
ALTER TABLE requests DROP COLUMN merge_noticed_at;
ALTER TABLE requests DROP COLUMN merged_at;
ALTER TABLE requests DROP COLUMN merged_into;
ALTER TABLE requests DROP COLUMN knowledge_id;
DROP TABLE knowledge_entries;
