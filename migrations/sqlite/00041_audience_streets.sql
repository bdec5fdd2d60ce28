-- +goose Up
-- The streets each notice's and survey's audience reaches (its streets with
-- those of its communities; '' for every street), written with the notice
-- or survey, so that a street-limited member's lists are filtered, paged
-- and counted in SQL (staff.Reach). The server fills them for the rows
-- already there when it starts (notify.FillReach, surveys.FillReach).
CREATE TABLE notice_streets (
    notice_id INTEGER NOT NULL REFERENCES notices (id) ON DELETE CASCADE,
    street    VARCHAR(32) NOT NULL,
    PRIMARY KEY (notice_id, street)
);
CREATE TABLE survey_streets (
    survey_id INTEGER NOT NULL REFERENCES surveys (id) ON DELETE CASCADE,
    street    VARCHAR(32) NOT NULL,
    PRIMARY KEY (survey_id, street)
);

-- +goose Down
DROP TABLE survey_streets;
DROP TABLE notice_streets;
