package dev.orderlock;

import java.util.List;

import org.springframework.transaction.support.TransactionSynchronization;
import org.springframework.transaction.support.TransactionSynchronizationManager;

/**
 * Binds a lock to a transaction, as Spring's own transaction-aware resources do: its ownership is checked right
 * before the commit (a lost lock fails the commit, which is rolled back) and the hold-time cap waits while the commit
 * runs. A lock taken inside a running transaction is also released after that transaction's completion, so no other
 * instance reads the order before the commit; a transaction begun while a lock is held (the usual layout,
 * {@code @OrderLock} outside {@code @Transactional}, or a {@code REQUIRES_NEW} inside a bound lock) is only checked.
 * With {@link OrderLockTransactionListener}, the only classes that need spring-tx; loaded only when it is present.
 */
final class TransactionBoundRelease implements TransactionSynchronization {

	private final HeldOrderLock held;

	/** Whether the lock is released after the completion, or only checked before the commit. */
	private final boolean release;

	/** Whether this transaction's commit passed the check, so that its end must be reported. */
	private boolean committing;

	private TransactionBoundRelease(HeldOrderLock held, boolean release) {
		this.held = held;
		this.release = release;
	}

	/** Binds {@code held} to the current transaction; {@code false} (nothing done) when there is none. */
	static boolean bindIfActive(HeldOrderLock held) {
		if (!TransactionSynchronizationManager.isSynchronizationActive()) {
			return false;
		}
		TransactionSynchronizationManager.registerSynchronization(new TransactionBoundRelease(held, true));
		held.boundToTransaction();
		return true;
	}

	/**
	 * Checks {@code locks} (every lock the current thread holds, bound to an outer transaction or not) before the
	 * commit of the transaction that has just begun; their release stays where it was.
	 */
	static void checkBeforeCommit(List<HeldOrderLock> locks) {
		if (locks.isEmpty() || !TransactionSynchronizationManager.isSynchronizationActive()) {
			return;
		}
		for (HeldOrderLock held : locks) {
			TransactionSynchronizationManager.registerSynchronization(new TransactionBoundRelease(held, false));
		}
	}

	@Override
	public void beforeCommit(boolean readOnly) {
		// A read-only transaction writes nothing a lost lock could corrupt: save the round trip.
		if (!readOnly) {
			this.held.commitStarting();
			this.committing = true;
		}
	}

	@Override
	public void afterCompletion(int status) {
		if (this.committing) {
			this.committing = false;
			this.held.commitEnded(status == STATUS_COMMITTED);
		}
		if (this.release) {
			// A loss is logged and counted by release(); after completion there is nobody left to fail.
			this.held.release();
		}
	}

}
