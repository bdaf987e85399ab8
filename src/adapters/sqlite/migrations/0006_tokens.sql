-- Schema version 6: tokens can expire and be revoked, record when they were last used, and
-- lose the accounts whose Customer was deleted (docs/security.md, "Tokens").
ALTER TABLE api_token ADD COLUMN expires_at INTEGER;  -- epoch milliseconds; NULL: never
ALTER TABLE api_token ADD COLUMN last_used INTEGER;   -- epoch milliseconds; NULL: never used
ALTER TABLE api_token ADD COLUMN revoked_at INTEGER;  -- epoch milliseconds; NULL: not revoked
-- JSON array of the accounts whose Customer has not been seen yet. Tokens issued before this
-- version were never checked against Customers, so all their accounts start pending: an account
-- becomes confirmed the first time the token is used while its Customer exists.
ALTER TABLE api_token ADD COLUMN pending_accounts TEXT NOT NULL DEFAULT '[]';
UPDATE api_token SET pending_accounts = accounts;
