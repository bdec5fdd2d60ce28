-- +goose Up
-- 民意速办 as the district's work order (issue 25): the dispatch centre
-- (分拨中心) dispatches what the responsibility list (职责清单, the routing
-- table) cannot place or a unit returns; units sign for (签收) what reaches
-- them, return it (退单), ask for extensions (延期), are urged (催办) and
-- supervised (督办); the centre calls residents back (回访) before 办结.

-- Per category: the sign-for limit in working hours (default one working
-- day of 9 hours) and the dispatch guide's text (分拨指引).
ALTER TABLE request_categories ADD COLUMN sign_hours INT NOT NULL DEFAULT 9;
ALTER TABLE request_categories ADD COLUMN guide TEXT NOT NULL DEFAULT '';

-- The responsibility list: a lead unit (department_id) and an optional
-- assisting unit (协办) per category and street.
ALTER TABLE request_routes ADD COLUMN assist_department_id BIGINT NULL;

ALTER TABLE requests
    ADD COLUMN assist_department_id BIGINT NULL,
    ADD COLUMN sign_deadline_at DATETIME(6) NULL,
    ADD COLUMN signed_at DATETIME(6) NULL,
    ADD COLUMN urges INT NOT NULL DEFAULT 0,
    ADD COLUMN auto_urged_for DATETIME(6) NULL,
    ADD COLUMN extended_days INT NOT NULL DEFAULT 0,
    ADD COLUMN callback_at DATETIME(6) NULL,
    ADD COLUMN callback_result VARCHAR(16) NOT NULL DEFAULT '',
    ADD COLUMN redone INT NOT NULL DEFAULT 0;

-- Each time a request reaches a unit as its lead (routed, dispatched,
-- transferred, a return refused): when, the sign-for deadline, when it was
-- signed for and when it left. The sign-for rate counts these.
CREATE TABLE request_assignments (
    id                BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    request_id        BIGINT NOT NULL,
    department_id     BIGINT NOT NULL,
    street            VARCHAR(32) NOT NULL,
    arrived_at        DATETIME(6) NOT NULL,
    sign_deadline_at  DATETIME(6) NOT NULL,
    signed_at         DATETIME(6) NULL,
    returned          BOOLEAN NOT NULL DEFAULT FALSE,
    left_at           DATETIME(6) NULL,
    INDEX request_assignments_request (request_id, id),
    INDEX request_assignments_unit (department_id, arrived_at),
    INDEX request_assignments_arrived (arrived_at),
    CONSTRAINT request_assignments_request FOREIGN KEY (request_id) REFERENCES requests (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- Returns (退单): a unit's reason from the fixed list and its text; the
-- centre re-dispatches (approved) or refuses them.
CREATE TABLE request_returns (
    id            BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    request_id    BIGINT NOT NULL,
    department_id BIGINT NOT NULL,
    reason_code   VARCHAR(32) NOT NULL,
    reason        VARCHAR(500) NOT NULL DEFAULT '',
    from_status   VARCHAR(16) NOT NULL,
    status        VARCHAR(16) NOT NULL,
    requested_by  BIGINT NOT NULL,
    created_at    DATETIME(6) NOT NULL,
    decided_by    BIGINT NULL,
    decided_at    DATETIME(6) NULL,
    note          VARCHAR(500) NOT NULL DEFAULT '',
    INDEX request_returns_request (request_id, department_id),
    INDEX request_returns_status (status, created_at),
    CONSTRAINT request_returns_request FOREIGN KEY (request_id) REFERENCES requests (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- Extensions (延期申请): working days asked for with a reason; the
-- deadline moves only on approval.
CREATE TABLE request_extensions (
    id            BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    request_id    BIGINT NOT NULL,
    department_id BIGINT NOT NULL,
    days          INT NOT NULL,
    reason        VARCHAR(500) NOT NULL,
    status        VARCHAR(16) NOT NULL,
    requested_by  BIGINT NOT NULL,
    created_at    DATETIME(6) NOT NULL,
    decided_by    BIGINT NULL,
    decided_at    DATETIME(6) NULL,
    note          VARCHAR(500) NOT NULL DEFAULT '',
    old_deadline  DATETIME(6) NOT NULL,
    new_deadline  DATETIME(6) NULL,
    INDEX request_extensions_request (request_id, id),
    INDEX request_extensions_status (status, created_at),
    CONSTRAINT request_extensions_request FOREIGN KEY (request_id) REFERENCES requests (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- Urging (催办, kind urge; auto when the deadline is a working day away)
-- and supervision letters (督办函, kind supervise: an instruction with its
-- own deadline, answered by the unit's head).
CREATE TABLE request_urges (
    id            BIGINT NOT NULL AUTO_INCREMENT PRIMARY KEY,
    request_id    BIGINT NOT NULL,
    department_id BIGINT NOT NULL,
    street        VARCHAR(32) NOT NULL,
    kind          VARCHAR(16) NOT NULL,
    auto          BOOLEAN NOT NULL DEFAULT FALSE,
    instruction   VARCHAR(1000) NOT NULL DEFAULT '',
    due_at        DATETIME(6) NULL,
    created_by    BIGINT NOT NULL DEFAULT 0,
    created_at    DATETIME(6) NOT NULL,
    answer        VARCHAR(2000) NOT NULL DEFAULT '',
    answered_by   BIGINT NULL,
    answered_at   DATETIME(6) NULL,
    INDEX request_urges_request (request_id, id),
    INDEX request_urges_unit (kind, department_id, created_at),
    CONSTRAINT request_urges_request FOREIGN KEY (request_id) REFERENCES requests (id)
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;

-- The centre's settings: how often one unit may return one request, and
-- the share (percent) of satisfied ratings also called back.
CREATE TABLE request_flow_settings (
    id              INT NOT NULL PRIMARY KEY,
    max_returns     INT NOT NULL,
    callback_sample INT NOT NULL,
    updated_at      DATETIME(6) NOT NULL
) ENGINE=InnoDB DEFAULT CHARSET=utf8mb4 COLLATE=utf8mb4_bin;
INSERT INTO request_flow_settings (id, max_returns, callback_sample, updated_at) VALUES (1, 2, 0, UTC_TIMESTAMP(6));

-- +goose Down
DROP TABLE request_flow_settings;
DROP TABLE request_urges;
DROP TABLE request_extensions;
DROP TABLE request_returns;
DROP TABLE request_assignments;
ALTER TABLE requests
    DROP COLUMN redone,
    DROP COLUMN callback_result,
    DROP COLUMN callback_at,
    DROP COLUMN extended_days,
    DROP COLUMN auto_urged_for,
    DROP COLUMN urges,
    DROP COLUMN signed_at,
    DROP COLUMN sign_deadline_at,
    DROP COLUMN assist_department_id;
ALTER TABLE request_routes DROP COLUMN assist_department_id;
ALTER TABLE request_categories DROP COLUMN guide;
ALTER TABLE request_categories DROP COLUMN sign_hours;
