package dev.orderlock;

import org.springframework.transaction.support.TransactionSynchronization;
import org.springframework.transaction.support.TransactionSynchronizationManager;

/**
 * Binds a lock taken inside a running transaction to that transaction, as Spring's own transaction-aware resources
 * do: its ownership is checked right before the commit (a lost lock fails the commit, which is rolled back), and it
 * is released after the completion, so no other instance reads the order before the commit. The only class that
 * needs spring-tx; loaded only when it is present.
 */
final class TransactionBoundRelease implements TransactionSynchronization {

	private final HeldOrderLock held;

	private TransactionBoundRelease(HeldOrderLock held) {
		this.held = held;
	}

	/** Binds {@code held} to the current transaction; {@code false} (nothing done) when there is none. */
	static boolean bindIfActive(HeldOrderLock held) {
		if (!TransactionSynchronizationManager.isSynchronizationActive()) {
			return false;
		}
		TransactionSynchronizationManager.registerSynchronization(new TransactionBoundRelease(held));
		return true;
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
		// A loss is logged and counted by release(); after completion there is nobody left to fail.
		this.held.release();
	}

}
