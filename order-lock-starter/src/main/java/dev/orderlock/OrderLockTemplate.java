package dev.orderlock;

import java.time.Duration;
import java.util.Objects;
import java.util.concurrent.TimeUnit;
import java.util.function.Supplier;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;
import org.redisson.api.RLock;
import org.redisson.api.RedissonClient;
import org.redisson.client.RedisException;

import org.springframework.util.Assert;
import org.springframework.util.StringUtils;

/**
 * Runs code while holding the lock of one order: the programmatic form of {@link OrderLock}, with the same lock
 * names and semantics (the annotation's advice is a thin adapter over this class).
 * <p>
 * The lock is the Redisson {@link RLock} named {@code <key prefix>:<key>}. It is acquired with one atomic script,
 * renewed by Redisson's watchdog while the work runs (unless a fixed lease is given), and released in
 * {@code finally} by its owner only. Reentrant on the same thread. With local hand-off on, callers of this instance
 * that want the same order first queue here (fair, thread-bound) and only the head of the queue waits in Redis; each
 * still takes and releases the Redis lock itself, so exclusion across instances does not depend on the queue.
 * <p>
 * Failure behaviour, always closed (the work never runs without the lock):
 * <ul>
 * <li>busy for the whole wait time: {@link OrderLockTimeoutException};</li>
 * <li>Redis unreachable or failing: {@link OrderLockUnavailableException};</li>
 * <li>interrupted while waiting: {@link OrderLockException}, with the thread's interrupt flag restored;</li>
 * <li>blank key: {@link OrderLockException}.</li>
 * </ul>
 * A failure to release never replaces the work's own result or exception: a lock found lost at release (its
 * lease expired while the work ran) is logged as a warning, because the integrity of the data it protects may
 * have been compromised; any other release failure is logged and the lock lapses on its own after its lease.
 */
public class OrderLockTemplate {

	private static final Log logger = LogFactory.getLog(OrderLockTemplate.class);

	private static final String ORIGIN = OrderLockTemplate.class.getSimpleName();

	private final RedissonClient redisson;

	private final String namePrefix;

	private final Duration defaultWaitTime;

	private final @Nullable LocalHandOff localHandOff;

	/**
	 * @param redisson the application's client; every instance that must exclude each other uses the same Redis
	 * @param keyPrefix prefix of every lock's Redis key, e.g. {@code order-lock}
	 * @param defaultWaitTime how long to wait for a busy lock unless a call says otherwise
	 */
	public OrderLockTemplate(RedissonClient redisson, String keyPrefix, Duration defaultWaitTime) {
		this(redisson, keyPrefix, defaultWaitTime, false);
	}

	/**
	 * @param redisson the application's client; every instance that must exclude each other uses the same Redis
	 * @param keyPrefix prefix of every lock's Redis key, e.g. {@code order-lock}
	 * @param defaultWaitTime how long to wait for a busy lock unless a call says otherwise
	 * @param localHandOff whether callers of this instance that want the same order queue here first, so that only
	 * one of them at a time waits in Redis (see {@code order-lock.local-hand-off}); the wait time covers both waits
	 */
	public OrderLockTemplate(RedissonClient redisson, String keyPrefix, Duration defaultWaitTime,
			boolean localHandOff) {
		Assert.notNull(redisson, "RedissonClient must not be null");
		Assert.hasText(keyPrefix, "order-lock.key-prefix must not be blank");
		Assert.isTrue(!defaultWaitTime.isNegative(), "order-lock.wait-time must not be negative");
		this.redisson = redisson;
		this.namePrefix = keyPrefix + ":";
		this.defaultWaitTime = defaultWaitTime;
		this.localHandOff = localHandOff ? new LocalHandOff() : null;
	}

	/** The local queue in front of the Redis lock, {@code null} unless local hand-off is on; for tests. */
	@Nullable LocalHandOff localHandOff() {
		return this.localHandOff;
	}

	/** Runs {@code action} under the lock of {@code key}, waiting the default wait time, watchdog-renewed. */
	public <T extends @Nullable Object> T execute(String key, Supplier<T> action) {
		return execute(key, null, null, action);
	}

	/** Runs {@code action} under the lock of {@code key}, waiting the default wait time, watchdog-renewed. */
	public void run(String key, Runnable action) {
		execute(key, null, null, () -> {
			action.run();
			return null;
		});
	}

	/**
	 * Runs {@code action} under the lock of {@code key}.
	 * @param waitTime how long to wait for a busy lock; {@code null} for the default
	 * @param leaseTime fixed lease after which Redis frees the lock; {@code null} for watchdog renewal
	 */
	public <T extends @Nullable Object> T execute(String key, @Nullable Duration waitTime,
			@Nullable Duration leaseTime, Supplier<T> action) {
		Objects.requireNonNull(action, "action must not be null");
		try {
			return execute(key, waitTime, leaseTime, ORIGIN, action::get);
		}
		catch (RuntimeException | Error ex) {
			throw ex;
		}
		catch (Throwable ex) {
			// A Supplier cannot throw checked exceptions; this is unreachable short of sneaky throws.
			throw new IllegalStateException(ex);
		}
	}

	/**
	 * The one place a lock is taken and released; {@code origin} names the caller in every message.
	 */
	<T extends @Nullable Object> T execute(String key, @Nullable Duration waitTime, @Nullable Duration leaseTime,
			String origin, LockedCall<T> call) throws Throwable {
		if (!StringUtils.hasText(key)) {
			throw new OrderLockException("Lock key for " + origin + " is blank; every guarded call needs the key "
					+ "of the order it changes. The code was not run.");
		}
		Duration wait = (waitTime != null) ? waitTime : this.defaultWaitTime;
		RLock lock = this.redisson.getLock(this.namePrefix + key);
		if (this.localHandOff == null) {
			return callLocked(lock, key, wait, wait.toMillis(), leaseTime, origin, call);
		}
		long start = System.nanoTime();
		LocalHandOff.Turn turn = awaitLocalTurn(lock, key, wait, origin);
		try {
			// One budget for both waits: the local queue's share is taken off the wait in Redis.
			long waitedMillis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
			long redisWaitMillis = Math.max(0, wait.toMillis() - waitedMillis);
			return callLocked(lock, key, wait, redisWaitMillis, leaseTime, origin, call);
		}
		finally {
			this.localHandOff.leave(turn);
		}
	}

	private static <T extends @Nullable Object> T callLocked(RLock lock, String key, Duration wait,
			long redisWaitMillis, @Nullable Duration leaseTime, String origin, LockedCall<T> call) throws Throwable {
		acquire(lock, key, wait, redisWaitMillis, leaseTime, origin);
		try {
			return call.call();
		}
		finally {
			release(lock, origin);
		}
	}

	private LocalHandOff.Turn awaitLocalTurn(RLock lock, String key, Duration wait, String origin) {
		LocalHandOff.Turn turn;
		try {
			turn = this.localHandOff.await(key, wait.toNanos());
		}
		catch (InterruptedException ex) {
			throw interrupted(lock, origin, ex);
		}
		if (turn == null) {
			throw busy(lock, key, wait, origin);
		}
		return turn;
	}

	private static void acquire(RLock lock, String key, Duration wait, long waitMillis,
			@Nullable Duration leaseTime, String origin) {
		boolean acquired;
		try {
			acquired = lock.tryLock(waitMillis, (leaseTime != null) ? leaseTime.toMillis() : -1,
					TimeUnit.MILLISECONDS);
		}
		catch (InterruptedException ex) {
			throw interrupted(lock, origin, ex);
		}
		catch (RedisException ex) {
			if (Thread.currentThread().isInterrupted()) {
				throw interrupted(lock, origin, ex);
			}
			throw new OrderLockUnavailableException(key, "Could not acquire lock '" + lock.getName() + "' for "
					+ origin + ": Redis is unavailable (" + ex + "). The code was not run.", ex);
		}
		catch (RuntimeException ex) {
			throw new OrderLockException("Could not acquire lock '" + lock.getName() + "' for " + origin + ": " + ex
					+ ". The code was not run.", ex);
		}
		if (!acquired) {
			throw busy(lock, key, wait, origin);
		}
	}

	private static OrderLockTimeoutException busy(RLock lock, String key, Duration wait, String origin) {
		return new OrderLockTimeoutException(key, wait, "Lock '" + lock.getName() + "' for " + origin
				+ " is held by another call and was not released within " + wait
				+ ". The code was not run; try again later, or raise waitTime on @OrderLock or "
				+ "order-lock.wait-time.");
	}

	private static OrderLockException interrupted(RLock lock, String origin, Exception ex) {
		Thread.currentThread().interrupt();
		return new OrderLockException(
				"Interrupted while waiting for lock '" + lock.getName() + "' for " + origin + ". The code was not run.",
				ex);
	}

	private static void release(RLock lock, String origin) {
		try {
			// No isHeldByCurrentThread() first: that is one more round trip. The owner-checked unlock script
			// itself tells us when the lock is no longer ours.
			lock.unlock();
		}
		catch (IllegalMonitorStateException ex) {
			logger.warn("Lock '" + lock.getName() + "' held by " + origin + " was lost before it was released: its "
					+ "lease expired while the code ran (the watchdog could not renew it, or a fixed leaseTime was "
					+ "shorter than the code). Another instance may have changed the same order at the same time; the "
					+ "integrity of the data protected by this lock may have been compromised.");
		}
		catch (RuntimeException ex) {
			logger.warn("Could not release lock '" + lock.getName() + "' held by " + origin + " (" + ex
					+ "); it lapses on its own when its lease expires, blocking the order until then.", ex);
		}
	}

}
