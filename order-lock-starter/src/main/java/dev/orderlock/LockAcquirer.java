package dev.orderlock;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CancellationException;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import dev.orderlock.support.KeyText;
import org.jspecify.annotations.Nullable;
import org.redisson.Redisson;
import org.redisson.RedissonFencedLock;
import org.redisson.api.RFencedLock;
import org.redisson.api.RLock;
import org.redisson.api.RedissonClient;
import org.redisson.client.RedisException;
import org.redisson.command.CommandAsyncExecutor;
import org.redisson.command.NoSyncedSlavesException;

/**
 * Takes the Redis locks of one {@link LockRequest} for one owner: the only place a lock is acquired, for blocking
 * and asynchronous callers alike. The keys are taken one after another in their canonical order, each waiting for
 * what is left of the wait time; when one cannot be had, or Redis fails, the ones taken are handed back and nothing
 * is held. Every failure is translated here, once: busy ({@link OrderLockTimeoutException}), Redis unavailable or not
 * answering within {@code order-lock.redis-timeout} ({@link OrderLockUnavailableException}; with a timeout, each lock
 * is first asked for without waiting, so a silent Redis fails the call after that timeout, not after the wait time),
 * interrupted or anything else ({@link OrderLockException}). An acquisition Redis completes after the caller stopped
 * waiting is released at once, so giving up never leaves a lock behind that nobody runs under.
 */
final class LockAcquirer {

	private final RedissonClient redisson;

	private final String namePrefix;

	private final @Nullable Duration redisTimeout;

	/** What {@link ClockFencedLock} is built on; {@code null} for a client other than Redisson's own. */
	private final @Nullable CommandAsyncExecutor fencedExecutor;

	LockAcquirer(RedissonClient redisson, String namePrefix, @Nullable Duration redisTimeout) {
		this.redisson = redisson;
		this.namePrefix = namePrefix;
		this.redisTimeout = redisTimeout;
		this.fencedExecutor = (redisson instanceof Redisson own) ? own.getCommandExecutor() : null;
	}

	/** The locks a request takes, in the order they are taken. */
	List<RLock> locksOf(LockRequest request) {
		if (request.keys().size() == 1) {
			return List.of(lockOf(request, request.keys().get(0)));
		}
		List<RLock> locks = new ArrayList<>(request.keys().size());
		for (String key : request.keys()) {
			locks.add(lockOf(request, key));
		}
		return locks;
	}

	private RLock lockOf(LockRequest request, String key) {
		String name = this.namePrefix + key;
		return request.fenced() ? fencedLock(name) : switch (request.kind()) {
			case EXCLUSIVE -> this.redisson.getLock(name);
			case FAIR -> this.redisson.getFairLock(name);
			case READ -> this.redisson.getReadWriteLock(name).readLock();
			case WRITE -> this.redisson.getReadWriteLock(name).writeLock();
		};
	}

	/**
	 * A fenced lock whose tokens survive Redis losing its data ({@link ClockFencedLock}); on another RedissonClient
	 * implementation (none but Redisson's own is known) its own fenced lock, counting from 1.
	 */
	private RLock fencedLock(String name) {
		return (this.fencedExecutor != null) ? new ClockFencedLock(this.fencedExecutor, name)
				: this.redisson.getFencedLock(name);
	}

	/**
	 * Acquires on the calling thread, waiting until {@code wait} after {@code startedAt} ({@link System#nanoTime()};
	 * earlier waits, in the local queue, count) plus the Redis timeout.
	 */
	Acquired acquire(LockRequest request, List<RLock> locks, long owner, Duration wait, long startedAt) {
		if (locks.size() == 1) {
			return acquireOne(request, locks, owner, wait, startedAt);
		}
		Acquired acquired = new Acquired(locks, owner);
		CompletableFuture<Acquired> acquiring = acquireAsync(request, acquired, wait, startedAt);
		try {
			return acquiring.get();
		}
		catch (InterruptedException ex) {
			// As a blocking tryLock does: the orders taken are free again before the caller hears of the interrupt.
			giveUp(acquiring, acquired).join();
			Thread.currentThread().interrupt();
			throw interrupted(locks.get(0), request, ex);
		}
		catch (ExecutionException ex) {
			throw (RuntimeException) unwrap(ex.getCause());
		}
	}

	/**
	 * {@link #acquire} of one lock, with as little in between as hand-written Redisson has (the common case): one
	 * script, one wait for its answer; the same translation and hand-back as for several.
	 */
	private Acquired acquireOne(LockRequest request, List<RLock> locks, long owner, Duration wait, long startedAt) {
		RLock lock = locks.get(0);
		long remainingNanos = Math.max(0, startedAt + wait.toNanos() - System.nanoTime());
		long leaseMillis = (request.leaseTime() != null) ? request.leaseTime().toMillis() : -1;
		if (this.redisTimeout == null && owner == Thread.currentThread().getId()) {
			return acquireOnThisThread(request, locks, wait, remainingNanos, leaseMillis);
		}
		Object answer;
		if (this.redisTimeout != null && remainingNanos > 0) {
			// First without waiting, bounded by the Redis timeout alone: a Redis that does not answer fails the call
			// then, not after the wait time; only an order Redis says is busy is waited for. Free: one script.
			answer = answerOf(lock, request, wait, 0, leaseMillis, owner, this.redisTimeout.toNanos());
			if (taken(answer)) {
				return acquiredWith(locks, owner, answer);
			}
			remainingNanos = Math.max(0, startedAt + wait.toNanos() - System.nanoTime());
			if (remainingNanos == 0) {
				throw busy(lock, request, wait);
			}
		}
		long boundNanos = (this.redisTimeout != null) ? remainingNanos + this.redisTimeout.toNanos() : -1;
		answer = answerOf(lock, request, wait, TimeUnit.NANOSECONDS.toMillis(remainingNanos), leaseMillis, owner,
				boundNanos);
		if (!taken(answer)) {
			throw busy(lock, request, wait);
		}
		return acquiredWith(locks, owner, answer);
	}

	/** One acquire attempt's answer ({@link #start}), waited for at most {@code boundNanos} (negative: unbounded). */
	private Object answerOf(RLock lock, LockRequest request, Duration wait, long waitMillis, long leaseMillis,
			long owner, long boundNanos) {
		CompletableFuture<?> attempt;
		try {
			attempt = start(lock, waitMillis, leaseMillis, owner);
		}
		catch (RuntimeException ex) {
			throw failure(lock, request, ex);
		}
		try {
			Object answer = (boundNanos >= 0) ? attempt.get(boundNanos, TimeUnit.NANOSECONDS) : attempt.get();
			return (answer != null) ? answer : Boolean.FALSE;
		}
		catch (InterruptedException ex) {
			handBackLate(attempt, lock, owner);
			Thread.currentThread().interrupt();
			throw interrupted(lock, request, ex);
		}
		catch (TimeoutException ex) {
			handBackLate(attempt, lock, owner);
			throw noAnswer(lock, request, wait, ex);
		}
		catch (ExecutionException ex) {
			// A script whose answer was lost may still have run: hand the lock back, as Redisson does.
			lock.unlockAsync(owner);
			throw failure(lock, request, unwrap(ex.getCause()));
		}
	}

	/** Whether an acquire script's answer grants the lock: {@code true}, or a fenced lock's token. */
	private static boolean taken(@Nullable Object answer) {
		return answer instanceof Long || Boolean.TRUE.equals(answer);
	}

	private static Acquired acquiredWith(List<RLock> locks, long owner, Object answer) {
		Acquired acquired = new Acquired(locks, owner);
		if (answer instanceof Long token) {
			acquired.token = token;
		}
		return acquired;
	}

	/**
	 * One lock for the calling thread, without a Redis timeout: exactly the blocking calls hand-written Redisson makes,
	 * so that waiting for a busy order (subscription, wake-up, retry) costs what it costs there.
	 */
	private Acquired acquireOnThisThread(LockRequest request, List<RLock> locks, Duration wait, long remainingNanos,
			long leaseMillis) {
		RLock lock = locks.get(0);
		long waitMillis = TimeUnit.NANOSECONDS.toMillis(remainingNanos);
		Acquired acquired = new Acquired(locks, Thread.currentThread().getId());
		boolean taken;
		try {
			if (lock instanceof RFencedLock fenced) {
				acquired.token = fenced.tryLockAndGetToken(waitMillis, leaseMillis, TimeUnit.MILLISECONDS);
				taken = (acquired.token != null);
			}
			else {
				taken = lock.tryLock(waitMillis, leaseMillis, TimeUnit.MILLISECONDS);
			}
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw interrupted(lock, request, ex);
		}
		catch (RuntimeException ex) {
			if (Thread.currentThread().isInterrupted()) {
				throw interrupted(lock, request, ex);
			}
			throw failure(lock, request, ex);
		}
		if (!taken) {
			if (Thread.currentThread().isInterrupted()) {
				// tryLockAndGetToken declares no InterruptedException: an interrupt may surface as "not acquired".
				throw interrupted(lock, request, null);
			}
			throw busy(lock, request, wait);
		}
		return acquired;
	}

	/** Sends the acquire script of one lock for {@code owner}: the fencing token of a fenced lock, else whether. */
	private static CompletableFuture<?> start(RLock lock, long waitMillis, long leaseMillis, long owner) {
		return (lock instanceof RedissonFencedLock fenced)
				? fenced.tryLockAndGetTokenAsync(waitMillis, leaseMillis, TimeUnit.MILLISECONDS, owner)
					.toCompletableFuture()
				: lock.tryLockAsync(waitMillis, leaseMillis, TimeUnit.MILLISECONDS, owner).toCompletableFuture();
	}

	/** An acquisition nobody waits for any more: should Redis still grant it, hand it back at once. */
	private static void handBackLate(CompletableFuture<?> attempt, RLock lock, long owner) {
		attempt.whenComplete((answer, failure) -> {
			if (failure == null && (answer instanceof Long || Boolean.TRUE.equals(answer))) {
				lock.unlockAsync(owner);
			}
		});
	}

	/** Acquires without blocking; completes with what is held, or exceptionally with the translated failure. */
	CompletableFuture<Acquired> acquireAsync(LockRequest request, List<RLock> locks, long owner, Duration wait,
			long startedAt) {
		return acquireAsync(request, new Acquired(locks, owner), wait, startedAt);
	}

	private CompletableFuture<Acquired> acquireAsync(LockRequest request, Acquired acquired, Duration wait,
			long startedAt) {
		List<RLock> locks = acquired.locks;
		CompletableFuture<Acquired> acquiring = new CompletableFuture<>();
		long deadline = startedAt + wait.toNanos();
		long leaseMillis = (request.leaseTime() != null) ? request.leaseTime().toMillis() : -1;
		takeFrom(0, this.redisTimeout == null, acquired, request, deadline, leaseMillis, wait, acquiring);
		if (this.redisTimeout == null) {
			return acquiring;
		}
		CompletableFuture<Acquired> bounded = acquiring.copy()
			.orTimeout(Math.max(0, deadline - System.nanoTime()) + this.redisTimeout.toNanos(), TimeUnit.NANOSECONDS);
		return bounded.handle((held, failure) -> {
			if (failure == null) {
				return held;
			}
			Throwable cause = unwrap(failure);
			if (cause instanceof TimeoutException) {
				// Given up on: should Redis still grant the locks, hand them back at once.
				giveUp(acquiring, acquired);
				throw new CompletionException(noAnswer(locks.get(0), request, wait, cause));
			}
			throw new CompletionException(cause);
		});
	}

	/**
	 * Stops an acquisition nobody waits for any more: what it took is handed back (completing the returned future),
	 * what it still takes is handed back as it comes.
	 */
	private static CompletableFuture<Void> giveUp(CompletableFuture<Acquired> acquiring, Acquired acquired) {
		acquiring.cancel(false);
		return acquired.abandon();
	}

	/**
	 * Takes the lock at {@code index}, then the next. With a Redis timeout each lock is first asked for without
	 * waiting, bounded by that timeout alone (a silent Redis fails the call then, not after the wait time), and only
	 * waited for ({@code waiting}) when Redis says it is busy.
	 */
	private void takeFrom(int index, boolean waiting, Acquired acquired, LockRequest request, long deadline,
			long leaseMillis, Duration wait, CompletableFuture<Acquired> result) {
		if (index == acquired.locks.size()) {
			result.complete(acquired);
			return;
		}
		RLock lock = acquired.locks.get(index);
		long remaining = Math.max(0, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime()));
		CompletableFuture<Void> settled = acquired.attempting();
		CompletableFuture<?> attempt;
		try {
			attempt = start(lock, waiting ? remaining : 0, leaseMillis, acquired.owner);
		}
		catch (RuntimeException ex) {
			settled.complete(null);
			OrderLockException failure = failure(lock, request, ex);
			acquired.abandon().whenComplete((ignored, none) -> result.completeExceptionally(failure));
			return;
		}
		acquired.inFlight(attempt);
		if (!waiting) {
			// The caller's bound (acquireAsync) gives up on the whole batch, handing back what was taken.
			attempt.copy()
				.orTimeout(this.redisTimeout.toNanos(), TimeUnit.NANOSECONDS)
				.exceptionally((failure) -> {
					if (unwrap(failure) instanceof TimeoutException timeout) {
						result.completeExceptionally(timeout);
					}
					return null;
				});
		}
		attempt.whenComplete((answer, failure) -> {
			if (failure instanceof CancellationException) {
				// Given up on while Redis was asked: Redisson hands back a grant that arrives after the cancel itself.
				settled.complete(null);
				return;
			}
			boolean mayHold = failure != null || taken(answer);
			if (mayHold && !acquired.took(index)) {
				// Given up on meanwhile: this one goes back too, and the caller hears of it only once it has.
				// A script whose answer was lost may still have run: hand it back as well, as Redisson does.
				lock.unlockAsync(acquired.owner).whenComplete((ignored, none) -> settled.complete(null));
				return;
			}
			settled.complete(null);
			if (failure != null) {
				// The caller hears of the failure once what was taken, this one included, is free again.
				OrderLockException translated = failure(lock, request, unwrap(failure));
				acquired.abandon().whenComplete((ignored, none) -> result.completeExceptionally(translated));
			}
			else if (taken(answer)) {
				if (answer instanceof Long token) {
					acquired.token = token;
				}
				takeFrom(index + 1, this.redisTimeout == null, acquired, request, deadline, leaseMillis, wait,
						result);
			}
			else if (!waiting && deadline - System.nanoTime() > 0) {
				takeFrom(index, true, acquired, request, deadline, leaseMillis, wait, result);
			}
			else {
				OrderLockTimeoutException busy = busy(lock, request, wait);
				acquired.abandon().whenComplete((ignored, none) -> result.completeExceptionally(busy));
			}
		});
	}

	private static OrderLockException failure(RLock lock, LockRequest request, Throwable ex) {
		String key = request.keys().get(0);
		if (ex instanceof OrderLockException lockException) {
			return lockException;
		}
		Throwable cause = RedisAnswer.failure(ex, "acquiring " + KeyText.nameOf(lock));
		if (cause instanceof RedisException || cause instanceof NoSyncedSlavesException) {
			// NoSyncedSlavesException: on Sentinel/Cluster no replica confirmed the lock in time (checkLockSyncedSlaves);
			// Redisson has undone it. Redis cannot serve the lock safely right now: the same as down.
			return new OrderLockUnavailableException(key, "Could not acquire lock '" + KeyText.nameOf(lock) + "' for "
					+ request.name() + ": Redis is unavailable (" + KeyText.render(cause) + "). The code was not run.",
					cause);
		}
		return new OrderLockException("Could not acquire lock '" + KeyText.nameOf(lock) + "' for " + request.name()
				+ ": " + KeyText.render(cause) + ". The code was not run.", cause);
	}

	static OrderLockTimeoutException busy(RLock lock, LockRequest request, Duration wait) {
		return new OrderLockTimeoutException(request.keys().get(0), wait, "Lock '" + KeyText.nameOf(lock) + "' for "
				+ request.name() + " is held by another call and was not released within " + wait
				+ ". The code was not run; try again later, or raise waitTime on @OrderLock or order-lock.wait-time.");
	}

	/** The caller was interrupted while waiting (its flag is set again by the caller). */
	static OrderLockException interrupted(RLock lock, LockRequest request, @Nullable Throwable cause) {
		return new OrderLockException("Interrupted while waiting for lock '" + KeyText.nameOf(lock) + "' for "
				+ request.name() + ". The code was not run.", cause);
	}

	private OrderLockUnavailableException noAnswer(RLock lock, LockRequest request, Duration wait, Throwable cause) {
		return new OrderLockUnavailableException(request.keys().get(0), "Could not acquire lock '"
				+ KeyText.nameOf(lock) + "' for " + request.name() + ": Redis did not answer within order-lock.redis-timeout "
				+ this.redisTimeout + " (after the wait time " + wait + " for an order it said was busy). The code was "
				+ "not run.", cause);
	}

	static Throwable unwrap(Throwable ex) {
		Throwable cause = ex;
		while ((cause instanceof CompletionException || cause instanceof ExecutionException)
				&& cause.getCause() != null) {
			cause = cause.getCause();
		}
		return cause;
	}

	/** The locks one owner took, and the fencing token of a fenced one. */
	static final class Acquired {

		final List<RLock> locks;

		final long owner;

		/** Written before the acquisition completes, read after. */
		volatile @Nullable Long token;

		/** How many of the locks are held; guarded by this. */
		private int taken;

		/** Whether the caller gave up waiting; guarded by this. */
		private boolean abandoned;

		/**
		 * Completes once the attempt in flight has been recorded as held, or handed back; guarded by this. Redis may
		 * have granted a lock whose answer is still on its way when the caller gives up.
		 */
		private CompletableFuture<Void> attempt = CompletableFuture.completedFuture(null);

		/** Redisson's future of the attempt in flight, cancelled once abandoned; guarded by this. */
		private @Nullable CompletableFuture<?> inFlight;

		/** The one hand-back once abandoned; guarded by this. */
		private @Nullable CompletableFuture<Void> abandonment;

		Acquired(List<RLock> locks, long owner) {
			this.locks = locks;
			this.owner = owner;
		}

		/** A new attempt starts: {@link #abandon} waits for the returned future, which its answer completes. */
		synchronized CompletableFuture<Void> attempting() {
			this.attempt = new CompletableFuture<>();
			return this.attempt;
		}

		/** The attempt just started; cancelled at once when the caller gave up meanwhile. */
		void inFlight(CompletableFuture<?> attempt) {
			synchronized (this) {
				if (!this.abandoned) {
					this.inFlight = attempt;
					return;
				}
			}
			attempt.cancel(false);
		}

		/** Records the lock at {@code index} as held; {@code false} when the caller gave up (hand it back). */
		synchronized boolean took(int index) {
			if (this.abandoned) {
				return false;
			}
			this.taken = index + 1;
			return true;
		}

		/**
		 * Nobody will run under these locks (the caller gave up, or one could not be had): hands back what is held
		 * now, once; later acquisitions are handed back as they come ({@link #took} says so).
		 * @return completes when the hand-back has been answered, never exceptionally
		 */
		CompletableFuture<Void> abandon() {
			CompletableFuture<?> waiting;
			CompletableFuture<Void> result;
			synchronized (this) {
				if (this.abandonment != null) {
					return this.abandonment;
				}
				this.abandoned = true;
				waiting = this.inFlight;
				this.abandonment = CompletableFuture.allOf(handBack(this.taken), this.attempt);
				result = this.abandonment;
			}
			if (waiting != null) {
				// Stops Redisson waiting on our behalf; an answer that came first is handed back by its callback.
				waiting.cancel(false);
			}
			return result;
		}

		/** Releases the first {@code count} locks quietly: not ours, or Redis failing, lapses after the lease. */
		private CompletableFuture<Void> handBack(int count) {
			CompletableFuture<?>[] unlocks = new CompletableFuture<?>[count];
			for (int i = 0; i < count; i++) {
				unlocks[i] = this.locks.get(i).unlockAsync(this.owner).toCompletableFuture()
					.handle((ignored, failure) -> null);
			}
			return CompletableFuture.allOf(unlocks);
		}

	}

}
