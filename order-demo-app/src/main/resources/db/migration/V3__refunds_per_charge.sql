-- A refund names the charge it gives back, and the database allows one refund per charge: two callers compensating
-- the same charge (a cancel, and the paused payment that made it) cannot refund it twice. Unique indexes allow any
-- number of NULLs (charges) on H2 and PostgreSQL alike.
alter table ledger_entries add column refund_of bigint references ledger_entries (id);
create unique index ledger_entries_refund_of on ledger_entries (refund_of);

-- The charge a paid order was paid with: a payment that lost its lock refunds its own charge unless it is this one.
alter table orders add column paid_with bigint references ledger_entries (id);
