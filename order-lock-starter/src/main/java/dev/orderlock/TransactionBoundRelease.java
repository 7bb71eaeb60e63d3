package dev.orderlock;

import java.util.List;

import org.springframework.transaction.support.TransactionSynchronization;
import org.springframework.transaction.support.TransactionSynchronizationManager;

/**
 * Binds a lock taken inside a running transaction to that transaction, as Spring's own transaction-aware resources
 * do: its ownership is checked right before the commit (a lost lock fails the commit, which is rolled back), and it
 * is released after the completion, so no other instance reads the order before the commit. Also checks, before
 * its commit, a transaction begun under a lock that the call releases on return. With
 * {@link OrderLockTransactionListener}, the only classes that need spring-tx; loaded only when it is present.
 */
final class TransactionBoundRelease implements TransactionSynchronization {

	private final HeldOrderLock held;

	/** Whether the lock is released after the completion, or only checked before the commit. */
	private final boolean release;

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
		return true;
	}

	/**
	 * Checks every lock the current thread holds until its call returns before the commit of the transaction that
	 * has just begun (the usual layout: {@code @OrderLock} outside the method's own {@code @Transactional}); the
	 * release stays with the call.
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
			this.held.verifyStillHeld();
		}
	}

	@Override
	public void afterCompletion(int status) {
		if (this.release) {
			// A loss is logged and counted by release(); after completion there is nobody left to fail.
			this.held.release();
		}
	}

}
