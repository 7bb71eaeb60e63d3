package dev.orderlock;

import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import org.jspecify.annotations.Nullable;

/**
 * Queues the callers of this instance that want the same order, first come first served, so that only the head of
 * the queue competes for the Redis lock. When it releases the Redis lock, the next local caller takes its turn at
 * once instead of every waiter being woken by Redis's unlock message and racing for the lock (a failed acquire, a
 * subscription and a retry each cost a round trip).
 * <p>
 * This is only a queue in front of the Redis lock, never a replacement for it: every caller still takes and releases
 * the Redis lock itself, so mutual exclusion across instances is exactly what it is without the queue. A turn
 * belongs to the hold, not to a thread: it ends when the lock is released, by whoever releases it (the holder, the
 * bound transaction's completion, the hold-time cap). A caller that already holds the order skips the queue
 * (reentrancy). An order's queue is dropped when nobody waits for it.
 */
final class LocalHandOff {

	private final ConcurrentHashMap<String, Queue> queues = new ConcurrentHashMap<>();

	/**
	 * Waits up to {@code waitNanos} for a turn at {@code key}.
	 * @return the turn, to be {@linkplain Turn#leave left} exactly once; {@code null} if the wait ran out
	 * @throws InterruptedException if interrupted while waiting (no turn is held then)
	 */
	@Nullable Turn await(String key, long waitNanos) throws InterruptedException {
		Queue queue = this.queues.compute(key, (k, existing) -> {
			Queue joined = (existing != null) ? existing : new Queue();
			joined.members++;
			return joined;
		});
		boolean ourTurn = false;
		try {
			ourTurn = queue.turn.tryAcquire(waitNanos, TimeUnit.NANOSECONDS);
		}
		finally {
			if (!ourTurn) {
				depart(key, queue);
			}
		}
		return ourTurn ? new Turn(key, queue) : null;
	}

	/** Keys with callers queued or holding a turn; for tests. */
	int activeKeys() {
		return this.queues.size();
	}

	private void depart(String key, Queue queue) {
		this.queues.computeIfPresent(key,
				(k, existing) -> (existing == queue && --existing.members == 0) ? null : existing);
	}

	/** One order's queue: the fair semaphore orders its callers, members counts who still needs it. */
	private static final class Queue {

		final Semaphore turn = new Semaphore(1, true);

		/** Guarded by the map's per-key compute. */
		int members;

	}

	/** A caller's turn at one order; any thread may end it, once. */
	final class Turn {

		private final String key;

		private final Queue queue;

		private final AtomicBoolean left = new AtomicBoolean();

		private Turn(String key, Queue queue) {
			this.key = key;
			this.queue = queue;
		}

		/** Lets the next caller of this instance go; later calls do nothing. */
		void leave() {
			if (this.left.compareAndSet(false, true)) {
				this.queue.turn.release();
				depart(this.key, this.queue);
			}
		}

	}

}
