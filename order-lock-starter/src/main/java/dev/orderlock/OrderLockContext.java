package dev.orderlock;

import java.util.ArrayDeque;
import java.util.OptionalLong;

/**
 * What the code running under a lock may ask about it: the fencing token of a {@link OrderLock#fenced() fenced}
 * lock, to guard its final write with, e.g. {@code UPDATE orders SET status = ?, fence = ? WHERE id = ? AND fence < ?}.
 * <p>
 * Thread-bound, like the lock: it answers on the thread that runs the guarded code, for as long as that code runs.
 * Never fails.
 */
public final class OrderLockContext {

	private static final ThreadLocal<ArrayDeque<Long>> tokens = new ThreadLocal<>();

	private OrderLockContext() {
	}

	/**
	 * The fencing token of the innermost fenced lock the current thread runs under: larger than every token handed
	 * out for the same order before. Empty outside a fenced lock, in particular when {@code order-lock.enabled=false}
	 * leaves the method unlocked.
	 */
	public static OptionalLong currentFencingToken() {
		ArrayDeque<Long> stack = tokens.get();
		return (stack != null && !stack.isEmpty()) ? OptionalLong.of(stack.peek()) : OptionalLong.empty();
	}

	static void push(long token) {
		ArrayDeque<Long> stack = tokens.get();
		if (stack == null) {
			stack = new ArrayDeque<>(2);
			tokens.set(stack);
		}
		stack.push(token);
	}

	static void pop() {
		ArrayDeque<Long> stack = tokens.get();
		if (stack != null) {
			stack.poll();
			if (stack.isEmpty()) {
				tokens.remove();
			}
		}
	}

}
