-- +goose Up
-- The MySQL migration widens subscription_events.result for WeChat's
-- "acceptWithAudio" and "acceptWithAlert"; SQLite's TEXT needs no change.
SELECT 1;

-- +goose Down
UPDATE subscription_events SET result = 'accept' WHERE result IN ('acceptWithAudio', 'acceptWithAlert');
