package dev.orderlock.demo.order;

import java.sql.ResultSet;
import java.sql.SQLException;
import java.time.Instant;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.List;
import java.util.Optional;
import java.util.OptionalLong;

import org.jspecify.annotations.Nullable;

import org.springframework.jdbc.core.simple.JdbcClient;
import org.springframework.jdbc.support.GeneratedKeyHolder;
import org.springframework.jdbc.support.KeyHolder;
import org.springframework.stereotype.Repository;

/**
 * The orders table, one short statement per call (auto-commit): nothing here keeps a transaction or a row lock
 * open, in particular not across a gateway call.
 */
@Repository
class OrderRepository {

	private final JdbcClient jdbc;

	OrderRepository(JdbcClient jdbc) {
		this.jdbc = jdbc;
	}

	Order insert(String customerId, long amountCents, Instant now) {
		KeyHolder keys = new GeneratedKeyHolder();
		this.jdbc
			.sql("insert into orders (customer_id, amount_cents, status, created_at, updated_at) values (?, ?, ?, ?, ?)")
			.params(customerId, amountCents, OrderStatus.PENDING_PAYMENT.name(), utc(now), utc(now))
			.update(keys, "id");
		long id = keys.getKeyAs(Long.class);
		return new Order(id, customerId, amountCents, OrderStatus.PENDING_PAYMENT, now, now);
	}

	Optional<Order> find(long id) {
		return this.jdbc.sql("select * from orders where id = ?").param(id).query(OrderRepository::map).optional();
	}

	/**
	 * Writes the new status (and, for {@code PAID}, the charge it was paid with), trusting the status read a moment
	 * ago: safe only while the order's lock is held; that is the point of the demo. With the lock's fencing token,
	 * the write lands only if no later holder of the lock has written since (the token is larger than the stored
	 * {@code fence}); without one (lock switched off), it is unconditional.
	 * @return whether the row was written
	 */
	boolean updateStatus(Order order, OrderStatus status, @Nullable Long paidWith, Instant now, OptionalLong fence) {
		if (fence.isEmpty()) {
			return this.jdbc.sql("update orders set status = ?, paid_with = ?, updated_at = ? where id = ?")
				.params(status.name(), paidWith, utc(now), order.id())
				.update() == 1;
		}
		long token = fence.getAsLong();
		return this.jdbc
			.sql("update orders set status = ?, paid_with = ?, updated_at = ?, fence = ? where id = ? and fence < ?")
			.params(status.name(), paidWith, utc(now), token, order.id(), token)
			.update() == 1;
	}

	/** The charge a paid order was paid with, empty for any other order. */
	OptionalLong paidWith(long id) {
		return this.jdbc.sql("select paid_with from orders where id = ?").param(id).query((rs, row) -> {
			long charge = rs.getLong(1);
			return rs.wasNull() ? OptionalLong.empty() : OptionalLong.of(charge);
		}).single();
	}

	/** The fencing token of the last fenced status write, 0 before any. */
	long fence(long id) {
		return this.jdbc.sql("select fence from orders where id = ?").param(id).query(Long.class).single();
	}

	List<Long> findIdsByStatusCreatedBefore(OrderStatus status, Instant cutoff, int limit) {
		return this.jdbc.sql("select id from orders where status = ? and created_at < ? order by created_at limit ?")
			.params(status.name(), utc(cutoff), limit)
			.query(Long.class)
			.list();
	}

	private static OffsetDateTime utc(Instant instant) {
		return instant.atOffset(ZoneOffset.UTC);
	}

	private static Order map(ResultSet rs, int row) throws SQLException {
		return new Order(rs.getLong("id"), rs.getString("customer_id"), rs.getLong("amount_cents"),
				OrderStatus.valueOf(rs.getString("status")),
				rs.getObject("created_at", OffsetDateTime.class).toInstant(),
				rs.getObject("updated_at", OffsetDateTime.class).toInstant());
	}

}
