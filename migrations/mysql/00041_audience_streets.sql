-- +goose Up
-- The streets each notice's and survey's audience reaches: see the SQLite
-- migration.
CREATE TABLE notice_streets (
    notice_id BIGINT NOT NULL,
    street    VARCHAR(32) NOT NULL,
    PRIMARY KEY (notice_id, street),
    CONSTRAINT notice_streets_notice FOREIGN KEY (notice_id) REFERENCES notices (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
CREATE TABLE survey_streets (
    survey_id BIGINT NOT NULL,
    street    VARCHAR(32) NOT NULL,
    PRIMARY KEY (survey_id, street),
    CONSTRAINT survey_streets_survey FOREIGN KEY (survey_id) REFERENCES surveys (id) ON DELETE CASCADE
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- +goose Down
DROP TABLE survey_streets;
DROP TABLE notice_streets;
