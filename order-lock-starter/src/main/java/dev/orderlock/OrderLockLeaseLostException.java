package dev.orderlock;

import org.jspecify.annotations.Nullable;

/**
 * The lock of an order was no longer held by the call that took it: its lease expired while the code ran (the
 * watchdog could not renew it, a fixed {@code leaseTime} was too short, or {@code maxHoldTime} was reached), so
 * another instance may have changed the same order at the same time. The integrity of the data this lock protects
 * may have been compromised.
 * <p>
 * When a transaction was bound to the lock, this is thrown before the commit and the transaction is rolled back.
 * Without one, the code has already run and its effects stand; this exception replaces its result so that the
 * caller does not report success. If the code itself failed, its exception is kept and this one is added to it as
 * suppressed.
 */
public class OrderLockLeaseLostException extends OrderLockException {

	private final String key;

	public OrderLockLeaseLostException(String key, String message, @Nullable Throwable cause) {
		super(message, cause);
		this.key = key;
	}

	/** The resolved key (without the prefix), e.g. the order id. */
	public String getKey() {
		return this.key;
	}

}
