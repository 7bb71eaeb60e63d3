package dev.orderlock;

import java.util.List;
import java.util.OptionalLong;

/**
 * The lock a piece of work runs under, as {@link LockCallback} and asynchronous work see it. Never fails.
 */
public interface OrderLockStatus {

	/** The keys locked, canonical (sorted, distinct), without the prefix. */
	List<String> keys();

	/**
	 * The fencing token of a {@linkplain LockRequest#fenced(boolean) fenced} lock: larger than every token handed out
	 * for the same order before, also across Redis losing its data (a flush, a restart without persistence), unless
	 * the Redis clock stepped back. Empty for a lock without one.
	 */
	OptionalLong fencingToken();

}
