package dev.orderlock.demo.order;

import java.util.Map;

import dev.orderlock.OrderLockLeaseLostException;
import dev.orderlock.demo.web.ApiException;

import org.springframework.http.HttpStatus;

/**
 * 503 {@code LOCK_LOST}: the order's lock was lost before this call's change committed, so nothing of it did; the
 * caller may try again. Never a success, never a 500 (issue 15: answers agree with the database).
 */
class OrderLockLostException extends ApiException {

	private final long orderId;

	OrderLockLostException(long orderId, OrderLockLeaseLostException cause) {
		super(HttpStatus.SERVICE_UNAVAILABLE, "LOCK_LOST", "The lock of order " + orderId + " was lost before the "
				+ "change committed, so the order was not changed. Try again.");
		this.orderId = orderId;
		initCause(cause);
	}

	@Override
	public Map<String, Object> getProperties() {
		return Map.of("orderId", this.orderId);
	}

}
