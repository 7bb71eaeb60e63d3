create table payments (order_id varchar(64) not null);
