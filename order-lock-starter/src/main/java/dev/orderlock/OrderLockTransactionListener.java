package dev.orderlock;

import org.jspecify.annotations.Nullable;

import org.springframework.transaction.TransactionExecution;
import org.springframework.transaction.TransactionExecutionListener;

/**
 * Hooks a transaction that begins while the thread holds an order's lock (the usual layout: {@code @OrderLock}
 * outside the method's own {@code @Transactional}) so that the lock's ownership is checked right before its commit:
 * a lost lock fails the commit, which is rolled back, instead of being found only at the release after it. Spring
 * Boot adds it to the transaction managers it configures; add it to your own with
 * {@code ConfigurableTransactionManager.addListener}. Costs one round trip ({@code HEXISTS}) per such commit.
 */
public final class OrderLockTransactionListener implements TransactionExecutionListener {

	@Override
	public void afterBegin(TransactionExecution transaction, @Nullable Throwable beginFailure) {
		if (beginFailure == null) {
			TransactionBoundRelease.checkBeforeCommit(HeldOrderLock.heldByCurrentThread());
		}
	}

}
