package dev.orderlock.demo.payment;

import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;

import org.springframework.dao.DuplicateKeyException;
import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.jdbc.support.GeneratedKeyHolder;
import org.springframework.jdbc.support.KeyHolder;
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

	Charge recordCharge(long orderId, long amountCents, Instant at) {
		KeyHolder keys = new GeneratedKeyHolder();
		this.jdbc.sql("insert into ledger_entries (order_id, type, amount_cents, at) values (?, ?, ?, ?)")
			.params(orderId, LedgerEntryType.CHARGE.name(), amountCents, at.atOffset(ZoneOffset.UTC))
			.update(keys, "id");
		return new Charge(keys.getKeyAs(Long.class), amountCents);
	}

	/**
	 * Records the refund of a charge, unless it was refunded already: the unique {@code refund_of} makes a second
	 * refund of one charge impossible, whoever attempts it and whenever.
	 * @return whether this call refunded it
	 */
	boolean recordRefund(long orderId, Charge charge, Instant at) {
		try {
			this.jdbc
				.sql("insert into ledger_entries (order_id, type, amount_cents, at, refund_of) values (?, ?, ?, ?, ?)")
				.params(orderId, LedgerEntryType.REFUND.name(), charge.amountCents(), at.atOffset(ZoneOffset.UTC),
						charge.id())
				.update();
			return true;
		}
		catch (DuplicateKeyException ex) {
			return false;
		}
	}

	/** The order's charges that no refund names yet, oldest first: the money still held for it, charge by charge. */
	public List<Charge> unrefundedCharges(long orderId) {
		return this.jdbc.sql("""
				select c.id, c.amount_cents from ledger_entries c
				where c.order_id = ? and c.type = 'CHARGE'
				  and not exists (select 1 from ledger_entries r where r.refund_of = c.id)
				order by c.id""")
			.param(orderId)
			.query((rs, row) -> new Charge(rs.getLong("id"), rs.getLong("amount_cents")))
			.list();
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
