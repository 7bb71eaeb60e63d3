package dev.orderlock;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.ReentrantLock;

import org.jspecify.annotations.Nullable;

/**
 * Queues the callers of this instance that want the same order, first come first served, so that only the head of
 * the queue competes for the Redis lock. When it releases the Redis lock, the next local caller takes its turn at
 * once instead of every waiter being woken by Redis's unlock message and racing for the lock (a failed acquire, a
 * subscription and a retry each cost a round trip).
 * <p>
 * This is only a queue in front of the Redis lock, never a replacement for it: every caller still takes and releases
 * the Redis lock itself, so mutual exclusion across instances is exactly what it is without the queue. Turns are
 * bound to the calling thread, like the Redis lock. An order's queue is dropped when nobody waits for it.
 */
final class LocalHandOff {

	private final ConcurrentHashMap<String, Queue> queues = new ConcurrentHashMap<>();

	/**
	 * Waits up to {@code waitNanos} for this thread's turn at {@code key}.
	 * @return the turn, to be {@linkplain #leave left} in {@code finally}; {@code null} if the wait ran out
	 * @throws InterruptedException if interrupted while waiting (the thread holds no turn then)
	 */
	@Nullable Turn await(String key, long waitNanos) throws InterruptedException {
		Queue queue = this.queues.compute(key, (k, existing) -> {
			Queue joined = (existing != null) ? existing : new Queue();
			joined.members++;
			return joined;
		});
		boolean ourTurn = false;
		try {
			ourTurn = queue.turn.tryLock(waitNanos, TimeUnit.NANOSECONDS);
		}
		finally {
			if (!ourTurn) {
				depart(key, queue);
			}
		}
		return ourTurn ? new Turn(key, queue) : null;
	}

	/** Ends a turn taken by {@link #await}, letting the next caller of this instance go. */
	void leave(Turn turn) {
		turn.queue.turn.unlock();
		depart(turn.key, turn.queue);
	}

	/** Keys with callers queued or holding a turn; for tests. */
	int activeKeys() {
		return this.queues.size();
	}

	private void depart(String key, Queue queue) {
		this.queues.computeIfPresent(key, (k, existing) -> (existing == queue && --existing.members == 0) ? null : existing);
	}

	/** One order's queue: the fair lock orders its callers, members counts who still needs it. */
	private static final class Queue {

		final ReentrantLock turn = new ReentrantLock(true);

		/** Guarded by the map's per-key compute. */
		int members;

	}

	/** A caller's turn at one order. */
	record Turn(String key, Queue queue) {
	}

}
