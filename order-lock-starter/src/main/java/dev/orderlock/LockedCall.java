package dev.orderlock;

import org.jspecify.annotations.Nullable;

/**
 * The work run under a lock, internally: may throw anything, which reaches the caller unchanged.
 */
@FunctionalInterface
interface LockedCall<T extends @Nullable Object> {

	T call(OrderLockStatus lock) throws Throwable;

}
