package dev.orderlock;

import dev.orderlock.interceptor.LockOperationSource;
import org.jspecify.annotations.Nullable;

/**
 * The rules for which lock options go together, in one place: used by {@link LockRequest} for every call and by
 * {@link LockOperationSource} at start-up, where a key of several orders is known only from its type.
 */
public final class OrderLockOptions {

	private OrderLockOptions() {
	}

	/** Why the options cannot work together and what to change, or {@code null} when they can. */
	public static @Nullable Conflict conflict(LockKind kind, boolean fenced, boolean fixedLease, boolean severalOrders) {
		if (fenced && kind != LockKind.EXCLUSIVE) {
			return new Conflict("is fenced with kind = " + kind + ", but only the exclusive lock hands out fencing "
					+ "tokens (Redisson's RFencedLock has no fair or read/write form)",
					"Remove fenced = true, or kind = " + kind + ".");
		}
		if (fenced && severalOrders) {
			return new Conflict("locks several orders with fenced = true, but a fencing token belongs to one order",
					"Remove fenced = true, or lock and write each order in its own fenced call.");
		}
		if (fixedLease && severalOrders) {
			return new Conflict("locks several orders with a fixed leaseTime, which would start at each lock's own "
					+ "acquisition", "Remove leaseTime (the watchdog renews every lock); cap the hold with "
							+ "maxHoldTime instead.");
		}
		return null;
	}

	/** A combination that cannot work: what is wrong, and the fix. */
	public record Conflict(String problem, String action) {

		@Override
		public String toString() {
			return this.problem + ". " + this.action;
		}

	}

}
