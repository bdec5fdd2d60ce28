-- +goose Up
-- A reward's and an activity's picture (public content): the stored
-- picture and its thumbnail, each under a key of its own that a new upload
-- never reuses (so its URL can be cached for good); NULL: no picture.
ALTER TABLE rewards ADD COLUMN image_key TEXT;
ALTER TABLE rewards ADD COLUMN thumb_key TEXT;
ALTER TABLE activities ADD COLUMN image_key TEXT;
ALTER TABLE activities ADD COLUMN thumb_key TEXT;

-- +goose Down
ALTER TABLE activities DROP COLUMN thumb_key;
ALTER TABLE activities DROP COLUMN image_key;
ALTER TABLE rewards DROP COLUMN thumb_key;
ALTER TABLE rewards DROP COLUMN image_key;
