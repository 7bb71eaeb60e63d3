package dev.orderlock;

/**
 * Redis could not be reached (or answered with an error) while acquiring the lock of an order; the guarded method
 * did not run. Distinct from {@link OrderLockTimeoutException}: the order may well be free, but nobody can tell.
 * Usually answered as HTTP 503. How long the caller waits for an unreachable Redis is bounded by
 * {@code order-lock.redis-timeout} (1 s unless set; the wait time counts only once Redis has said the order is busy),
 * or, set to 0, Redisson's {@code timeout}, {@code retryAttempts} and {@code retryDelay}. Also thrown when the
 * lock's ownership cannot be confirmed before a commit: the method ran, and its transaction was rolled back.
 */
public class OrderLockUnavailableException extends OrderLockException {

	private final String key;

	public OrderLockUnavailableException(String key, String message, Throwable cause) {
		super(message, cause);
		this.key = key;
	}

	/** The resolved key (without the prefix), e.g. the order id. */
	public String getKey() {
		return this.key;
	}

}
