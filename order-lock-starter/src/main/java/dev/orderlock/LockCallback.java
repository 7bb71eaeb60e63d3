package dev.orderlock;

import org.jspecify.annotations.Nullable;

/**
 * Work run under an order's lock by {@link OrderLockTemplate#execute(LockRequest, LockCallback)}. It may throw
 * anything it declares; the exception reaches the caller unchanged, after the lock was released (or, inside a
 * transaction, bound to its completion).
 *
 * @param <T> the result
 * @param <E> what it may throw ({@code RuntimeException} when it throws nothing checked)
 */
@FunctionalInterface
public interface LockCallback<T extends @Nullable Object, E extends Throwable> {

	/**
	 * @param lock the lock this work runs under: its keys and, when fenced, its fencing token
	 */
	T doInLock(OrderLockStatus lock) throws E;

}
