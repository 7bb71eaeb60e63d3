package dev.orderlock;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Objects;
import java.util.TreeSet;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.function.LongFunction;
import java.util.function.Supplier;

import org.jspecify.annotations.Nullable;
import org.redisson.api.RFencedLock;
import org.redisson.api.RLock;
import org.redisson.api.RedissonClient;
import org.redisson.client.RedisException;
import org.redisson.command.NoSyncedSlavesException;

import org.springframework.util.Assert;
import org.springframework.util.ClassUtils;
import org.springframework.util.StringUtils;

/**
 * Runs code while holding the lock of one order: the programmatic form of {@link OrderLock}, with the same lock
 * names and semantics (the annotation's advice is a thin adapter over this class).
 * <p>
 * The lock is the Redisson {@link RLock} named {@code <key prefix>:<key>} ({@code RFencedLock} for
 * {@link #executeFenced fenced} calls, which exclude plain ones of the same key). It is acquired with one atomic
 * script, renewed by Redisson's watchdog while the work runs (unless a fixed lease is given), and released by its
 * owner only: on return, or, when a Spring transaction is already running on the calling thread, after that
 * transaction completes (so no other instance reads the order before the commit). Reentrant on the same thread.
 * With {@linkplain #setLocalHandOff local hand-off} on, callers of this instance that want the same order first queue
 * here and only the head of the queue waits in Redis. Other {@linkplain LockKind kinds} (fair, read, write) and
 * several orders at once (all or nothing, in sorted key order) take the matching Redisson locks under the same names.
 * <p>
 * Failure behaviour, always closed (the work never runs without the lock):
 * <ul>
 * <li>busy for the whole wait time: {@link OrderLockTimeoutException};</li>
 * <li>Redis unreachable or failing: {@link OrderLockUnavailableException};</li>
 * <li>interrupted while waiting: {@link OrderLockException}, with the thread's interrupt flag restored;</li>
 * <li>blank key, or a key longer than {@linkplain #setMaxKeyLength the maximum}: {@link OrderLockException},
 * before anything is sent to Redis.</li>
 * </ul>
 * Keys are used exactly as given ({@code :}, {@code *}, braces, line breaks, any Unicode): two keys take the same lock
 * only when they are equal strings. Messages and logs show them with control characters escaped and cut short; the
 * exceptions' {@code getKey()} returns them unchanged.
 * <p>
 * A lock found lost when the work ends (its lease expired, or the {@linkplain #setMaxHoldTime hold-time cap}
 * released it) is logged with its key, counted ({@link #getLeaseLossCount()}) and reported as
 * {@link OrderLockLeaseLostException}: before the commit of a bound transaction, which is then rolled back;
 * otherwise in place of the work's result (the work's own exception, if any, is kept and carries the loss as
 * suppressed), because the integrity of the data it protects may have been compromised. Any other release failure is
 * logged and the lock lapses on its own after its lease.
 * <p>
 * Configured by the auto-configuration with a {@code MeterRegistry} or an {@code ObservationRegistry}, it records
 * each call's wait and its outcome, the hold and a lost lease, by lock name and never by key (see
 * docs/observability.md); otherwise it records nothing.
 */
public class OrderLockTemplate {

	private static final String ORIGIN = OrderLockTemplate.class.getSimpleName();

	/** spring-tx is optional: without it there is no transaction to bind a release to. */
	private static final boolean TRANSACTIONS_PRESENT = ClassUtils.isPresent(
			"org.springframework.transaction.support.TransactionSynchronizationManager",
			OrderLockTemplate.class.getClassLoader());

	private final RedissonClient redisson;

	private final String namePrefix;

	private final Duration defaultWaitTime;

	private int maxKeyLength = 1024;

	private @Nullable Duration defaultMaxHoldTime;

	private @Nullable Duration redisTimeout;

	private final AtomicLong leaseLosses = new AtomicLong();

	private @Nullable LocalHandOff localHandOff;

	private LockObserver observer = LockObserver.NONE;

	/**
	 * @param redisson the application's client; every instance that must exclude each other uses the same Redis
	 * @param keyPrefix prefix of every lock's Redis key, e.g. {@code order-lock}
	 * @param defaultWaitTime how long to wait for a busy lock unless a call says otherwise
	 */
	public OrderLockTemplate(RedissonClient redisson, String keyPrefix, Duration defaultWaitTime) {
		Assert.notNull(redisson, "RedissonClient must not be null");
		Assert.hasText(keyPrefix, "order-lock.key-prefix must not be blank");
		Assert.isTrue(!defaultWaitTime.isNegative(), "order-lock.wait-time must not be negative");
		this.redisson = redisson;
		this.namePrefix = keyPrefix + ":";
		this.defaultWaitTime = defaultWaitTime;
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
	 * Runs {@code action} under the {@linkplain OrderLock#fenced() fenced} lock of {@code key}, waiting the default
	 * wait time, watchdog-renewed, handing it the lock's fencing token (also available from
	 * {@link OrderLockContext#currentFencingToken()}).
	 */
	public <T extends @Nullable Object> T executeFenced(String key, LongFunction<T> action) {
		Objects.requireNonNull(action, "action must not be null");
		try {
			return execute(key, null, null, null, true, ORIGIN,
					() -> action.apply(OrderLockContext.currentFencingToken().orElseThrow()));
		}
		catch (RuntimeException | Error ex) {
			throw ex;
		}
		catch (Throwable ex) {
			throw new IllegalStateException(ex);
		}
	}

	/**
	 * Runs asynchronous work under the lock of {@code key}, waiting the default wait time, watchdog-renewed. The
	 * calling thread waits for the lock (as {@link #execute(String, Supplier)} does) and then starts {@code action};
	 * the lock is owned by this call, not by a thread, and released when the returned stage completes, whichever
	 * thread completes it. The returned future completes only after the release, with the work's outcome, or with
	 * {@link OrderLockLeaseLostException} when the lock was lost meanwhile.
	 * @throws OrderLockTimeoutException, OrderLockUnavailableException, OrderLockException as {@code execute} does,
	 * before {@code action} runs
	 */
	public <T extends @Nullable Object> CompletableFuture<T> executeAsync(String key,
			Supplier<? extends @Nullable CompletionStage<T>> action) {
		Objects.requireNonNull(action, "action must not be null");
		try {
			return executeAsync(key, null, null, ORIGIN, action::get);
		}
		catch (RuntimeException | Error ex) {
			throw ex;
		}
		catch (Throwable ex) {
			throw new IllegalStateException(ex);
		}
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
		return execute(LockKind.EXCLUSIVE, keys, action);
	}

	/**
	 * Runs {@code action} under the lock of {@code kind} of {@code key} (see {@link LockKind}), waiting the default
	 * wait time, watchdog-renewed.
	 */
	public <T extends @Nullable Object> T execute(LockKind kind, String key, Supplier<T> action) {
		return execute(kind, List.of(key), action);
	}

	/**
	 * Runs {@code action} under the locks of {@code kind} of every order in {@code keys}, all or nothing, as
	 * {@link #execute(Collection, Supplier)} does.
	 */
	public <T extends @Nullable Object> T execute(LockKind kind, Collection<String> keys, Supplier<T> action) {
		Objects.requireNonNull(kind, "kind must not be null");
		Objects.requireNonNull(keys, "keys must not be null");
		Objects.requireNonNull(action, "action must not be null");
		try {
			return execute(kind, keys, null, null, null, ORIGIN, action::get);
		}
		catch (RuntimeException | Error ex) {
			throw ex;
		}
		catch (Throwable ex) {
			throw new IllegalStateException(ex);
		}
	}

	/** The asynchronous counterpart of the synchronous {@code execute}; a {@code null} stage releases at once. */
	<T extends @Nullable Object> @Nullable CompletableFuture<T> executeAsync(String key, @Nullable Duration waitTime,
			@Nullable Duration leaseTime, String origin, LockedCall<? extends @Nullable CompletionStage<T>> call)
			throws Throwable {
		LockObserver.Attempt attempt = this.observer.waiting(origin);
		try {
			CompletableFuture<T> result = acquireAndStart(key, waitTime, leaseTime, origin, attempt, call);
			// The call ends here on this thread; the hold time runs until the release, on whichever thread.
			attempt.ended(null);
			return result;
		}
		catch (Throwable ex) {
			attempt.ended(ex);
			throw ex;
		}
	}

	private <T extends @Nullable Object> @Nullable CompletableFuture<T> acquireAndStart(String key,
			@Nullable Duration waitTime, @Nullable Duration leaseTime, String origin, LockObserver.Attempt attempt,
			LockedCall<? extends @Nullable CompletionStage<T>> call) throws Throwable {
		CompletableFuture<AsyncOrderLock> acquiring = acquireAsync(key, waitTime, leaseTime, origin);
		AsyncOrderLock held;
		try {
			held = acquiring.get();
		}
		catch (InterruptedException ex) {
			acquiring.thenAccept(AsyncOrderLock::release);
			OrderLockException interrupted = interrupted(this.redisson.getLock(this.namePrefix + key), origin, ex);
			attempt.notAcquired(LockObserver.Outcome.INTERRUPTED, interrupted);
			throw interrupted;
		}
		catch (ExecutionException ex) {
			Throwable failure = AsyncOrderLock.unwrap(ex.getCause());
			attempt.notAcquired(LockObserver.Outcome.of(failure), failure);
			throw failure;
		}
		attempt.acquired();
		held.observedBy(attempt);
		CompletionStage<T> work;
		try {
			work = call.call();
		}
		catch (Throwable ex) {
			held.release().exceptionally((lost) -> {
				ex.addSuppressed(AsyncOrderLock.unwrap(lost));
				return null;
			}).join();
			throw ex;
		}
		if (work == null) {
			held.release().join();
			return null;
		}
		return held.releaseAfter(work);
	}

	/**
	 * Acquires the lock of {@code key} for asynchronous work, without blocking: completes with the held lock, or
	 * exceptionally with {@link OrderLockTimeoutException}, {@link OrderLockUnavailableException} or
	 * {@link OrderLockException}. The caller must {@linkplain AsyncOrderLock#release() release} it.
	 */
	CompletableFuture<AsyncOrderLock> acquireAsync(String key, @Nullable Duration waitTime,
			@Nullable Duration leaseTime, String origin) {
		OrderLockException rejected = rejected(key, origin);
		if (rejected != null) {
			return CompletableFuture.failedFuture(rejected);
		}
		Duration wait = (waitTime != null) ? waitTime : this.defaultWaitTime;
		return AsyncOrderLock.acquire(this.redisson.getLock(this.namePrefix + key), key, wait, leaseTime,
				this.redisTimeout, origin, this.leaseLosses);
	}

	/**
	 * Caps how long a lock of this template is held unless a call says otherwise: past it the lock is released even
	 * if the code still runs, and the code's end reports a lost lease. {@code null} (the default) for no cap.
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
	 * fenced locks, keeps a token key of that name forever), so one request could make it store megabytes.
	 */
	public void setMaxKeyLength(int maxKeyLength) {
		Assert.isTrue(maxKeyLength > 0, "order-lock.max-key-length must be positive");
		this.maxKeyLength = maxKeyLength;
	}

	/**
	 * Bounds how long acquiring waits for Redis to answer, on top of the wait time, before failing with
	 * {@link OrderLockUnavailableException}, whatever Redisson's own timeout and retries are. {@code null} (the
	 * default) leaves the bound to Redisson's {@code timeout}, {@code retryAttempts} and {@code retryDelay}. Also
	 * bounds the ownership check before a bound transaction commits (failing it closed) and the release (a release
	 * that gives up is logged; the lock lapses after its lease).
	 */
	public void setRedisTimeout(@Nullable Duration redisTimeout) {
		Assert.isTrue(redisTimeout == null || (!redisTimeout.isNegative() && !redisTimeout.isZero()),
				"order-lock.redis-timeout must be positive");
		this.redisTimeout = redisTimeout;
	}

	/**
	 * Whether callers of this instance that want the same order queue here first (fair, thread-bound), so that only
	 * the head of the queue waits in Redis (see {@code order-lock.local-hand-off}). Each caller still takes and
	 * releases the Redis lock itself, so exclusion across instances does not depend on the queue; the wait time
	 * covers both waits. Off by default; set it before the template is used.
	 */
	public void setLocalHandOff(boolean localHandOff) {
		this.localHandOff = localHandOff ? new LocalHandOff() : null;
	}

	/** Reports waits, holds and lost leases to meters and observations (docs/observability.md); none by default. */
	/** Where this template reports its locks; for the reactive path, which takes them itself. */
	LockObserver observer() {
		return this.observer;
	}

	void setObserver(LockObserver observer) {
		this.observer = observer;
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

	<T extends @Nullable Object> T execute(String key, @Nullable Duration waitTime, @Nullable Duration leaseTime,
			String origin, LockedCall<T> call) throws Throwable {
		return execute(key, waitTime, leaseTime, null, false, origin, call);
	}

	/**
	 * The one place a lock is taken and released; {@code origin} names the caller in every message.
	 */
	<T extends @Nullable Object> T execute(String key, @Nullable Duration waitTime, @Nullable Duration leaseTime,
			@Nullable Duration maxHoldTime, boolean fenced, String origin, LockedCall<T> call) throws Throwable {
		OrderLockException rejected = rejected(key, origin);
		if (rejected != null) {
			throw rejected;
		}
		Duration wait = (waitTime != null) ? waitTime : this.defaultWaitTime;
		String name = this.namePrefix + key;
		RLock lock = fenced ? this.redisson.getFencedLock(name) : this.redisson.getLock(name);
		LockObserver.Attempt attempt = this.observer.waiting(origin);
		try {
			T result = queueAndCallLocked(lock, key, wait, leaseTime, maxHoldTime, fenced, origin, attempt, call);
			attempt.ended(null);
			return result;
		}
		catch (Throwable ex) {
			attempt.ended(ex);
			throw ex;
		}
	}

	private <T extends @Nullable Object> T queueAndCallLocked(RLock lock, String key, Duration wait,
			@Nullable Duration leaseTime, @Nullable Duration maxHoldTime, boolean fenced, String origin,
			LockObserver.Attempt attempt, LockedCall<T> call) throws Throwable {
		LocalHandOff queue = this.localHandOff;
		if (queue == null) {
			return callLocked(lock, key, wait, wait, leaseTime, maxHoldTime, fenced, origin, attempt, call);
		}
		long queuedAt = System.nanoTime();
		LocalHandOff.Turn turn;
		try {
			turn = awaitLocalTurn(queue, lock, key, wait, origin);
		}
		catch (RuntimeException ex) {
			attempt.notAcquired(LockObserver.Outcome.of(ex), ex);
			throw ex;
		}
		try {
			// One budget for both waits: the local queue's share is taken off the wait in Redis. Inside a running
			// transaction the turn ends on return and the next local caller waits in Redis for the commit.
			Duration redisWait = wait.minusNanos(System.nanoTime() - queuedAt);
			return callLocked(lock, key, wait, redisWait.isNegative() ? Duration.ZERO : redisWait, leaseTime,
					maxHoldTime, fenced, origin, attempt, call);
		}
		finally {
			queue.leave(turn);
		}
	}

	/**
	 * Locks of a {@link LockKind} other than the default, or of several orders: sorted, distinct keys, all or
	 * nothing. One exclusive key takes the default path above, unchanged. Local hand-off does not apply here (it would
	 * queue readers behind each other, and a fair lock queues in Redis already).
	 */
	<T extends @Nullable Object> T execute(LockKind kind, Collection<String> keys, @Nullable Duration waitTime,
			@Nullable Duration leaseTime, @Nullable Duration maxHoldTime, String origin, LockedCall<T> call)
			throws Throwable {
		List<String> sorted = canonicalKeys(keys, origin);
		if (sorted.size() == 1 && kind == LockKind.EXCLUSIVE) {
			return execute(sorted.get(0), waitTime, leaseTime, maxHoldTime, false, origin, call);
		}
		LockObserver.Attempt attempt = this.observer.waiting(origin);
		try {
			T result = callLockedKind(kind, sorted, waitTime, leaseTime, maxHoldTime, origin, attempt, call);
			attempt.ended(null);
			return result;
		}
		catch (Throwable ex) {
			attempt.ended(ex);
			throw ex;
		}
	}

	private <T extends @Nullable Object> T callLockedKind(LockKind kind, List<String> sorted,
			@Nullable Duration waitTime, @Nullable Duration leaseTime, @Nullable Duration maxHoldTime, String origin,
			LockObserver.Attempt attempt, LockedCall<T> call) throws Throwable {
		Duration wait = (waitTime != null) ? waitTime : this.defaultWaitTime;
		if (sorted.size() == 1) {
			String key = sorted.get(0);
			RLock lock = lockOf(kind, this.namePrefix + key);
			return callLocked(lock, key, wait, wait, leaseTime, maxHoldTime, false, origin, attempt, call);
		}
		if (leaseTime != null) {
			throw new OrderLockException("Locks of several orders " + KeyText.render(sorted.toString()) + " for "
					+ origin + " cannot have a fixed lease: it would start at each lock's own acquisition. The code "
					+ "was not run; leave the lease to the watchdog and cap the hold with maxHoldTime.");
		}
		List<RLock> locks = new ArrayList<>(sorted.size());
		for (String key : sorted) {
			locks.add(lockOf(kind, this.namePrefix + key));
		}
		String allKeys = sorted.toString();
		return callLocked(new OrderMultiLock(this.namePrefix + allKeys, locks), allKeys, wait, wait, null,
				maxHoldTime, false, origin, attempt, call);
	}

	/** Natural {@code String} order, duplicates once: the canonical order every caller acquires in. */
	private List<String> canonicalKeys(Collection<String> keys, String origin) {
		TreeSet<String> sorted = new TreeSet<>();
		for (String key : keys) {
			if (!StringUtils.hasText(key)) {
				throw new OrderLockException("Lock keys " + KeyText.render(String.valueOf(keys)) + " for " + origin
						+ " contain a blank key; every guarded call needs the keys of the orders it changes. The code "
						+ "was not run.");
			}
			if (key.length() > this.maxKeyLength) {
				throw tooLong(key, origin);
			}
			sorted.add(key);
		}
		if (sorted.isEmpty()) {
			throw new OrderLockException("Lock keys for " + origin + " are empty; a guarded call needs at least one "
					+ "order to lock. The code was not run.");
		}
		return new ArrayList<>(sorted);
	}

	private RLock lockOf(LockKind kind, String name) {
		return switch (kind) {
			case EXCLUSIVE -> this.redisson.getLock(name);
			case FAIR -> this.redisson.getFairLock(name);
			case READ -> this.redisson.getReadWriteLock(name).readLock();
			case WRITE -> this.redisson.getReadWriteLock(name).writeLock();
		};
	}

	private static LocalHandOff.Turn awaitLocalTurn(LocalHandOff queue, RLock lock, String key, Duration wait,
			String origin) {
		LocalHandOff.Turn turn;
		try {
			turn = queue.await(key, wait.toNanos());
		}
		catch (InterruptedException ex) {
			throw interrupted(lock, origin, ex);
		}
		if (turn == null) {
			throw busy(lock, key, wait, origin);
		}
		return turn;
	}

	/** Acquires in Redis (waiting up to {@code redisWait}), runs the call and releases or binds the release. */
	private <T extends @Nullable Object> T callLocked(RLock lock, String key, Duration wait, Duration redisWait,
			@Nullable Duration leaseTime, @Nullable Duration maxHoldTime, boolean fenced, String origin,
			LockObserver.Attempt attempt, LockedCall<T> call) throws Throwable {
		Long token;
		try {
			token = acquire(lock, key, wait, redisWait, leaseTime, fenced, origin);
		}
		catch (RuntimeException ex) {
			attempt.notAcquired(LockObserver.Outcome.of(ex), ex);
			throw ex;
		}
		attempt.acquired();
		HeldOrderLock held = new HeldOrderLock(lock, key, origin, this.leaseLosses, attempt, this.redisTimeout);
		Duration cap = (maxHoldTime != null) ? maxHoldTime : this.defaultMaxHoldTime;
		if (cap != null) {
			held.capHoldTime(cap);
		}
		boolean boundToTransaction;
		try {
			// Inside a running transaction the release waits for its completion (and ownership is checked before
			// its commit); otherwise the lock is released on return.
			boundToTransaction = TRANSACTIONS_PRESENT && TransactionBoundRelease.bindIfActive(held);
		}
		catch (RuntimeException | Error ex) {
			held.release();
			throw ex;
		}
		if (!boundToTransaction) {
			held.releaseOnReturn();
		}
		if (token != null) {
			OrderLockContext.push(token);
		}
		T result;
		try {
			result = call.call();
		}
		catch (Throwable ex) {
			if (!boundToTransaction) {
				OrderLockLeaseLostException lost = held.release();
				if (lost != null && !(ex instanceof OrderLockLeaseLostException)) {
					// The code's own failure stays the outcome; the loss travels with it.
					ex.addSuppressed(lost);
				}
			}
			throw ex;
		}
		finally {
			if (token != null) {
				OrderLockContext.pop();
			}
		}
		if (!boundToTransaction) {
			OrderLockLeaseLostException lost = held.release();
			if (lost != null) {
				throw lost;
			}
		}
		return result;
	}

	/** The fencing token, or {@code null} for a lock without one. */
	private @Nullable Long acquire(RLock lock, String key, Duration wait, Duration redisWait,
			@Nullable Duration leaseTime, boolean fenced, String origin) {
		long lease = (leaseTime != null) ? leaseTime.toMillis() : -1;
		Long token = null;
		boolean acquired;
		try {
			if (this.redisTimeout != null) {
				Object answer = BoundedAcquire.tryLock(lock, fenced, redisWait, lease, this.redisTimeout);
				token = (answer instanceof Long fencingToken) ? fencingToken : null;
				acquired = (token != null) || Boolean.TRUE.equals(answer);
			}
			else if (fenced) {
				token = ((RFencedLock) lock).tryLockAndGetToken(redisWait.toMillis(), lease, TimeUnit.MILLISECONDS);
				acquired = (token != null);
			}
			else {
				acquired = lock.tryLock(redisWait.toMillis(), lease, TimeUnit.MILLISECONDS);
			}
		}
		catch (InterruptedException ex) {
			throw interrupted(lock, origin, ex);
		}
		catch (RedisException | NoSyncedSlavesException ex) {
			// NoSyncedSlavesException: on Sentinel/Cluster no replica confirmed the lock in time (checkLockSyncedSlaves);
			// Redisson has undone it. Redis cannot serve the lock safely right now: the same as down.
			if (Thread.currentThread().isInterrupted()) {
				throw interrupted(lock, origin, ex);
			}
			throw new OrderLockUnavailableException(key, "Could not acquire lock '" + KeyText.nameOf(lock) + "' for "
					+ origin + ": Redis is unavailable (" + KeyText.render(ex) + "). The code was not run.", ex);
		}
		catch (TimeoutException ex) {
			throw new OrderLockUnavailableException(key, "Could not acquire lock '" + KeyText.nameOf(lock) + "' for "
					+ origin + ": Redis did not answer within the wait time " + wait + " plus order-lock.redis-timeout "
					+ this.redisTimeout + ". The code was not run.", ex);
		}
		catch (RuntimeException ex) {
			throw new OrderLockException("Could not acquire lock '" + KeyText.nameOf(lock) + "' for " + origin + ": "
					+ KeyText.render(ex) + ". The code was not run.", ex);
		}
		if (!acquired) {
			if (fenced && Thread.currentThread().isInterrupted()) {
				// tryLockAndGetToken declares no InterruptedException: an interrupt may surface as "not acquired".
				throw interrupted(lock, origin, null);
			}
			throw busy(lock, key, wait, origin);
		}
		return token;
	}

	/** Why a single key cannot be locked (blank, or too long), before any Redis call; {@code null} when it can. */
	private @Nullable OrderLockException rejected(String key, String origin) {
		if (!StringUtils.hasText(key)) {
			return new OrderLockException("Lock key for " + origin + " is blank; every guarded call needs the key of "
					+ "the order it changes. The code was not run.");
		}
		return (key.length() > this.maxKeyLength) ? tooLong(key, origin) : null;
	}

	/** Says how long the key is, never what it says: it may be megabytes of anything. */
	private OrderLockException tooLong(String key, String origin) {
		return new OrderLockException("Lock key for " + origin + " is " + key.length() + " characters long, more "
				+ "than order-lock.max-key-length (" + this.maxKeyLength + "); refusing to lock on it. The code was not "
				+ "run. Lock on the order's id rather than on text a caller sent, or raise "
				+ "order-lock.max-key-length.");
	}

	static OrderLockTimeoutException busy(RLock lock, String key, Duration wait, String origin) {
		return new OrderLockTimeoutException(key, wait, "Lock '" + KeyText.nameOf(lock) + "' for " + origin
				+ " is held by another call and was not released within " + wait
				+ ". The code was not run; try again later, or raise waitTime on @OrderLock or "
				+ "order-lock.wait-time.");
	}

	private static OrderLockException interrupted(RLock lock, String origin, @Nullable Exception ex) {
		Thread.currentThread().interrupt();
		return new OrderLockException("Interrupted while waiting for lock '" + KeyText.nameOf(lock) + "' for " + origin
				+ ". The code was not run.", ex);
	}

}
