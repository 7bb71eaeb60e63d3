package dev.orderlock;

import org.jspecify.annotations.Nullable;

/**
 * Unchecked base of every failure order-lock raises. When it is thrown from a guarded call, the method body did
 * not run (or, for a failure after it, its own outcome was kept and this was only logged).
 */
public class OrderLockException extends RuntimeException {

	public OrderLockException(String message) {
		super(message);
	}

	public OrderLockException(String message, @Nullable Throwable cause) {
		super(message, cause);
	}

}
