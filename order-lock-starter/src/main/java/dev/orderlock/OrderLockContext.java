package dev.orderlock;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Iterator;
import java.util.List;
import java.util.OptionalLong;

import org.jspecify.annotations.Nullable;

/**
 * What the code running under a lock may ask about it: the fencing token of a {@link OrderLock#fenced() fenced}
 * lock, to guard its final write with, e.g. {@code UPDATE orders SET status = ?, fence = ? WHERE id = ? AND fence < ?}.
 * <p>
 * Thread-bound: it answers on the thread that runs the guarded code, for as long as that code runs: a blocking
 * method's whole body; for a {@code CompletionStage} or {@code Mono} method, the method itself while it builds its
 * work (read the token there and hand it to the work; {@link OrderLockTemplate#executeAsync(LockRequest,
 * java.util.function.Function)} hands it over as {@link OrderLockStatus}). Nothing here fails but
 * {@link #checkStillHeld()}, which says so.
 * <p>
 * {@link #isHeld(String)} and {@link #heldKeys()} tell which orders' locks the thread runs under, e.g. for an
 * assertion at the start of code that must only ever run locked (order-lock-test's
 * {@code OrderLockAssertions.assertHeld}).
 */
public final class OrderLockContext {

	private static final ThreadLocal<ArrayDeque<OrderLockStatus>> held = new ThreadLocal<>();

	private OrderLockContext() {
	}

	/**
	 * The fencing token of the innermost fenced lock the current thread runs under: larger than every token handed
	 * out for the same order before, also across Redis losing its data (a flush, a restart without persistence),
	 * unless the Redis clock stepped back. Empty outside a fenced lock, in particular when
	 * {@code order-lock.enabled=false} leaves the method unlocked.
	 */
	public static OptionalLong currentFencingToken() {
		ArrayDeque<OrderLockStatus> stack = held.get();
		if (stack != null) {
			for (OrderLockStatus lock : stack) {
				OptionalLong token = lock.fencingToken();
				if (token.isPresent()) {
					return token;
				}
			}
		}
		return OptionalLong.empty();
	}

	/**
	 * Confirms, right before an irreversible step (charging a card, calling a partner), that every lock the current
	 * thread runs under is still this instance's: one round trip, none when the loss is known already (the
	 * background lease check found it, or the hold-time cap released it).
	 * @return {@code true} when checked; {@code false} when the current thread runs under no lock, so there is
	 * nothing to check (e.g. {@code order-lock.enabled=false})
	 * @throws OrderLockLeaseLostException when a lock is no longer ours: another instance may hold the order, do not
	 * take the step (logged and counted once, as at the release)
	 * @throws OrderLockUnavailableException when Redis cannot tell: do not take the step either
	 */
	public static boolean checkStillHeld() {
		ArrayDeque<OrderLockStatus> stack = held.get();
		if (stack == null || stack.isEmpty()) {
			return false;
		}
		for (OrderLockStatus lock : stack) {
			if (lock instanceof HeldOrderLock hold) {
				hold.checkStillHeld();
			}
		}
		return true;
	}

	/**
	 * Whether the current thread runs under the lock of the order {@code key} (as resolved, without the prefix): in a
	 * guarded method or template callback for it, however deep. Answers from what this thread was handed, without
	 * asking Redis: a lock lost meanwhile (its lease expired, its {@code maxHoldTime} reached) still counts until the
	 * guarded code returns, where the loss is reported. {@code false} outside any lock, for a {@code null} key, and
	 * when {@code order-lock.enabled=false} leaves the method unlocked. Never fails; allocates nothing.
	 */
	public static boolean isHeld(@Nullable String key) {
		ArrayDeque<OrderLockStatus> stack = held.get();
		if (stack != null && key != null) {
			for (OrderLockStatus lock : stack) {
				if (lock.keys().contains(key)) {
					return true;
				}
			}
		}
		return false;
	}

	/**
	 * The keys of every lock the current thread runs under, outermost first, each once; empty outside any lock.
	 * Thread-bound and answered without Redis, as {@link #isHeld(String)}. A copy: it does not change when locks are
	 * taken or released later. Never fails.
	 */
	public static List<String> heldKeys() {
		ArrayDeque<OrderLockStatus> stack = held.get();
		if (stack == null || stack.isEmpty()) {
			return List.of();
		}
		List<String> keys = new ArrayList<>();
		for (Iterator<OrderLockStatus> outermostFirst = stack.descendingIterator(); outermostFirst.hasNext();) {
			for (String key : outermostFirst.next().keys()) {
				if (!keys.contains(key)) {
					keys.add(key);
				}
			}
		}
		return List.copyOf(keys);
	}

	static void push(OrderLockStatus lock) {
		ArrayDeque<OrderLockStatus> stack = held.get();
		if (stack == null) {
			stack = new ArrayDeque<>(2);
			held.set(stack);
		}
		stack.push(lock);
	}

	static void pop() {
		ArrayDeque<OrderLockStatus> stack = held.get();
		if (stack != null) {
			// The empty stack stays with the thread: one per thread, not one per call.
			stack.poll();
		}
	}

}
