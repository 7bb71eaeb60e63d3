package dev.orderlock.observation;

import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;

import dev.orderlock.LockObserver;
import io.micrometer.core.instrument.Counter;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.Timer;
import org.jspecify.annotations.Nullable;

/**
 * Records every lock in a {@link MeterRegistry}, tagged by lock name (never by key): {@value #WAIT} (by
 * {@code outcome}), {@value #HELD} and {@value #LEASE_LOST}. See docs/observability.md. Meters are registered once per
 * name, when it is first used; a call then costs a map lookup, two {@code System.nanoTime()} and two timer updates.
 */
public final class LockMetrics implements LockObserver {

	public static final String WAIT = "order.lock.wait";

	public static final String HELD = "order.lock.held";

	public static final String LEASE_LOST = "order.lock.lease.lost";

	private final MeterRegistry registry;

	private final Map<String, Meters> meters = new ConcurrentHashMap<>();

	public LockMetrics(MeterRegistry registry) {
		this.registry = registry;
	}

	@Override
	public Attempt waiting(String origin) {
		Meters meters = this.meters.get(origin);
		if (meters == null) {
			meters = this.meters.computeIfAbsent(origin, (key) -> new Meters(this.registry, LockObserver.lockName(key)));
		}
		return new Timing(meters, System.nanoTime());
	}

	/** The meters of one lock name, all registered up front so that "no lease lost yet" reads as 0, not as absent. */
	private static final class Meters {

		final Map<Outcome, Timer> wait = new EnumMap<>(Outcome.class);

		final Timer held;

		final Counter leaseLost;

		Meters(MeterRegistry registry, String name) {
			for (Outcome outcome : Outcome.values()) {
				this.wait.put(outcome, Timer.builder(WAIT)
					.description("Time spent waiting for an order's lock, by how the wait ended")
					.tag("name", name)
					.tag("outcome", outcome.tagValue())
					.register(registry));
			}
			this.held = Timer.builder(HELD)
				.description("Time an order's lock was held, from its acquisition to its release")
				.tag("name", name)
				.register(registry);
			this.leaseLost = Counter.builder(LEASE_LOST)
				.description("Locks found lost while their holder still ran (lease expired or max hold time reached)")
				.tag("name", name)
				.register(registry);
		}

	}

	private static final class Timing implements Attempt {

		private final Meters meters;

		private final long waitingSince;

		/** Written on the calling thread before the lock can be released anywhere else (handed over with it). */
		private long acquiredAt;

		Timing(Meters meters, long waitingSince) {
			this.meters = meters;
			this.waitingSince = waitingSince;
		}

		@Override
		public void acquired() {
			this.acquiredAt = System.nanoTime();
			this.meters.wait.get(Outcome.ACQUIRED).record(this.acquiredAt - this.waitingSince, TimeUnit.NANOSECONDS);
		}

		@Override
		public void notAcquired(Outcome outcome, Throwable failure) {
			this.meters.wait.get(outcome).record(System.nanoTime() - this.waitingSince, TimeUnit.NANOSECONDS);
		}

		@Override
		public void released() {
			this.meters.held.record(System.nanoTime() - this.acquiredAt, TimeUnit.NANOSECONDS);
		}

		@Override
		public void leaseLost() {
			this.meters.leaseLost.increment();
		}

		@Override
		public void ended(@Nullable Throwable failure) {
		}

	}

}
