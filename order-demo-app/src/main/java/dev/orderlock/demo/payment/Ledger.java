package dev.orderlock.demo.payment;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;

import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.stereotype.Repository;

/**
 * The ledger table: every charge and refund the gateway made, one row each, never updated. It records what the
 * bank sees, independently of what the order's status claims, which is what makes a wrong outcome visible.
 */
@Repository
public class Ledger {

	private final JdbcClient jdbc;

	Ledger(JdbcClient jdbc) {
		this.jdbc = jdbc;
	}

	void record(long orderId, LedgerEntryType type, long amountCents, Instant at) {
		this.jdbc.sql("insert into ledger_entries (order_id, type, amount_cents, at) values (?, ?, ?, ?)")
			.params(orderId, type.name(), amountCents, at.atOffset(ZoneOffset.UTC))
			.update();
	}

	/** The order's movements, oldest first. */
	public List<LedgerEntry> entriesOf(long orderId) {
		return this.jdbc.sql("select type, amount_cents, at from ledger_entries where order_id = ? order by id")
			.param(orderId)
			.query((rs, row) -> new LedgerEntry(LedgerEntryType.valueOf(rs.getString("type")),
					rs.getLong("amount_cents"), rs.getObject("at", OffsetDateTime.class).toInstant()))
			.list();
	}

	/** Charges minus refunds: the money currently held for the order. */
	public long netChargedCents(long orderId) {
		return entriesOf(orderId).stream().mapToLong(LedgerEntry::signedAmountCents).sum();
	}

}
