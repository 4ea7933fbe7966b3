-- Convenience fees: card 2.9% + 0.30, bank account a flat 1.00 (USD), and
-- rules for the other demo currencies, some with a minimum or maximum.
INSERT INTO fee_rules (method, currency, percent_bp, fixed, min_fee, max_fee) VALUES
	('card', 'USD', 290, 30, NULL, NULL),
	('bank_account', 'USD', 0, 100, NULL, NULL),
	('card', 'JPY', 360, 0, 50, NULL),
	('bank_account', 'JPY', 0, 150, NULL, NULL),
	('card', 'EUR', 250, 25, NULL, 2500),
	('bank_account', 'EUR', 80, 0, 50, 500),
	('card', 'KWD', 290, 100, NULL, NULL);
