package dev.orderlock.demo.order;

import java.time.Clock;
import java.time.Instant;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;

import org.springframework.stereotype.Component;

/**
 * When this instance's {@code pay} and {@code cancel} requests arrived, got into their guarded body (the order's lock
 * held, when the lock is on), left it and answered: what the race draws as a timeline
 * ({@code GET /api/orders/{id}/timings}). The controller opens a {@link Call} around the service call; the service
 * marks its body inside it with {@link #body}. Times are epoch microseconds of the wall clock, so that instances on
 * one machine, in one JVM or several, can be drawn on one axis. Keeps the last {@value #KEPT} calls; calls that did
 * not come through the controller (the timeout job) are not recorded.
 */
@Component
public class CallTimings {

	static final int KEPT = 1000;

	private final Clock clock = Clock.systemUTC();

	private final ThreadLocal<Call> current = new ThreadLocal<>();

	private final Deque<CallTiming> calls = new ArrayDeque<>();

	/** Opens the record of one request for {@code operation} of the order; close it when the answer is known. */
	Call call(long orderId, String operation) {
		Call call = new Call(orderId, operation, now());
		this.current.set(call);
		return call;
	}

	/**
	 * Marks the guarded body of {@code operation} on the order, from now until it is closed, in the request's record;
	 * does nothing outside a request of that operation and order.
	 */
	Body body(long orderId, String operation) {
		Call call = this.current.get();
		if (call == null || call.orderId != orderId || !call.operation.equals(operation) || call.startedMicros != null) {
			return () -> {
			};
		}
		call.startedMicros = now();
		return () -> call.endedMicros = now();
	}

	/** The calls kept for an order, oldest first. */
	public List<CallTiming> of(long orderId) {
		List<CallTiming> found = new ArrayList<>();
		synchronized (this.calls) {
			for (CallTiming timing : this.calls) {
				if (timing.orderId() == orderId) {
					found.add(timing);
				}
			}
		}
		return found;
	}

	private long now() {
		Instant now = this.clock.instant();
		return Math.addExact(Math.multiplyExact(now.getEpochSecond(), 1_000_000L), now.getNano() / 1_000);
	}

	private void keep(CallTiming timing) {
		synchronized (this.calls) {
			this.calls.addLast(timing);
			while (this.calls.size() > KEPT) {
				this.calls.removeFirst();
			}
		}
	}

	/** The guarded body of a call, open until closed. */
	@FunctionalInterface
	interface Body extends AutoCloseable {

		@Override
		void close();

	}

	/** One request being recorded, on the thread that serves it. */
	final class Call implements AutoCloseable {

		private final long orderId;

		private final String operation;

		private final long arrivedMicros;

		private Long startedMicros;

		private Long endedMicros;

		private Call(long orderId, String operation, long arrivedMicros) {
			this.orderId = orderId;
			this.operation = operation;
			this.arrivedMicros = arrivedMicros;
		}

		@Override
		public void close() {
			CallTimings.this.current.remove();
			keep(new CallTiming(this.orderId, this.operation, this.arrivedMicros, this.startedMicros,
					this.endedMicros, now(), Thread.currentThread().getName()));
		}

	}

	/**
	 * One {@code pay} or {@code cancel} request as this instance served it, in epoch microseconds.
	 *
	 * @param orderId the order
	 * @param operation {@code pay} or {@code cancel}
	 * @param arrivedMicros when the controller got the request, before the lock was asked for
	 * @param startedMicros when the guarded body started (the lock held); null if it never did (lock busy, Redis down)
	 * @param endedMicros when the guarded body ended, before the lock was released; null if it never started
	 * @param leftMicros when the controller was done (after the release), just before the answer was written
	 * @param thread the thread that served it
	 */
	public record CallTiming(long orderId, String operation, long arrivedMicros, Long startedMicros, Long endedMicros,
			long leftMicros, String thread) {
	}

}
