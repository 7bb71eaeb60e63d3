package dev.orderlock;

import java.util.List;
import java.util.Locale;

import dev.orderlock.observation.LockMetrics;
import dev.orderlock.observation.LockObservations;
import org.jspecify.annotations.Nullable;

/**
 * What {@link OrderLockTemplate} tells about each lock it takes: how long the call waited and how that ended, when
 * the lock was let go, and a lost lease. {@link #NONE} (nothing runs, nothing is allocated) unless the application
 * has a {@code MeterRegistry} ({@link LockMetrics}) or an {@code ObservationRegistry} ({@link LockObservations}).
 * Observers only record what the template already knows: they never ask Redis anything.
 * <p>
 * Every call names its lock by its origin ({@code dev.shop.OrderService.pay(long)} or {@code OrderLockTemplate}),
 * never by its key: one name per guarded method, so tags stay bounded whatever the number of orders.
 */
public interface LockObserver {

	/** Records nothing. */
	LockObserver NONE = (origin) -> Attempt.NONE;

	/** A call from {@code origin} starts waiting for its lock; on the calling thread. */
	Attempt waiting(String origin);

	/**
	 * As {@link #waiting}, for a call whose wait and end happen on other threads (a {@code Mono}): nothing of the
	 * attempt may be bound to the thread that starts it, so an observation is not put in scope.
	 */
	default Attempt waitingOnAnyThread(String origin) {
		return waiting(origin);
	}

	/**
	 * One observer reporting to all of {@code observers}, each shielded from the others: whatever one throws is
	 * logged and dropped, and the others still hear of the event.
	 */
	static LockObserver of(List<LockObserver> observers) {
		return observers.isEmpty() ? NONE : SafeLockObserver.of(observers);
	}

	/**
	 * The bounded name of the lock taken by {@code origin}: {@code OrderService.pay} for
	 * {@code dev.shop.OrderService.pay(long)} (overloads share it), the origin itself when it is not a method.
	 */
	static String lockName(String origin) {
		int parameters = origin.indexOf('(');
		String method = (parameters >= 0) ? origin.substring(0, parameters) : origin;
		int methodDot = method.lastIndexOf('.');
		int classDot = (methodDot > 0) ? method.lastIndexOf('.', methodDot - 1) : -1;
		return method.substring(classDot + 1);
	}

	/** One call's lock, from the start of its wait; each method is called at most once. */
	interface Attempt {

		/** Records nothing. */
		Attempt NONE = new Attempt() {
		};

		/** The lock was acquired; on the calling thread. */
		default void acquired() {
		}

		/** The lock was not acquired, so the code did not run; on the calling thread. */
		default void notAcquired(Outcome outcome, Throwable failure) {
		}

		/** The lock was let go (released, or released at its hold-time cap); on whichever thread did it. */
		default void released() {
		}

		/** The lock was found lost; on whichever thread found it, possibly after {@link #ended}. */
		default void leaseLost() {
		}

		/** The call ended, with its failure if any, lock or no lock; on the calling thread, always last there. */
		default void ended(@Nullable Throwable failure) {
		}

	}

	/** How a wait for a lock ended. */
	enum Outcome {

		ACQUIRED, TIMED_OUT, UNAVAILABLE, INTERRUPTED, FAILED;

		private final String tagValue = name().toLowerCase(Locale.ROOT);

		/** The value of the {@code outcome} tag: {@code acquired}, {@code timed_out}, ... */
		public String tagValue() {
			return this.tagValue;
		}

		/** The outcome that the template's failure to acquire stands for. */
		public static Outcome of(Throwable failure) {
			if (failure instanceof OrderLockTimeoutException) {
				return TIMED_OUT;
			}
			if (failure instanceof OrderLockUnavailableException) {
				return UNAVAILABLE;
			}
			// The template restores the interrupt flag before it reports an interrupted wait.
			return Thread.currentThread().isInterrupted() ? INTERRUPTED : FAILED;
		}

	}

}
