package dev.orderlock;

import java.util.List;
import java.util.concurrent.atomic.AtomicBoolean;

import dev.orderlock.support.KeyText;
import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;
import org.jspecify.annotations.Nullable;

/**
 * Reports to one or more observers and shields the lock's life from them: whatever a meter, an observation handler
 * or a custom observer throws is logged and dropped, so that it can never leak a lock (a failure right after the
 * acquisition would skip the release) or change a call's outcome, and the other observers still hear of the event.
 * Also makes {@link LockObserver.Attempt#ended} happen at most once, whichever path (completion, failure,
 * cancellation) reaches it first.
 */
final class SafeLockObserver implements LockObserver {

	private static final Log logger = LogFactory.getLog(SafeLockObserver.class);

	private final LockObserver[] observers;

	private SafeLockObserver(List<LockObserver> observers) {
		this.observers = observers.toArray(LockObserver[]::new);
	}

	static LockObserver of(LockObserver observer) {
		return (observer == NONE || observer instanceof SafeLockObserver) ? observer
				: new SafeLockObserver(List.of(observer));
	}

	static LockObserver of(List<LockObserver> observers) {
		return (observers.size() == 1) ? of(observers.get(0)) : new SafeLockObserver(observers);
	}

	@Override
	public Attempt waiting(String origin) {
		Attempt[] attempts = new Attempt[this.observers.length];
		for (int i = 0; i < attempts.length; i++) {
			try {
				attempts[i] = this.observers[i].waiting(origin);
			}
			catch (Throwable ex) {
				failed("waiting", ex);
				attempts[i] = Attempt.NONE;
			}
		}
		return new SafeAttempt(attempts);
	}

	@Override
	public Attempt waitingOnAnyThread(String origin) {
		Attempt[] attempts = new Attempt[this.observers.length];
		for (int i = 0; i < attempts.length; i++) {
			try {
				attempts[i] = this.observers[i].waitingOnAnyThread(origin);
			}
			catch (Throwable ex) {
				failed("waiting", ex);
				attempts[i] = Attempt.NONE;
			}
		}
		return new SafeAttempt(attempts);
	}

	private static void failed(String step, Throwable ex) {
		if (ex instanceof VirtualMachineError error) {
			throw error;
		}
		logger.warn("An order-lock observer failed at '" + step + "' (" + KeyText.render(ex) + "); the lock and "
				+ "the call go on unaffected.", ex);
	}

	private static final class SafeAttempt extends AtomicBoolean implements Attempt {

		private final Attempt[] attempts;

		SafeAttempt(Attempt[] attempts) {
			this.attempts = attempts;
		}

		@Override
		public void acquired() {
			for (Attempt attempt : this.attempts) {
				try {
					attempt.acquired();
				}
				catch (Throwable ex) {
					failed("acquired", ex);
				}
			}
		}

		@Override
		public void notAcquired(Outcome outcome, Throwable failure) {
			for (Attempt attempt : this.attempts) {
				try {
					attempt.notAcquired(outcome, failure);
				}
				catch (Throwable ex) {
					failed("notAcquired", ex);
				}
			}
		}

		@Override
		public void released() {
			for (Attempt attempt : this.attempts) {
				try {
					attempt.released();
				}
				catch (Throwable ex) {
					failed("released", ex);
				}
			}
		}

		@Override
		public void leaseLost() {
			for (Attempt attempt : this.attempts) {
				try {
					attempt.leaseLost();
				}
				catch (Throwable ex) {
					failed("leaseLost", ex);
				}
			}
		}

		@Override
		public void ended(@Nullable Throwable failure) {
			// The AtomicBoolean this is: set by the first end, so that later ones are dropped.
			if (!compareAndSet(false, true)) {
				return;
			}
			for (Attempt attempt : this.attempts) {
				try {
					attempt.ended(failure);
				}
				catch (Throwable ex) {
					failed("ended", ex);
				}
			}
		}

	}

}
