-- The fencing token of the last holder of the order's lock that changed its status (0: none yet). A status write
-- carries its holder's token and only lands if it is larger, so a holder paused past its lease cannot overwrite a
-- newer holder's write. Portable between H2 and PostgreSQL.
alter table orders add column fence bigint default 0 not null;
