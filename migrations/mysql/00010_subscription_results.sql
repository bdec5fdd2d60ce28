-- +goose Up
-- The consent ledger keeps each result as wx.requestSubscribeMessage gave
-- it, and "acceptWithAudio" and "acceptWithAlert" (15 characters) are
-- accepts too.
ALTER TABLE subscription_events MODIFY result VARCHAR(16) NOT NULL;

-- +goose Down
UPDATE subscription_events SET result = 'accept' WHERE result IN ('acceptWithAudio', 'acceptWithAlert');
ALTER TABLE subscription_events MODIFY result VARCHAR(8) NOT NULL;
