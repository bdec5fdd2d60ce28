-- +goose Up
-- A request photo's thumbnail (about 320 px, JPEG), made on upload; NULL
-- for photos uploaded before, whose thumbnail link serves the photo.
ALTER TABLE request_photos ADD COLUMN thumb_key VARCHAR(128) NULL;
-- A resident's uploaded avatar (256 px, JPEG), served by signed link;
-- NULL when they have none (avatar_url may then hold an https address).
ALTER TABLE residents ADD COLUMN avatar_key VARCHAR(128) NULL;

-- +goose Down
ALTER TABLE residents DROP COLUMN avatar_key;
ALTER TABLE request_photos DROP COLUMN thumb_key;
