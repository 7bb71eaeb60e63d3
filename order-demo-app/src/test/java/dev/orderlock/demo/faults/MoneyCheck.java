package dev.orderlock.demo.faults;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.jdbc.support.GeneratedKeyHolder;
import org.springframework.jdbc.support.KeyHolder;

/**
 * The invariant read from the database after a fault, for every order: never {@code CANCELLED} with money held,
 * {@code PAID} only with exactly its amount held (one net charge), and no money held for an order still awaiting
 * payment (an interrupted payment must have been resolved). "Held" is charges minus refunds in the ledger, which is
 * what the bank saw, whatever the order's status claims.
 */
final class MoneyCheck {

	private MoneyCheck() {
	}

	record Outcome(long orderId, String status, long amountCents, long heldCents) {
	}

	static List<Outcome> outcomes(JdbcClient jdbc) {
		return jdbc.sql("""
				select o.id, o.status, o.amount_cents,
				       coalesce(sum(case when l.type = 'CHARGE' then l.amount_cents else -l.amount_cents end), 0) held
				from orders o left join ledger_entries l on l.order_id = o.id
				group by o.id, o.status, o.amount_cents
				order by o.id""")
			.query((rs, row) -> new Outcome(rs.getLong(1), rs.getString(2), rs.getLong(3), rs.getLong(4)))
			.list();
	}

	static Outcome outcome(JdbcClient jdbc, long orderId) {
		return outcomes(jdbc).stream()
			.filter((outcome) -> outcome.orderId() == orderId)
			.findFirst()
			.orElseThrow(() -> new IllegalStateException("No order " + orderId));
	}

	/** One line per order that breaks the invariant; empty when the money is right. */
	static List<String> violations(JdbcClient jdbc) {
		List<String> violations = new ArrayList<>();
		for (Outcome outcome : outcomes(jdbc)) {
			long expected = outcome.status().equals("PAID") ? outcome.amountCents() : 0;
			if (outcome.heldCents() != expected) {
				violations.add("order " + outcome.orderId() + " is " + outcome.status() + " with " + outcome.heldCents()
						+ " cents held (expected " + expected + ")");
			}
		}
		return violations;
	}

	/** How many orders end in each status. */
	static Map<String, Long> statuses(JdbcClient jdbc) {
		Map<String, Long> counts = new TreeMap<>();
		jdbc.sql("select status, count(*) from orders group by status")
			.query((rs, row) -> counts.put(rs.getString(1), rs.getLong(2)))
			.list();
		return counts;
	}

	/** Inserts {@code count} unpaid orders directly (faster than HTTP for thousands); returns their ids. */
	static List<Long> createOrders(JdbcClient jdbc, int count, long amountCents) {
		List<Long> ids = new ArrayList<>();
		for (int i = 0; i < count; i++) {
			KeyHolder keys = new GeneratedKeyHolder();
			jdbc.sql("""
					insert into orders (customer_id, amount_cents, status, created_at, updated_at)
					values ('fault-suite', ?, 'PENDING_PAYMENT', current_timestamp, current_timestamp)""")
				.param(amountCents)
				.update(keys, "id");
			ids.add(keys.getKeyAs(Long.class));
		}
		return ids;
	}

}
