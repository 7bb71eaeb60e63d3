package dev.orderlock;

import java.time.Duration;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.List;
import java.util.OptionalLong;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.Executor;
import java.util.concurrent.ScheduledFuture;
import java.util.concurrent.ScheduledThreadPoolExecutor;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;

import dev.orderlock.support.KeyText;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;
import org.redisson.api.RLock;
import org.redisson.client.RedisException;

/**
 * Everything that happens to one acquisition of an order's locks after {@code tryLock}, whatever the return style:
 * the release, exactly once, by its owner (a thread, or a call for asynchronous work); the hold-time cap; the
 * ownership check before every commit made while it is held; lost-lease detection and reporting (log with the key,
 * counter, observer, once); the local hand-off turn. Adapters (blocking, {@code CompletionStage}, {@code Mono},
 * Kotlin {@code suspend}) only decide <em>when</em> {@link #release()} or {@link #finish} is called.
 * <p>
 * States: held; committing (a transaction begun under it passed its check and is committing: the cap waits); released
 * (by the owner, the bound transaction, or the cap). The cap frees the order whatever the nesting: every reentrant
 * hold of this owner is released, so a hung call cannot keep it locked. With {@code order-lock.redis-timeout} the
 * release and the check stop waiting for Redis after it.
 */
final class HeldOrderLock implements OrderLockStatus {

	private static final Log logger = LogFactory.getLog(OrderLockTemplate.class);

	/** Releases a reentrant hold this many times at most when the cap frees it (nesting deeper is not plausible). */
	private static final int MAX_FREED_HOLDS = 64;

	/** Holds of blocking calls on this thread not released yet: transactions begun under them check them. */
	private static final ThreadLocal<ArrayDeque<HeldOrderLock>> heldByThread = new ThreadLocal<>();

	private final LockRequest request;

	private final List<RLock> locks;

	private final long owner;

	private final boolean threadBound;

	private final @Nullable Long token;

	private final LockObserver.Attempt attempt;

	private final AtomicLong leaseLosses;

	private final @Nullable Duration redisTimeout;

	private final Executor continuations;

	private volatile LocalHandOff.@Nullable Turn turn;

	/** Guarded by this. */
	private boolean released;

	/** Commits under way that passed their check; guarded by this. */
	private int committing;

	/** The cap was reached while committing: enforced when the commit ends; guarded by this. */
	private boolean capPending;

	/** The cap released the lock right after a commit that ran under it: no loss for that commit. */
	private volatile boolean releasedAfterCommit;

	private volatile @Nullable Duration capReachedAfter;

	private volatile boolean lossReported;

	private volatile @Nullable ScheduledFuture<?> cap;

	private final LiveHolds live;

	private final long acquiredAt = System.nanoTime();

	/** The acquiring thread's name for a thread-bound hold (no copy: the thread's own string), else {@code null}. */
	private final @Nullable String ownerThread;

	private volatile boolean transactionBound;

	HeldOrderLock(LockRequest request, LockAcquirer.Acquired acquired, boolean threadBound,
			LockObserver.Attempt attempt, AtomicLong leaseLosses, @Nullable Duration redisTimeout,
			Executor continuations, LiveHolds live) {
		this.request = request;
		this.locks = acquired.locks;
		this.owner = acquired.owner;
		this.token = acquired.token;
		this.threadBound = threadBound;
		this.attempt = attempt;
		this.leaseLosses = leaseLosses;
		this.redisTimeout = redisTimeout;
		this.continuations = continuations;
		this.live = live;
		this.ownerThread = threadBound ? Thread.currentThread().getName() : null;
		if (threadBound) {
			attachToCurrentThread();
		}
		live.add(this);
	}

	/**
	 * Makes this hold the current thread's until {@link #detachFromCurrentThread()}: for an asynchronous call's own
	 * method while it runs on the calling thread, so that a transaction it begins and commits there is checked.
	 */
	void attachToCurrentThread() {
		ArrayDeque<HeldOrderLock> held = heldByThread.get();
		if (held == null) {
			held = new ArrayDeque<>(2);
			heldByThread.set(held);
		}
		held.push(this);
	}

	void detachFromCurrentThread() {
		forgetOnThisThread();
	}

	@Override
	public List<String> keys() {
		return this.request.keys();
	}

	@Override
	public OptionalLong fencingToken() {
		Long token = this.token;
		return (token != null) ? OptionalLong.of(token) : OptionalLong.empty();
	}

	/** The holds of blocking calls the current thread has not released yet, innermost first. */
	static List<HeldOrderLock> heldByCurrentThread() {
		ArrayDeque<HeldOrderLock> held = heldByThread.get();
		return (held != null) ? List.copyOf(held) : List.of();
	}

	/** Whether the current thread already holds {@code key} in a blocking call (reentrancy; no Redis). */
	static boolean currentThreadHolds(String key) {
		ArrayDeque<HeldOrderLock> held = heldByThread.get();
		if (held != null) {
			for (HeldOrderLock lock : held) {
				if (lock.request.keys().contains(key) && !lock.isReleased()) {
					return true;
				}
			}
		}
		return false;
	}

	/** Keeps this instance's local queue for the order until this hold ends (released or capped). */
	void holdTurn(LocalHandOff.Turn turn) {
		this.turn = turn;
	}

	/** Releases the lock after {@code maxHoldTime} even if the holder still runs (a local timer, no Redis). */
	void capHoldTime(Duration maxHoldTime) {
		this.cap = Timer.INSTANCE.schedule(() -> capReached(maxHoldTime), maxHoldTime.toNanos(),
				TimeUnit.NANOSECONDS);
	}

	/**
	 * Runs {@code step} unless the lock was released already, and keeps it from being released meanwhile: for a
	 * reactive call, whose cancellation may race with the start of its work.
	 * @return the step's result, or {@code null} when the lock was released first (the step did not run)
	 */
	<T> @Nullable T whileHeld(java.util.function.Supplier<T> step) {
		synchronized (this) {
			return this.released ? null : step.get();
		}
	}

	private boolean isReleased() {
		synchronized (this) {
			return this.released;
		}
	}

	private void capReached(Duration maxHoldTime) {
		synchronized (this) {
			if (this.released) {
				return;
			}
			if (this.committing > 0) {
				// Never free the order in the middle of a commit: another instance would read half of it.
				this.capPending = true;
				return;
			}
			this.released = true;
		}
		this.capReachedAfter = maxHoldTime;
		leaveTurn();
		ended();
		reportLoss("was held by " + this.request.name() + " for longer than its maxHoldTime " + maxHoldTime
				+ " and has been released, so that a hung call cannot keep the order locked forever");
		freeEveryHold();
	}

	/** Releases every hold of this owner on every lock, reentrant ones included (the cap frees the order). */
	private void freeEveryHold() {
		for (RLock lock : this.locks) {
			freeHold(lock, MAX_FREED_HOLDS);
		}
	}

	private void freeHold(RLock lock, int holdsLeft) {
		lock.unlockAsync(this.owner).whenComplete((ignored, ex) -> {
			if (ex == null) {
				if (holdsLeft > 1) {
					freeHold(lock, holdsLeft - 1);
				}
			}
			else if (!(LockAcquirer.unwrap(ex) instanceof IllegalMonitorStateException)) {
				logger.warn("Could not release lock '" + KeyText.nameOf(lock) + "' at its maxHoldTime ("
						+ KeyText.render(LockAcquirer.unwrap(ex)) + "); it lapses on its own when its lease expires.");
			}
		});
	}

	/**
	 * Releases the lock, waiting for Redis (once; later calls only report). Never throws.
	 * @return the loss, already logged and counted, when the lock was no longer ours; {@code null} otherwise
	 * (including a release that failed for another reason, which is logged: the lock then lapses on its own)
	 */
	@Nullable OrderLockLeaseLostException release() {
		if (this.locks.size() == 1) {
			return releaseOne();
		}
		CompletableFuture<@Nullable OrderLockLeaseLostException> released = releaseAsync();
		try {
			return RedisAnswer.await(released, this.redisTimeout, "releasing " + name());
		}
		catch (TimeoutException | InterruptedException | RuntimeException ex) {
			return releaseFailedWhileWaiting(ex);
		}
	}

	/** {@link #release()} of one lock, with as little in between as hand-written Redisson has: the common case. */
	private @Nullable OrderLockLeaseLostException releaseOne() {
		CompletableFuture<@Nullable OrderLockLeaseLostException> alreadyReleased = beginRelease();
		if (alreadyReleased != null) {
			return alreadyReleased.join();
		}
		try {
			// No isHeldByThread() first: that is one more round trip. The owner-checked unlock script itself tells us
			// when the lock is no longer ours. Named owner: the release may run on another thread.
			RedisAnswer.await(this.locks.get(0).unlockAsync(this.owner), this.redisTimeout, "releasing " + name());
			return null;
		}
		catch (IllegalMonitorStateException ex) {
			return lost("was lost before it was released", ex, true);
		}
		catch (TimeoutException | InterruptedException | RuntimeException ex) {
			return releaseFailedWhileWaiting(ex);
		}
		finally {
			// Only now: the next local caller would otherwise find the lock still held and wait in Redis for it.
			leaveTurn();
		}
	}

	/**
	 * The bookkeeping every release starts with (exactly once): forget it on the owner's thread, stop the cap, report
	 * the release (the local turn ends once the unlock has reached Redis). {@code null} when this call is the release; otherwise the answer of an
	 * earlier one (the loss, unless a commit ran under the lock).
	 */
	private @Nullable CompletableFuture<@Nullable OrderLockLeaseLostException> beginRelease() {
		if (this.threadBound && Thread.currentThread().getId() == this.owner) {
			forgetOnThisThread();
		}
		ScheduledFuture<?> cap = this.cap;
		if (cap != null) {
			cap.cancel(false);
		}
		synchronized (this) {
			if (this.released) {
				return CompletableFuture.completedFuture(this.releasedAfterCommit ? null : lostException(null, true));
			}
			this.released = true;
		}
		ended();
		return null;
	}

	/**
	 * Releases the lock without blocking (once; later calls only report); completes with the loss, or {@code null}.
	 * Never completes exceptionally but for a Redis failure, which {@link #release()} logs.
	 */
	CompletableFuture<@Nullable OrderLockLeaseLostException> releaseAsync() {
		CompletableFuture<@Nullable OrderLockLeaseLostException> alreadyReleased = beginRelease();
		if (alreadyReleased != null) {
			return alreadyReleased;
		}
		// Owner-checked unlock scripts, in parallel, named owner (as releaseOne()).
		List<CompletableFuture<Void>> unlocks = new ArrayList<>(this.locks.size());
		for (RLock lock : this.locks) {
			unlocks.add(lock.unlockAsync(this.owner).toCompletableFuture());
		}
		CompletableFuture<Void> all = (unlocks.size() == 1) ? unlocks.get(0)
				: CompletableFuture.allOf(unlocks.toArray(CompletableFuture[]::new));
		return all.handle((ignored, failure) -> {
			leaveTurn();
			for (CompletableFuture<Void> unlock : unlocks) {
				if (unlock.isCompletedExceptionally()
						&& LockAcquirer.unwrap(unlock.handle((v, ex) -> ex).join()) instanceof IllegalMonitorStateException lost) {
					return lost("was lost before it was released", lost, true);
				}
			}
			if (failure != null) {
				throw RedisAnswer.failure(LockAcquirer.unwrap(failure), "releasing " + name());
			}
			return null;
		});
	}

	/**
	 * Releases the lock once {@code work} has completed, then completes with the work's outcome off Redisson's
	 * threads: its result, its failure (carrying a lost lease as suppressed), or the loss.
	 */
	<T> CompletableFuture<T> releaseAfter(CompletionStage<T> work) {
		CompletableFuture<T> done = new CompletableFuture<>();
		work.whenComplete((result, failure) -> finish(result, failure).whenComplete((value, outcome) -> {
			if (outcome != null) {
				done.completeExceptionally(LockAcquirer.unwrap(outcome));
			}
			else {
				done.complete(value);
			}
		}));
		return done;
	}

	/**
	 * Releases the lock and completes, on the continuation executor, with the outcome of work that ended with
	 * {@code result} or {@code failure}: as {@link #releaseAfter}.
	 */
	<T> CompletableFuture<T> finish(@Nullable T result, @Nullable Throwable failure) {
		CompletableFuture<T> done = new CompletableFuture<>();
		CompletableFuture<@Nullable OrderLockLeaseLostException> releasing = releaseAsync();
		if (this.redisTimeout != null) {
			releasing = releasing.copy().orTimeout(this.redisTimeout.toNanos(), TimeUnit.NANOSECONDS);
		}
		releasing.whenComplete((lost, releaseFailure) -> this.continuations.execute(() -> {
			if (releaseFailure != null) {
				Throwable cause = LockAcquirer.unwrap(releaseFailure);
				if (cause instanceof Exception exception) {
					releaseFailedWhileWaiting(exception);
				}
				else {
					releaseFailed(cause);
				}
			}
			if (failure != null) {
				Throwable workFailure = LockAcquirer.unwrap(failure);
				if (lost != null && workFailure != lost) {
					workFailure.addSuppressed(lost);
				}
				done.completeExceptionally(workFailure);
			}
			else if (lost != null) {
				done.completeExceptionally(lost);
			}
			else {
				done.complete(result);
			}
		}));
		return done;
	}

	/**
	 * Right before a transaction begun under this hold (or bound to it) commits: fails unless the lock is still ours
	 * (one round trip, {@code HEXISTS}; none when the cap already released it), then keeps the cap from releasing it
	 * until {@link #commitEnded} (the commit is never cut in half).
	 * @throws OrderLockLeaseLostException when it is not ours any more
	 * @throws OrderLockUnavailableException when Redis cannot tell (closed: the commit does not happen)
	 */
	void commitStarting() {
		synchronized (this) {
			if (this.released) {
				throw lostException(null, false);
			}
			this.committing++;
		}
		boolean held;
		try {
			held = confirmHeld(" before the commit", "The transaction was rolled back.");
		}
		catch (OrderLockUnavailableException ex) {
			commitEnded(false);
			throw ex;
		}
		if (!held) {
			commitEnded(false);
			throw lost("was lost before the transaction committed; the transaction was rolled back", null, false);
		}
	}

	/**
	 * A commit that {@link #commitStarting} let through has ended ({@code committed} or not). A cap reached
	 * meanwhile is enforced now; the commit itself ran under the lock, so it is not reported as a loss.
	 */
	void commitEnded(boolean committed) {
		boolean enforceCap;
		synchronized (this) {
			this.committing--;
			enforceCap = this.capPending && this.committing == 0 && !this.released;
			if (enforceCap) {
				this.capPending = false;
				this.released = true;
			}
		}
		if (enforceCap) {
			this.releasedAfterCommit = committed;
			leaveTurn();
			ended();
			logger.warn("Lock '" + name() + "' of key '" + KeyText.render(this.request.keys().toString())
					+ "' reached its maxHoldTime while a transaction under it was committing; it was released right "
					+ "after the commit.");
			freeEveryHold();
		}
	}

	/**
	 * Asks Redis whether every lock is still this owner's.
	 * @throws OrderLockUnavailableException when Redis cannot tell, saying {@code when} and what follows
	 */
	private boolean confirmHeld(String when, String consequence) {
		try {
			return isHeldByOwner();
		}
		catch (RedisException | TimeoutException ex) {
			throw new OrderLockUnavailableException(this.request.keys().get(0), "Could not confirm that lock '"
					+ name() + "' is still held by " + this.request.name() + when + ": Redis is unavailable ("
					+ KeyText.render(ex) + "). " + consequence, ex);
		}
	}

	private boolean isHeldByOwner() throws TimeoutException {
		List<CompletableFuture<Boolean>> checks = new ArrayList<>(this.locks.size());
		for (RLock lock : this.locks) {
			checks.add(lock.isHeldByThreadAsync(this.owner).toCompletableFuture());
		}
		try {
			for (CompletableFuture<Boolean> check : checks) {
				if (!RedisAnswer.await(check, this.redisTimeout, "checking " + name())) {
					return false;
				}
			}
			return true;
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new RedisException("Interrupted while checking lock " + name(), ex);
		}
	}

	/** Released (by its owner, its transaction or the cap): reported, and no longer listed or checked. */
	private void ended() {
		this.live.remove(this);
		this.attempt.released();
	}

	long acquiredAt() {
		return this.acquiredAt;
	}

	void boundToTransaction() {
		this.transactionBound = true;
	}

	OrderLockHold describe(long now) {
		String owner = (this.ownerThread != null) ? "thread " + this.ownerThread : "call " + (-this.owner);
		return new OrderLockHold(this.request.keys(), this.request.kind(), this.request.name(),
				Duration.ofNanos(now - this.acquiredAt), owner, this.transactionBound, fencingToken(),
				this.lossReported);
	}

	/**
	 * {@link OrderLockContext#checkStillHeld()}: one round trip, none when the loss is known already.
	 * @throws OrderLockLeaseLostException when the lock is not ours any more (logged and counted once)
	 * @throws OrderLockUnavailableException when Redis cannot tell (closed: treat it as lost)
	 */
	void checkStillHeld() {
		// A loss already reported (by the background check, or the cap) is known: no round trip.
		if (this.lossReported || isReleased()) {
			throw lostException(null, false);
		}
		if (!confirmHeld("", "Do not take the next irreversible step.")) {
			throw lost("was found lost while the code ran", null, false);
		}
	}

	/** The periodic check ({@link LiveHolds}): asks Redis without waiting; a loss is logged, counted, remembered. */
	void checkLeaseInBackground() {
		if (this.lossReported || isReleased()) {
			return;
		}
		for (RLock lock : this.locks) {
			lock.isHeldByThreadAsync(this.owner).whenComplete((held, failure) -> {
				// A failed check says nothing: Redis may be down while the lock is still ours.
				if (failure == null && Boolean.FALSE.equals(held) && !isReleased()) {
					reportLoss("was found lost while the code still ran (the watchdog could not renew it, or it was "
							+ "force-released)");
				}
			});
		}
	}

	private void forgetOnThisThread() {
		// The empty deque stays with the thread: one per thread, not one per call.
		ArrayDeque<HeldOrderLock> onThread = heldByThread.get();
		if (onThread != null) {
			onThread.remove(this);
		}
	}

	private void leaveTurn() {
		LocalHandOff.Turn turn = this.turn;
		if (turn != null) {
			turn.leave();
		}
	}

	/** A release whose answer did not come: logged; the lock lapses on its own. Keeps an interrupt. */
	private @Nullable OrderLockLeaseLostException releaseFailedWhileWaiting(Exception ex) {
		if (ex instanceof InterruptedException) {
			Thread.currentThread().interrupt();
		}
		return releaseFailed((ex instanceof TimeoutException)
				? new TimeoutException("Redis did not answer within order-lock.redis-timeout " + this.redisTimeout)
				: ex);
	}

	private @Nullable OrderLockLeaseLostException releaseFailed(Throwable ex) {
		logger.warn("Could not release lock '" + name() + "' held by " + this.request.name() + " ("
				+ KeyText.render(ex) + "); it lapses on its own when its lease expires, blocking the order until then.",
				ex);
		return null;
	}

	/** This lock's name as messages show it (the key in it may be anything a caller sent). */
	private String name() {
		return (this.locks.size() == 1) ? KeyText.nameOf(this.locks.get(0))
				: KeyText.render(this.locks.get(0).getName() + " and " + (this.locks.size() - 1) + " more");
	}

	private OrderLockLeaseLostException lost(String what, @Nullable Throwable cause, boolean atRelease) {
		reportLoss(what + ": its lease expired while the code ran (the watchdog could not renew it, or a fixed "
				+ "leaseTime was shorter than the code)");
		return lostException(cause, atRelease);
	}

	private void reportLoss(String what) {
		if (this.lossReported) {
			return;
		}
		this.lossReported = true;
		this.leaseLosses.incrementAndGet();
		this.attempt.leaseLost();
		logger.warn("Lock '" + name() + "' of key '" + KeyText.render(String.join(", ", this.request.keys())) + "' "
				+ what + ". Another instance may have changed the same order at the same time; the integrity of the "
				+ "data protected by this lock may have been compromised.");
	}

	private OrderLockLeaseLostException lostException(@Nullable Throwable cause, boolean atRelease) {
		Duration cap = this.capReachedAfter;
		String why = (cap != null) ? "it was released when its maxHoldTime " + cap + " was reached"
				: "its lease expired while the code ran";
		return new OrderLockLeaseLostException(this.request.keys().get(0), "Lock '" + name() + "' of "
				+ this.request.name() + " was no longer held when the code ended: " + why + ". Another instance may "
				+ "have changed the same order meanwhile; the integrity of the data protected by this lock may have "
				+ "been compromised.", cause, atRelease);
	}

	/** One daemon thread for every hold-time cap and lease check: it only sends asynchronous commands. */
	static final class Timer {

		static final ScheduledThreadPoolExecutor INSTANCE = create();

		private static ScheduledThreadPoolExecutor create() {
			ScheduledThreadPoolExecutor executor = new ScheduledThreadPoolExecutor(1, (runnable) -> {
				Thread thread = new Thread(runnable, "order-lock-timer");
				thread.setDaemon(true);
				return thread;
			});
			executor.setRemoveOnCancelPolicy(true);
			return executor;
		}

	}

}
