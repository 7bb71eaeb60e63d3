package dev.orderlock;

import java.time.Duration;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.Function;
import java.util.function.LongFunction;
import java.util.function.Supplier;

import dev.orderlock.support.KeyText;
import org.jspecify.annotations.Nullable;
import org.redisson.api.RLock;
import org.redisson.api.RedissonClient;

import org.springframework.util.Assert;
import org.springframework.util.ClassUtils;
import org.springframework.util.StringUtils;

/**
 * Runs code while holding the locks an {@link LockRequest} names: the programmatic form of {@link OrderLock}, with
 * the same lock names and semantics (the annotation's advice is a thin adapter over this class).
 * <p>
 * The lock of an order is the Redisson lock named {@code <key prefix>:<key>} of the request's {@linkplain LockKind
 * kind} ({@code RFencedLock} for fenced requests, which exclude plain ones of the same key). It is acquired with one
 * atomic script, renewed by Redisson's watchdog while the work runs (unless a fixed lease is given), and released by
 * its owner only: on return, or, when a Spring transaction is already running on the calling thread, after that
 * transaction completes (so no other instance reads the order before the commit). Every transaction begun while a
 * blocking call holds the lock checks, right before it commits, that the lock is still held. Several orders are
 * locked all or nothing, in their canonical order. Reentrant on the same thread. With {@linkplain #setLocalHandOff
 * local hand-off} on, callers of this instance that want the same order first queue here and only the head of the
 * queue waits in Redis.
 * <p>
 * Failure behaviour, always closed (the work never runs without the lock):
 * <ul>
 * <li>busy for the whole wait time: {@link OrderLockTimeoutException};</li>
 * <li>Redis unreachable, failing, or not answering within {@linkplain #setRedisTimeout the Redis timeout} (whatever
 * the wait time: only an order Redis says is busy is waited for): {@link OrderLockUnavailableException};</li>
 * <li>interrupted while waiting: {@link OrderLockException}, with the thread's interrupt flag restored;</li>
 * <li>blank key, no key, or a key longer than {@linkplain #setMaxKeyLength the maximum}: {@link OrderLockException},
 * before anything is sent to Redis.</li>
 * </ul>
 * Keys are used exactly as given ({@code :}, {@code *}, braces, line breaks, any Unicode): two keys take the same lock
 * only when they are equal strings. Messages and logs show them with control characters escaped and cut short; the
 * exceptions' {@code getKey()} returns them unchanged.
 * <p>
 * A lock found lost when the work ends (its lease expired, or the {@linkplain #setMaxHoldTime hold-time cap}
 * released it) is logged with its key, counted ({@link #getLeaseLossCount()}) and reported as
 * {@link OrderLockLeaseLostException}: before the commit of a transaction begun under it or bound to it, which is then
 * rolled back; otherwise in place of the work's result (the work's own exception, if any, is kept and carries the
 * loss as suppressed). The cap never releases a lock while a transaction under it commits: it waits for the commit
 * to end. Any other release failure is logged and the lock lapses on its own after its lease.
 * <p>
 * Asynchronous work ({@link #executeAsync(LockRequest, Function)}) is owned by the call, not by a thread: the calling
 * thread waits for the lock, starts the work, and the lock is released when the work's stage completes, whichever
 * thread completes it; the returned future completes after the release, never on Redisson's I/O threads.
 * <p>
 * Configured by the auto-configuration with a {@code MeterRegistry} or an {@code ObservationRegistry}, it records
 * each call's wait and its outcome, the hold and a lost lease, by the request's name and never by key (see
 * docs/observability.md); an observer that throws is logged and changes nothing.
 */
public class OrderLockTemplate {

	/** spring-tx is optional: without it there is no transaction to bind a release to. */
	private static final boolean TRANSACTIONS_PRESENT = ClassUtils.isPresent(
			"org.springframework.transaction.support.TransactionSynchronizationManager",
			OrderLockTemplate.class.getClassLoader());

	/** Owners of asynchronous calls: negative, so that they never meet a real thread's id in a lock's owner field. */
	private static final AtomicLong callOwners = new AtomicLong();

	/** Where work and callers continue once Redis has answered, so that nothing runs on Redisson's I/O threads. */
	private static final ExecutorService CONTINUATIONS = Executors.newCachedThreadPool(new DaemonThreads());

	private final RedissonClient redisson;

	private final String namePrefix;

	private final Duration defaultWaitTime;

	private int maxKeyLength = 1024;

	private @Nullable Duration defaultMaxHoldTime;

	private @Nullable Duration redisTimeout;

	private LockAcquirer acquirer;

	private final AtomicLong leaseLosses = new AtomicLong();

	private @Nullable LocalHandOff localHandOff;

	private LockObserver observer = LockObserver.NONE;

	private final LiveHolds live;

	/**
	 * @param redisson the application's client; every instance that must exclude each other uses the same Redis
	 * @param keyPrefix prefix of every lock's Redis key, e.g. {@code order-lock}
	 * @param defaultWaitTime how long to wait for a busy lock unless a request says otherwise
	 */
	public OrderLockTemplate(RedissonClient redisson, String keyPrefix, Duration defaultWaitTime) {
		Assert.notNull(redisson, "RedissonClient must not be null");
		Assert.hasText(keyPrefix, "order-lock.key-prefix must not be blank");
		Assert.isTrue(!defaultWaitTime.isNegative(), "order-lock.wait-time must not be negative");
		this.redisson = redisson;
		this.namePrefix = keyPrefix + ":";
		this.defaultWaitTime = defaultWaitTime;
		this.acquirer = new LockAcquirer(redisson, this.namePrefix, null);
		// Checked in the rhythm of the watchdog's renewal: a third of its lease.
		this.live = new LiveHolds(Duration.ofMillis(Math.max(100, redisson.getConfig().getLockWatchdogTimeout() / 3)));
	}

	/**
	 * Runs {@code callback} under the locks of {@code request}, handing it the lock's status (keys, fencing token).
	 * @throws E what the callback throws, unchanged
	 * @throws OrderLockException (or a subclass) when the lock cannot be taken, as this class describes
	 */
	public <T extends @Nullable Object, E extends Throwable> T execute(LockRequest request,
			LockCallback<T, E> callback) throws E {
		Objects.requireNonNull(request, "request must not be null");
		Objects.requireNonNull(callback, "callback must not be null");
		try {
			return call(request, callback::doInLock);
		}
		catch (Throwable ex) {
			// Only what the callback declares (E) or unchecked exceptions can come out of it.
			throw OrderLockTemplate.<E>rethrow(ex);
		}
	}

	/**
	 * Runs asynchronous work under the locks of {@code request}. The calling thread waits for the lock (as
	 * {@link #execute(LockRequest, LockCallback)} does, throwing the same exceptions before the work starts) and then
	 * starts it; the lock is owned by this call, not by a thread, and released when the work's stage completes. The
	 * returned future completes only after the release, with the work's outcome, or with
	 * {@link OrderLockLeaseLostException} when the lock was lost meanwhile.
	 * <p>
	 * To bound the work, bound the <em>returned</em> future ({@code orTimeout}): the caller stops waiting, and the
	 * lock stays held until the work's own stage completes, so nothing else runs on the order meanwhile. A timeout
	 * applied to the work's stage itself would release the lock while the real work still runs.
	 */
	public <T extends @Nullable Object> CompletableFuture<T> executeAsync(LockRequest request,
			Function<OrderLockStatus, ? extends @Nullable CompletionStage<T>> work) {
		Objects.requireNonNull(request, "request must not be null");
		Objects.requireNonNull(work, "work must not be null");
		try {
			CompletableFuture<T> result = callAsync(request, work::apply);
			return (result != null) ? result : CompletableFuture.completedFuture(null);
		}
		catch (Throwable ex) {
			throw OrderLockTemplate.<RuntimeException>rethrow(ex);
		}
	}

	/** Runs {@code action} under the lock of {@code key}, waiting the default wait time, watchdog-renewed. */
	public <T extends @Nullable Object> T execute(String key, Supplier<T> action) {
		return execute(LockRequest.of(key), (lock) -> action.get());
	}

	/** Runs {@code action} under the lock of {@code key}, waiting the default wait time, watchdog-renewed. */
	public void run(String key, Runnable action) {
		execute(LockRequest.of(key), (lock) -> {
			action.run();
			return null;
		});
	}

	/**
	 * Runs {@code action} under the lock of {@code key}; a shorthand for
	 * {@code execute(LockRequest.of(key).waitTime(waitTime).leaseTime(leaseTime), ...)}.
	 * @param waitTime how long to wait for a busy lock; {@code null} for the default
	 * @param leaseTime fixed lease after which Redis frees the lock; {@code null} for watchdog renewal
	 */
	public <T extends @Nullable Object> T execute(String key, @Nullable Duration waitTime,
			@Nullable Duration leaseTime, Supplier<T> action) {
		return execute(LockRequest.of(key).waitTime(waitTime).leaseTime(leaseTime), (lock) -> action.get());
	}

	/**
	 * Runs {@code action} under the locks of every order in {@code keys}, all or nothing, waiting the default wait
	 * time for all of them together, watchdog-renewed. The keys are locked in natural {@code String} order,
	 * duplicates once, so two calls with overlapping keys never wait for each other in a cycle; each lock is its own
	 * Redis key, taken by its own command (different cluster slots are fine). While it waits for one key it holds
	 * the keys before it; when the wait time runs out (or Redis fails) it releases them, and the code does not run.
	 * @throws OrderLockException when {@code keys} is empty or one of them is blank (the code is not run)
	 */
	public <T extends @Nullable Object> T execute(Collection<String> keys, Supplier<T> action) {
		return execute(LockRequest.of(keys), (lock) -> action.get());
	}

	/** Runs {@code action} under the lock of {@code kind} of {@code key}; a shorthand for a request of that kind. */
	public <T extends @Nullable Object> T execute(LockKind kind, String key, Supplier<T> action) {
		return execute(LockRequest.of(key).kind(kind), (lock) -> action.get());
	}

	/** Runs {@code action} under the locks of {@code kind} of every order in {@code keys}, all or nothing. */
	public <T extends @Nullable Object> T execute(LockKind kind, Collection<String> keys, Supplier<T> action) {
		return execute(LockRequest.of(keys).kind(kind), (lock) -> action.get());
	}

	/**
	 * Runs {@code action} under the {@linkplain OrderLock#fenced() fenced} lock of {@code key}, waiting the default
	 * wait time, watchdog-renewed, handing it the lock's fencing token (also available from
	 * {@link OrderLockContext#currentFencingToken()}).
	 */
	public <T extends @Nullable Object> T executeFenced(String key, LongFunction<T> action) {
		return execute(LockRequest.of(key).fenced(true),
				(lock) -> action.apply(lock.fencingToken().orElseThrow()));
	}

	/** Runs asynchronous work under the lock of {@code key}, as {@link #executeAsync(LockRequest, Function)}. */
	public <T extends @Nullable Object> CompletableFuture<T> executeAsync(String key,
			Supplier<? extends @Nullable CompletionStage<T>> action) {
		return executeAsync(LockRequest.of(key), (lock) -> action.get());
	}

	/** The blocking lifecycle: acquire for this thread, run, release (or bind the release to the transaction). */
	<T extends @Nullable Object> T call(LockRequest request, LockedCall<T> call) throws Throwable {
		rejectInvalidKeys(request);
		LockObserver.Attempt attempt = this.observer.waiting(request.name());
		try {
			HeldOrderLock held = acquire(request, Thread.currentThread().getId(), true, attempt);
			T result = callHeld(held, call);
			attempt.ended(null);
			return result;
		}
		catch (Throwable ex) {
			attempt.ended(ex);
			throw ex;
		}
	}

	private <T extends @Nullable Object> T callHeld(HeldOrderLock held, LockedCall<T> call) throws Throwable {
		boolean boundToTransaction;
		try {
			// Inside a running transaction the release waits for its completion (and ownership is checked before
			// its commit); otherwise the lock is released on return.
			boundToTransaction = TRANSACTIONS_PRESENT && TransactionBoundRelease.bindIfActive(held);
		}
		catch (Throwable ex) {
			held.release();
			throw ex;
		}
		T result;
		OrderLockContext.push(held);
		try {
			result = call.call(held);
		}
		catch (Throwable ex) {
			if (!boundToTransaction) {
				keepLoss(ex, held.release());
			}
			throw ex;
		}
		finally {
			OrderLockContext.pop();
		}
		if (!boundToTransaction) {
			OrderLockLeaseLostException lost = held.release();
			if (lost != null) {
				throw lost;
			}
		}
		return result;
	}

	/**
	 * The {@code CompletionStage} lifecycle: acquire for a new call owner on this thread, start the work, release when
	 * its stage completes. A {@code null} stage releases at once (and is returned as {@code null}).
	 */
	<T extends @Nullable Object> @Nullable CompletableFuture<T> callAsync(LockRequest request,
			LockedCall<? extends @Nullable CompletionStage<T>> call) throws Throwable {
		rejectInvalidKeys(request);
		LockObserver.Attempt attempt = this.observer.waiting(request.name());
		try {
			HeldOrderLock held = acquire(request, nextCallOwner(), false, attempt);
			CompletionStage<T> work;
			OrderLockContext.push(held);
			held.attachToCurrentThread();
			try {
				work = call.call(held);
			}
			catch (Throwable ex) {
				keepLoss(ex, held.release());
				throw ex;
			}
			finally {
				held.detachFromCurrentThread();
				OrderLockContext.pop();
			}
			CompletableFuture<T> result = null;
			if (work != null) {
				result = held.releaseAfter(work);
			}
			else {
				OrderLockLeaseLostException lost = held.release();
				if (lost != null) {
					throw lost;
				}
			}
			// The call ends here on this thread; the hold time runs until the release, on whichever thread.
			attempt.ended(null);
			return result;
		}
		catch (Throwable ex) {
			attempt.ended(ex);
			throw ex;
		}
	}

	/**
	 * The reactive lifecycle's first step: acquires for a new call owner without blocking any thread (no local queue:
	 * it is for threads). Completes with the held lock, which the caller must release, or exceptionally with the
	 * same exceptions a blocking call throws (already reported to {@code attempt}).
	 */
	CompletableFuture<HeldOrderLock> acquireAsync(LockRequest request, LockObserver.Attempt attempt) {
		try {
			rejectInvalidKeys(request);
		}
		catch (OrderLockException ex) {
			return CompletableFuture.failedFuture(ex);
		}
		List<RLock> locks = this.acquirer.locksOf(request);
		return this.acquirer.acquireAsync(request, locks, nextCallOwner(), waitTimeOf(request), System.nanoTime())
			.handle((acquired, failure) -> {
				if (failure != null) {
					Throwable cause = LockAcquirer.unwrap(failure);
					attempt.notAcquired(LockObserver.Outcome.of(cause), cause);
					throw (RuntimeException) cause;
				}
				return held(request, acquired, false, attempt, null);
			});
	}

	/** Acquires on the calling thread: the local queue first (when on and it applies), then Redis. */
	private HeldOrderLock acquire(LockRequest request, long owner, boolean threadBound, LockObserver.Attempt attempt) {
		Duration wait = waitTimeOf(request);
		List<RLock> locks = this.acquirer.locksOf(request);
		long startedAt = System.nanoTime();
		LocalHandOff.Turn turn = null;
		LockAcquirer.Acquired acquired;
		try {
			turn = awaitLocalTurn(request, locks.get(0), wait);
			acquired = this.acquirer.acquire(request, locks, owner, wait, startedAt);
		}
		catch (RuntimeException ex) {
			if (turn != null) {
				turn.leave();
			}
			attempt.notAcquired(LockObserver.Outcome.of(ex), ex);
			throw ex;
		}
		return held(request, acquired, threadBound, attempt, turn);
	}

	private HeldOrderLock held(LockRequest request, LockAcquirer.Acquired acquired, boolean threadBound,
			LockObserver.Attempt attempt, LocalHandOff.@Nullable Turn turn) {
		HeldOrderLock held = new HeldOrderLock(request, acquired, threadBound, attempt, this.leaseLosses,
				this.redisTimeout, CONTINUATIONS, this.live);
		if (turn != null) {
			held.holdTurn(turn);
		}
		attempt.acquired();
		Duration cap = (request.maxHoldTime() != null) ? request.maxHoldTime() : this.defaultMaxHoldTime;
		if (cap != null) {
			held.capHoldTime(cap);
		}
		return held;
	}

	/**
	 * Waits for this instance's turn at a single exclusive order, when local hand-off is on; {@code null} when the
	 * queue does not apply (off, several orders, another kind, or the calling thread holds the order already).
	 */
	private LocalHandOff.@Nullable Turn awaitLocalTurn(LockRequest request, RLock lock, Duration wait) {
		LocalHandOff queue = this.localHandOff;
		if (queue == null || request.keys().size() != 1 || request.kind() != LockKind.EXCLUSIVE) {
			return null;
		}
		String key = request.keys().get(0);
		if (HeldOrderLock.currentThreadHolds(key)) {
			// Reentrant: queueing behind callers that wait for our own lock would never end.
			return null;
		}
		LocalHandOff.Turn turn;
		try {
			turn = queue.await(key, wait.toNanos());
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw LockAcquirer.interrupted(lock, request, ex);
		}
		if (turn == null) {
			throw LockAcquirer.busy(lock, request, wait);
		}
		return turn;
	}

	private static void keepLoss(Throwable failure, @Nullable OrderLockLeaseLostException lost) {
		if (lost != null && failure != lost && !(failure instanceof OrderLockLeaseLostException)) {
			// The code's own failure stays the outcome; the loss travels with it.
			failure.addSuppressed(lost);
		}
	}

	private Duration waitTimeOf(LockRequest request) {
		return (request.waitTime() != null) ? request.waitTime() : this.defaultWaitTime;
	}

	private static long nextCallOwner() {
		return -callOwners.incrementAndGet();
	}

	/** Refuses keys that cannot name an order (blank, too long), before any Redis call. */
	private void rejectInvalidKeys(LockRequest request) {
		List<String> keys = request.keys();
		if (keys.isEmpty()) {
			throw new OrderLockException("Lock keys for " + request.name() + " are empty; a guarded call needs at "
					+ "least one order to lock. The code was not run.");
		}
		for (String key : keys) {
			if (!StringUtils.hasText(key)) {
				throw new OrderLockException((keys.size() == 1)
						? "Lock key for " + request.name() + " is blank; every guarded call needs the key of the order "
								+ "it changes. The code was not run."
						: "Lock keys " + KeyText.render(String.valueOf(keys)) + " for " + request.name() + " contain a "
								+ "blank key; every guarded call needs the keys of the orders it changes. The code was "
								+ "not run.");
			}
			if (key.length() > this.maxKeyLength) {
				// Says how long the key is, never what it says: it may be megabytes of anything.
				throw new OrderLockException("Lock key for " + request.name() + " is " + key.length() + " characters "
						+ "long, more than order-lock.max-key-length (" + this.maxKeyLength + "); refusing to lock on "
						+ "it. The code was not run. Lock on the order's id rather than on text a caller sent, or "
						+ "raise order-lock.max-key-length.");
			}
		}
	}

	@SuppressWarnings("unchecked")
	private static <E extends Throwable> E rethrow(Throwable ex) throws E {
		throw (E) ex;
	}

	/**
	 * The locks this template holds right now, on any thread: a snapshot, without any Redis call (what the
	 * {@code orderlocks} Actuator endpoint lists). Never fails.
	 */
	public List<OrderLockHold> currentHolds() {
		return this.live.snapshot();
	}

	/**
	 * Caps how long a lock of this template is held unless a request says otherwise: past it the lock is released
	 * even if the code still runs (every reentrant hold of it), and the code's end reports a lost lease. A commit
	 * under way is never cut: the cap then waits for its end. {@code null} (the default) for no cap.
	 */
	public void setMaxHoldTime(@Nullable Duration maxHoldTime) {
		Assert.isTrue(maxHoldTime == null || (!maxHoldTime.isNegative() && !maxHoldTime.isZero()),
				"order-lock.max-hold-time must be positive");
		this.defaultMaxHoldTime = maxHoldTime;
	}

	/**
	 * Longest key, in {@code char}s ({@link String#length()}), a call may lock on; 1024 by default. A longer one fails
	 * the call with {@link OrderLockException} before any Redis command. Order ids are short: a long key is caller-
	 * supplied text that should not become a lock name, since Redis stores the name with every held lock (and, for
	 * fenced locks, keeps a token key of that name), so one request could make it store megabytes.
	 */
	public void setMaxKeyLength(int maxKeyLength) {
		Assert.isTrue(maxKeyLength > 0, "order-lock.max-key-length must be positive");
		this.maxKeyLength = maxKeyLength;
	}

	/**
	 * Bounds how long acquiring waits for Redis to answer before failing with {@link OrderLockUnavailableException},
	 * whatever Redisson's own timeout and retries are and whatever the wait time: each lock is first asked for without
	 * waiting, within this bound, and only an order Redis says is busy is then waited for (for the rest of the wait
	 * time, plus this bound); for every return style and number of keys. The starter sets 1 s
	 * ({@code order-lock.redis-timeout}); {@code null} (this class's default) leaves the bound to Redisson's
	 * {@code timeout}, {@code retryAttempts} and {@code retryDelay}. Also bounds the ownership check before a commit (failing it
	 * closed) and the release (a release that gives up is logged; the lock lapses after its lease).
	 */
	public void setRedisTimeout(@Nullable Duration redisTimeout) {
		Assert.isTrue(redisTimeout == null || (!redisTimeout.isNegative() && !redisTimeout.isZero()),
				"order-lock.redis-timeout must be positive");
		this.redisTimeout = redisTimeout;
		this.acquirer = new LockAcquirer(this.redisson, this.namePrefix, redisTimeout);
	}

	/**
	 * Whether callers of this instance that want the same order queue here first (fair), so that only the head of
	 * the queue waits in Redis (see {@code order-lock.local-hand-off}). Each caller still takes and releases the Redis
	 * lock itself, so exclusion across instances does not depend on the queue; the wait time covers both waits; a
	 * turn ends with the hold (its release, or its cap). Applies to one exclusive order per call, blocking or
	 * {@code CompletionStage}; reactive callers wait in Redis. Off by default; set it before the template is used.
	 */
	public void setLocalHandOff(boolean localHandOff) {
		this.localHandOff = localHandOff ? new LocalHandOff() : null;
	}

	/** Where this template reports its locks; for the reactive path. */
	LockObserver observer() {
		return this.observer;
	}

	/**
	 * Reports waits, holds and lost leases to {@code observer} (meters and observations: docs/observability.md);
	 * whatever it throws is logged and dropped, so it can neither leak a lock nor change a call's outcome.
	 */
	public void setObserver(LockObserver observer) {
		this.observer = SafeLockObserver.of(observer);
	}

	/** Where work continues after Redis answered an asynchronous call; never one of Redisson's I/O threads. */
	static Executor continuations() {
		return CONTINUATIONS;
	}

	/** The local queue in front of the Redis lock, {@code null} unless local hand-off is on; for tests. */
	@Nullable LocalHandOff localHandOff() {
		return this.localHandOff;
	}

	/**
	 * How many locks were found lost since start-up: at release, before a commit, or released at their
	 * {@code maxHoldTime}. Monotonic, for a metrics counter.
	 */
	public long getLeaseLossCount() {
		return this.leaseLosses.get();
	}

	/** Daemon threads, so that an idle continuation pool never keeps a JVM alive. */
	private static final class DaemonThreads implements java.util.concurrent.ThreadFactory {

		private final AtomicInteger count = new AtomicInteger();

		@Override
		public Thread newThread(Runnable runnable) {
			Thread thread = new Thread(runnable, "order-lock-continuation-" + this.count.incrementAndGet());
			thread.setDaemon(true);
			return thread;
		}

	}

}
