package dev.orderlock;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;
import org.redisson.api.RLock;
import org.redisson.client.RedisException;
import org.redisson.command.NoSyncedSlavesException;

/**
 * One acquisition of an order's lock for asynchronous work ({@code CompletionStage}, {@code Mono}): owned by the call
 * (a synthetic owner id unique within this client), not by a thread, so the thread that completes the work can
 * release it. Acquired and released with Redisson's asynchronous commands; the watchdog renews it meanwhile.
 */
final class AsyncOrderLock {

	private static final Log logger = LogFactory.getLog(OrderLockTemplate.class);

	/** Negative, so that they never meet a real thread's id in the lock's owner field. */
	private static final AtomicLong owners = new AtomicLong();

	private final RLock lock;

	private final String key;

	private final String origin;

	private final long owner;

	private final AtomicLong leaseLosses;

	private volatile LockObserver.Attempt attempt = LockObserver.Attempt.NONE;

	private AsyncOrderLock(RLock lock, String key, String origin, long owner, AtomicLong leaseLosses) {
		this.lock = lock;
		this.key = key;
		this.origin = origin;
		this.owner = owner;
		this.leaseLosses = leaseLosses;
	}

	/**
	 * Acquires {@code lock}, completing with the held lock or exceptionally with the same exceptions a synchronous
	 * call throws: {@link OrderLockTimeoutException}, {@link OrderLockUnavailableException}, {@link OrderLockException}.
	 * @param redisTimeout extra bound for a Redis that does not answer, or {@code null}
	 */
	static CompletableFuture<AsyncOrderLock> acquire(RLock lock, String key, Duration wait,
			@Nullable Duration leaseTime, @Nullable Duration redisTimeout, String origin, AtomicLong leaseLosses) {
		long owner = -owners.incrementAndGet();
		CompletableFuture<Boolean> attempt;
		try {
			attempt = lock.tryLockAsync(wait.toMillis(), (leaseTime != null) ? leaseTime.toMillis() : -1,
					TimeUnit.MILLISECONDS, owner).toCompletableFuture();
		}
		catch (RuntimeException ex) {
			return CompletableFuture.failedFuture(ex);
		}
		CompletableFuture<Boolean> bounded = attempt;
		if (redisTimeout != null) {
			bounded = attempt.copy().orTimeout(wait.plus(redisTimeout).toMillis(), TimeUnit.MILLISECONDS);
			bounded.whenComplete((acquired, ex) -> {
				if (ex != null) {
					// Given up on: should Redis still grant the lock, hand it back at once.
					attempt.thenAccept((late) -> {
						if (late) {
							lock.unlockAsync(owner);
						}
					});
				}
			});
		}
		return bounded.handle((acquired, ex) -> {
			if (ex != null) {
				throw new CompletionException(failure(lock, key, wait, redisTimeout, origin, unwrap(ex)));
			}
			if (!acquired) {
				throw new CompletionException(OrderLockTemplate.busy(lock, key, wait, origin));
			}
			return new AsyncOrderLock(lock, key, origin, owner, leaseLosses);
		});
	}

	/** Where this lock's release and a lost lease are reported. */
	LockObserver.Attempt attempt() {
		return this.attempt;
	}

	/** Reports this lock's release and a lost lease to {@code attempt} (meters; no Redis). */
	void observedBy(LockObserver.Attempt attempt) {
		this.attempt = attempt;
	}

	/**
	 * Releases the lock; completes normally, or exceptionally with {@link OrderLockLeaseLostException} (logged with
	 * the key and counted) when the lock was no longer ours. Any other release failure is logged and ignored: the
	 * lock then lapses after its lease.
	 */
	CompletableFuture<Void> release() {
		CompletableFuture<Void> released = new CompletableFuture<>();
		this.lock.unlockAsync(this.owner).whenComplete((ignored, ex) -> {
			Throwable cause = (ex != null) ? unwrap(ex) : null;
			this.attempt.released();
			if (cause instanceof IllegalMonitorStateException) {
				this.attempt.leaseLost();
				released.completeExceptionally(lost(cause));
				return;
			}
			if (cause != null) {
				logger.warn("Could not release lock '" + name() + "' held by " + this.origin + " ("
						+ KeyText.render(cause) + "); it lapses on its own when its lease expires, blocking the order "
						+ "until then.");
			}
			released.complete(null);
		});
		return released;
	}

	/** This lock's name as messages show it (the key in it may be anything a caller sent). */
	private String name() {
		return KeyText.nameOf(this.lock);
	}

	private OrderLockLeaseLostException lost(Throwable cause) {
		this.leaseLosses.incrementAndGet();
		logger.warn("Lock '" + name() + "' of key '" + KeyText.render(this.key) + "' was lost before the "
				+ "asynchronous work of " + this.origin + " completed: its lease expired while the work ran. Another "
				+ "instance may have changed the same order at the same time; the integrity of the data protected by "
				+ "this lock may have been compromised.");
		return new OrderLockLeaseLostException(this.key, "Lock '" + name() + "' of " + this.origin
				+ " was no longer held when the work completed: its lease expired while the work ran. Another "
				+ "instance may have changed the same order meanwhile.", cause);
	}

	private static OrderLockException failure(RLock lock, String key, Duration wait, @Nullable Duration redisTimeout,
			String origin, Throwable ex) {
		if (ex instanceof RedisException || ex instanceof NoSyncedSlavesException) {
			return new OrderLockUnavailableException(key, "Could not acquire lock '" + KeyText.nameOf(lock) + "' for "
					+ origin + ": Redis is unavailable (" + KeyText.render(ex) + "). The code was not run.", ex);
		}
		if (ex instanceof TimeoutException) {
			return new OrderLockUnavailableException(key, "Could not acquire lock '" + KeyText.nameOf(lock) + "' for "
					+ origin + ": Redis did not answer within the wait time " + wait + " plus order-lock.redis-timeout "
					+ redisTimeout + ". The code was not run.", ex);
		}
		return new OrderLockException("Could not acquire lock '" + KeyText.nameOf(lock) + "' for " + origin + ": "
				+ KeyText.render(ex) + ". The code was not run.", ex);
	}

	static Throwable unwrap(Throwable ex) {
		Throwable cause = ex;
		while (cause instanceof CompletionException && cause.getCause() != null) {
			cause = cause.getCause();
		}
		return cause;
	}

	/** Completes {@code work}'s outcome only after this lock was released, so the caller never sees it held. */
	<T> CompletableFuture<T> releaseAfter(CompletionStage<T> work) {
		CompletableFuture<T> done = new CompletableFuture<>();
		work.whenComplete((result, workFailure) -> release().whenComplete((ignored, releaseFailure) -> {
			if (workFailure != null) {
				Throwable failure = unwrap(workFailure);
				if (releaseFailure != null) {
					failure.addSuppressed(unwrap(releaseFailure));
				}
				done.completeExceptionally(failure);
			}
			else if (releaseFailure != null) {
				done.completeExceptionally(unwrap(releaseFailure));
			}
			else {
				done.complete(result);
			}
		}));
		return done;
	}

}
