package dev.orderlock;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Consumer;

/**
 * A guarded call parked on another thread, holding its lock until {@link #close()}: "someone else is paying".
 */
final class HeldLock implements AutoCloseable {

	private final CountDownLatch release = new CountDownLatch(1);

	private final CompletableFuture<Void> call;

	private HeldLock(Consumer<Runnable> guardedCall) throws InterruptedException {
		CountDownLatch entered = new CountDownLatch(1);
		this.call = CompletableFuture.runAsync(() -> guardedCall.accept(() -> {
			entered.countDown();
			OrderLockTemplateTests.await(this.release);
		}));
		if (!entered.await(10, TimeUnit.SECONDS)) {
			throw new IllegalStateException("The guarded call did not start within 10s");
		}
	}

	/**
	 * Starts {@code guardedCall} with a body that blocks, and returns once the body runs (the lock is held).
	 * @param guardedCall runs the given body under a lock, e.g. {@code body -> template.run("42", body)}
	 */
	static HeldLock hold(Consumer<Runnable> guardedCall) throws InterruptedException {
		return new HeldLock(guardedCall);
	}

	/** Lets the body return and waits until the guarded call has released its lock. */
	@Override
	public void close() throws Exception {
		this.release.countDown();
		this.call.get(10, TimeUnit.SECONDS);
	}

}
