package dev.orderlock;

import java.time.Duration;

/**
 * The lock of an order was held by someone else for the whole wait time; the guarded method did not run. Usually
 * answered as "busy, try again" (HTTP 409 or 429), never retried blindly inside the same transaction.
 */
public class OrderLockTimeoutException extends OrderLockException {

	private final String key;

	private final Duration waitTime;

	public OrderLockTimeoutException(String key, Duration waitTime, String message) {
		super(message);
		this.key = key;
		this.waitTime = waitTime;
	}

	/** The resolved key (without the prefix), e.g. the order id. */
	public String getKey() {
		return this.key;
	}

	/** How long the caller waited before giving up. */
	public Duration getWaitTime() {
		return this.waitTime;
	}

}
