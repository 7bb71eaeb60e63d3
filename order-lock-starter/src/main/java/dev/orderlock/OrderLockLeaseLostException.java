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
 * suppressed. {@link #isFoundAtRelease()} tells the two apart for the caller's answer: found at the release, the code
 * had run to its end and what it committed stands (answer its committed outcome, e.g. re-read the order); found
 * before a commit or by {@link OrderLockContext#checkStillHeld()}, the commit did not happen, or the step was not
 * taken.
 */
public class OrderLockLeaseLostException extends OrderLockException {

	private final String key;

	private final boolean foundAtRelease;

	public OrderLockLeaseLostException(String key, String message, @Nullable Throwable cause) {
		this(key, message, cause, false);
	}

	public OrderLockLeaseLostException(String key, String message, @Nullable Throwable cause,
			boolean foundAtRelease) {
		super(message, cause);
		this.key = key;
		this.foundAtRelease = foundAtRelease;
	}

	/**
	 * Whether the loss was found only when the lock was released, after the guarded code had run to its end: its
	 * effects, transactions it committed under the lock included, stand. {@code false} when it was found before a
	 * commit (rolled back) or by {@link OrderLockContext#checkStillHeld()}.
	 */
	public boolean isFoundAtRelease() {
		return this.foundAtRelease;
	}

	/** The resolved key (without the prefix), e.g. the order id. */
	public String getKey() {
		return this.key;
	}

}
