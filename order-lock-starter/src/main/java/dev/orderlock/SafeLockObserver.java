package dev.orderlock;

import java.util.concurrent.atomic.AtomicBoolean;

import dev.orderlock.support.KeyText;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

/**
 * Shields the lock's life from its observers: whatever a meter, an observation handler or a custom observer throws
 * is logged and dropped, so that it can never leak a lock (a failure right after the acquisition would skip the
 * release) or change a call's outcome. Also makes {@link LockObserver.Attempt#ended} happen at most once, whichever
 * path (completion, failure, cancellation) reaches it first.
 */
final class SafeLockObserver implements LockObserver {

	private static final Log logger = LogFactory.getLog(SafeLockObserver.class);

	private final LockObserver delegate;

	private SafeLockObserver(LockObserver delegate) {
		this.delegate = delegate;
	}

	static LockObserver of(LockObserver observer) {
		return (observer == NONE || observer instanceof SafeLockObserver) ? observer : new SafeLockObserver(observer);
	}

	@Override
	public Attempt waiting(String origin) {
		try {
			return new SafeAttempt(this.delegate.waiting(origin));
		}
		catch (Throwable ex) {
			failed("waiting", ex);
			return Attempt.NONE;
		}
	}

	@Override
	public Attempt waitingOnAnyThread(String origin) {
		try {
			return new SafeAttempt(this.delegate.waitingOnAnyThread(origin));
		}
		catch (Throwable ex) {
			failed("waiting", ex);
			return Attempt.NONE;
		}
	}

	private static void failed(String step, Throwable ex) {
		if (ex instanceof VirtualMachineError error) {
			throw error;
		}
		logger.warn("An order-lock observer failed at '" + step + "' (" + KeyText.render(ex) + "); the lock and "
				+ "the call go on unaffected.", ex);
	}

	private static final class SafeAttempt implements Attempt {

		private final Attempt delegate;

		private final AtomicBoolean ended = new AtomicBoolean();

		SafeAttempt(Attempt delegate) {
			this.delegate = delegate;
		}

		@Override
		public void acquired() {
			try {
				this.delegate.acquired();
			}
			catch (Throwable ex) {
				failed("acquired", ex);
			}
		}

		@Override
		public void notAcquired(Outcome outcome, Throwable failure) {
			try {
				this.delegate.notAcquired(outcome, failure);
			}
			catch (Throwable ex) {
				failed("notAcquired", ex);
			}
		}

		@Override
		public void released() {
			try {
				this.delegate.released();
			}
			catch (Throwable ex) {
				failed("released", ex);
			}
		}

		@Override
		public void leaseLost() {
			try {
				this.delegate.leaseLost();
			}
			catch (Throwable ex) {
				failed("leaseLost", ex);
			}
		}

		@Override
		public void ended(@Nullable Throwable failure) {
			if (!this.ended.compareAndSet(false, true)) {
				return;
			}
			try {
				this.delegate.ended(failure);
			}
			catch (Throwable ex) {
				failed("ended", ex);
			}
		}

	}

}
