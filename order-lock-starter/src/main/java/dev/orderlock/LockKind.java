package dev.orderlock;

/**
 * Which Redisson lock an {@link OrderLock} takes for its order. Every kind is named {@code <prefix>:<key>}, acquired
 * within the wait time, renewed by the watchdog and released by its owner only, like the default.
 * <p>
 * {@link #READ} and {@link #WRITE} use Redisson's read/write lock, which keeps its state in the same Redis key in a
 * different shape: it does not exclude {@link #EXCLUSIVE} or {@link #FAIR} locks of the same order. An application
 * whose {@code @OrderLock} methods mix both families fails to start; use {@link #WRITE} instead of {@link #EXCLUSIVE}
 * there.
 */
public enum LockKind {

	/** One holder at a time, the default: Redisson's {@code RLock}; {@code fenced} works only with this kind. */
	EXCLUSIVE,

	/**
	 * One holder at a time, handed over in arrival order across every instance: Redisson's fair lock, for an order so
	 * hot that a waiter could otherwise lose the race again and again. Excludes {@link #EXCLUSIVE} locks of the same
	 * order. Costs more Redis work per acquisition (a queue and a timeout set next to the lock).
	 */
	FAIR,

	/**
	 * Shared with other readers of the same order, excluded by a {@link #WRITE}: Redisson's read lock, for reads that
	 * must see an order between state changes and may run together.
	 */
	READ,

	/** One holder at a time, excluding every {@link #READ} of the same order: Redisson's write lock. */
	WRITE;

	/** Whether this kind belongs to Redisson's read/write lock, which does not exclude the other kinds. */
	public boolean readWrite() {
		return this == READ || this == WRITE;
	}

}
