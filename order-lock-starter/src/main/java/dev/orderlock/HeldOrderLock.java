package dev.orderlock;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.List;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;
import org.redisson.api.RLock;
import org.redisson.client.RedisException;

/**
 * One acquisition of an order's lock, from {@code tryLock} to its single release: on return, after the bound
 * transaction, or when {@code maxHoldTime} is reached, whichever comes first. Reports a lost lease (log with the
 * key, counter, observer) once, and the release to the observer. With {@code order-lock.redis-timeout} set, the
 * release and the pre-commit check stop waiting for Redis after it, instead of riding out Redisson's retries: a
 * release retried across an outage could otherwise land on a Redis restarted empty and report a loss that happened
 * only after the work was done.
 */
final class HeldOrderLock {

	private static final Log logger = LogFactory.getLog(OrderLockTemplate.class);

	/** Locks this thread holds until its call returns: a transaction begun under them checks them before commit. */
	private static final ThreadLocal<ArrayDeque<HeldOrderLock>> releasedOnReturn = new ThreadLocal<>();

	private final RLock lock;

	private final String key;

	private final long threadId;

	private final String origin;

	private final AtomicLong leaseLosses;

	private final LockObserver.Attempt attempt;

	private final @Nullable Duration redisTimeout;

	/** Set by whoever releases first: the holder, the bound transaction, or the hold-time cap. */
	private final AtomicBoolean released = new AtomicBoolean();

	private volatile @Nullable Duration capReachedAfter;

	private volatile boolean lossReported;

	private volatile @Nullable ScheduledFuture<?> cap;

	HeldOrderLock(RLock lock, String key, String origin, AtomicLong leaseLosses, LockObserver.Attempt attempt,
			@Nullable Duration redisTimeout) {
		this.lock = lock;
		this.key = key;
		this.threadId = Thread.currentThread().getId();
		this.origin = origin;
		this.leaseLosses = leaseLosses;
		this.attempt = attempt;
		this.redisTimeout = redisTimeout;
	}

	/** Marks this lock as released when the call returns (not bound to a transaction), until {@link #release()}. */
	void releaseOnReturn() {
		ArrayDeque<HeldOrderLock> held = releasedOnReturn.get();
		if (held == null) {
			held = new ArrayDeque<>(2);
			releasedOnReturn.set(held);
		}
		held.push(this);
	}

	/** The locks the current thread holds until its call returns, innermost first. */
	static List<HeldOrderLock> releasedOnReturnByCurrentThread() {
		ArrayDeque<HeldOrderLock> held = releasedOnReturn.get();
		return (held != null) ? List.copyOf(held) : List.of();
	}

	/** Releases the lock after {@code maxHoldTime} even if the holder is still running (a local timer, no Redis). */
	void capHoldTime(Duration maxHoldTime) {
		this.cap = Timer.INSTANCE.schedule(() -> capReached(maxHoldTime), maxHoldTime.toNanos(),
				TimeUnit.NANOSECONDS);
	}

	private void capReached(Duration maxHoldTime) {
		if (!this.released.compareAndSet(false, true)) {
			return;
		}
		this.capReachedAfter = maxHoldTime;
		this.attempt.released();
		reportLoss("was held by " + this.origin + " for longer than its maxHoldTime " + maxHoldTime
				+ " and has been released, so that a hung call cannot keep the order locked forever");
		this.lock.unlockAsync(this.threadId).whenComplete((ignored, ex) -> {
			if (ex != null) {
				logger.warn("Could not release lock '" + name() + "' at its maxHoldTime (" + KeyText.render(ex)
						+ "); it lapses on its own when its lease expires.");
			}
		});
	}

	/**
	 * Releases the lock (once; later calls only report). Never throws.
	 * @return the loss, already logged and counted, when the lock was no longer ours; {@code null} otherwise
	 * (including a release that failed for another reason, which is logged: the lock then lapses on its own)
	 */
	@Nullable OrderLockLeaseLostException release() {
		ArrayDeque<HeldOrderLock> onThread = releasedOnReturn.get();
		if (onThread != null && onThread.remove(this) && onThread.isEmpty()) {
			releasedOnReturn.remove();
		}
		ScheduledFuture<?> cap = this.cap;
		if (cap != null) {
			cap.cancel(false);
		}
		if (!this.released.compareAndSet(false, true)) {
			return lostException(null);
		}
		this.attempt.released();
		try {
			// No isHeldByThread() first: that is one more round trip. The owner-checked unlock script itself tells
			// us when the lock is no longer ours. Named owner: the release may run on another thread.
			RedisAnswer.await(this.lock.unlockAsync(this.threadId), this.redisTimeout, "releasing " + name());
			return null;
		}
		catch (IllegalMonitorStateException ex) {
			return lost("was lost before it was released", ex);
		}
		catch (TimeoutException ex) {
			return releaseFailed(new TimeoutException(
					"Redis did not answer within order-lock.redis-timeout " + this.redisTimeout));
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			return releaseFailed(ex);
		}
		catch (RuntimeException ex) {
			return releaseFailed(ex);
		}
	}

	/**
	 * Fails unless the lock is still ours, right before the bound transaction commits: one round trip
	 * ({@code HEXISTS}), none when the hold-time cap already released it.
	 * @throws OrderLockLeaseLostException when it is not ours any more
	 * @throws OrderLockUnavailableException when Redis cannot tell (closed: the commit does not happen)
	 */
	void verifyStillHeld() {
		if (this.released.get()) {
			throw lostException(null);
		}
		boolean held;
		try {
			held = isHeldByOwner();
		}
		catch (RedisException | TimeoutException ex) {
			throw new OrderLockUnavailableException(this.key, "Could not confirm that lock '" + name()
					+ "' is still held by " + this.origin + " before the commit: Redis is unavailable ("
					+ KeyText.render(ex) + "). The transaction was rolled back.", ex);
		}
		if (!held) {
			throw lost("was lost before the transaction committed; the transaction was rolled back", null);
		}
	}

	private boolean isHeldByOwner() throws TimeoutException {
		try {
			return RedisAnswer.await(this.lock.isHeldByThreadAsync(this.threadId), this.redisTimeout,
					"checking " + name());
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new RedisException("Interrupted while checking lock " + name(), ex);
		}
	}

	private @Nullable OrderLockLeaseLostException releaseFailed(Throwable ex) {
		logger.warn("Could not release lock '" + name() + "' held by " + this.origin + " (" + KeyText.render(ex)
				+ "); it lapses on its own when its lease expires, blocking the order until then.", ex);
		return null;
	}

	/** This lock's name as messages show it (the key in it may be anything a caller sent). */
	private String name() {
		return KeyText.nameOf(this.lock);
	}

	private OrderLockLeaseLostException lost(String what, @Nullable Throwable cause) {
		reportLoss(what + ": its lease expired while the code ran (the watchdog could not renew it, or a fixed "
				+ "leaseTime was shorter than the code)");
		return lostException(cause);
	}

	private void reportLoss(String what) {
		if (this.lossReported) {
			return;
		}
		this.lossReported = true;
		this.leaseLosses.incrementAndGet();
		this.attempt.leaseLost();
		logger.warn("Lock '" + name() + "' of key '" + KeyText.render(this.key) + "' " + what + ". Another "
				+ "instance may have changed the same order at the same time; the integrity of the data protected by "
				+ "this lock may have been compromised.");
	}

	private OrderLockLeaseLostException lostException(@Nullable Throwable cause) {
		Duration cap = this.capReachedAfter;
		String why = (cap != null) ? "it was released when its maxHoldTime " + cap + " was reached"
				: "its lease expired while the code ran";
		return new OrderLockLeaseLostException(this.key, "Lock '" + name() + "' of " + this.origin
				+ " was no longer held when the code ended: " + why + ". Another instance may have changed the same "
				+ "order meanwhile; the integrity of the data protected by this lock may have been compromised.",
				cause);
	}

	/** One daemon thread for every hold-time cap: it only sends an asynchronous unlock. */
	private static final class Timer {

		static final ScheduledThreadPoolExecutor INSTANCE = create();

		private static ScheduledThreadPoolExecutor create() {
			ScheduledThreadPoolExecutor executor = new ScheduledThreadPoolExecutor(1, (runnable) -> {
				Thread thread = new Thread(runnable, "order-lock-max-hold-time");
				thread.setDaemon(true);
				return thread;
			});
			executor.setRemoveOnCancelPolicy(true);
			return executor;
		}

	}

}
