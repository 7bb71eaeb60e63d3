package dev.orderlock.test;

import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.function.Supplier;

import dev.orderlock.OrderLock;

import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.stereotype.Service;
import org.springframework.transaction.annotation.Transactional;

/**
 * A tiny guarded service: what a user's order service looks like to the kit.
 */
@Service
public class Orders {

	private final AtomicInteger paymentsRun = new AtomicInteger();

	private final JdbcTemplate jdbc;

	Orders(JdbcTemplate jdbc) {
		this.jdbc = jdbc;
	}

	@OrderLock(key = "#orderId")
	public String pay(String orderId) {
		this.paymentsRun.incrementAndGet();
		OrderLockAssertions.assertHeld(orderId);
		return "paid " + orderId;
	}

	/** Guarded, asserting a key it does not hold. */
	@OrderLock(key = "#orderId")
	public void payAssertingAnother(String orderId, String other) {
		OrderLockAssertions.assertHeld(other);
	}

	/** Not guarded at all (the mistake the assertions are for). */
	public void payUnguarded(String orderId) {
		OrderLockAssertions.assertHeld(orderId);
	}

	/** Guarded; returns what {@code inside} says while it runs under the lock. */
	@OrderLock(key = "#orderId")
	public <T> T payAndThen(String orderId, Supplier<T> inside) {
		return inside.get();
	}

	/** Not guarded, and asserting nothing. */
	public String payPlainly(String orderId) {
		return "paid " + orderId;
	}

	/** Guarded by a lock that is not the order's (a wrong key expression). */
	@OrderLock(key = "'audit'")
	public void payUnderTheWrongKey(String orderId) {
	}

	/** Guarded; runs until {@code proceed} opens, having said it entered. */
	@OrderLock(key = "#orderId")
	public String payWhenTold(String orderId, CountDownLatch entered, CountDownLatch proceed) throws InterruptedException {
		entered.countDown();
		if (!proceed.await(30, TimeUnit.SECONDS)) {
			throw new IllegalStateException("never told to proceed");
		}
		return "paid " + orderId;
	}

	/** Guarded and transactional: the lock outlives the commit, checked right before it. */
	@OrderLock(key = "#orderId")
	@Transactional
	public void record(String orderId) {
		this.jdbc.update("insert into payments (order_id) values (?)", orderId);
	}

	/** How many times {@link #pay}'s body ran. */
	public int paymentsRun() {
		return this.paymentsRun.get();
	}

	public int recorded(String orderId) {
		return this.jdbc.queryForObject("select count(*) from payments where order_id = ?", Integer.class, orderId);
	}

}
