package dev.orderlock.observation;

import java.util.EnumMap;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import dev.orderlock.LockObserver;
import io.micrometer.common.KeyValue;
import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationRegistry;
import org.jspecify.annotations.Nullable;

/**
 * One {@link Observation} {@value #CALL} per locked call, from the start of the wait until the call returns, with a
 * child {@value #ACQUIRE} for the wait, so that a trace shows how long the call waited for its lock. Low-cardinality
 * key values only: {@value #NAME} and {@value #OUTCOME}; the key (the order) is never attached. The call's
 * observation is in scope while the code runs, so the code's own observations (its transaction, its queries) are its
 * children. Nothing is created while the registry is a no-op.
 */
public final class LockObservations implements LockObserver {

	public static final String CALL = "order.lock";

	public static final String ACQUIRE = "order.lock.acquire";

	public static final String NAME = "order.lock.name";

	public static final String OUTCOME = "order.lock.outcome";

	public static final String LEASE_LOST_EVENT = "order.lock.lease.lost";

	/** One key value per outcome, made once. */
	private static final Map<Outcome, KeyValue> OUTCOMES = outcomes();

	private final ObservationRegistry registry;

	private final Map<String, KeyValue> names = new ConcurrentHashMap<>();

	public LockObservations(ObservationRegistry registry) {
		this.registry = registry;
	}

	private static Map<Outcome, KeyValue> outcomes() {
		Map<Outcome, KeyValue> outcomes = new EnumMap<>(Outcome.class);
		for (Outcome outcome : Outcome.values()) {
			outcomes.put(outcome, KeyValue.of(OUTCOME, outcome.tagValue()));
		}
		return outcomes;
	}

	@Override
	public Attempt waiting(String origin) {
		return start(origin, true);
	}

	@Override
	public Attempt waitingOnAnyThread(String origin) {
		return start(origin, false);
	}

	private Attempt start(String origin, boolean inScope) {
		if (this.registry.isNoop()) {
			return Attempt.NONE;
		}
		KeyValue name = this.names.get(origin);
		if (name == null) {
			name = this.names.computeIfAbsent(origin, (key) -> KeyValue.of(NAME, LockObserver.lockName(key)));
		}
		Observation call = Observation.createNotStarted(CALL, this.registry)
			.contextualName(CALL + " " + name.getValue())
			.lowCardinalityKeyValue(name)
			.start();
		Observation.Scope scope = inScope ? call.openScope() : null;
		Observation acquire = Observation.createNotStarted(ACQUIRE, this.registry)
			.contextualName(ACQUIRE + " " + name.getValue())
			.lowCardinalityKeyValue(name)
			.parentObservation(call)
			.start();
		return new Observed(call, scope, acquire);
	}

	private static final class Observed implements Attempt {

		private final Observation call;

		/** {@code null} for a call whose end comes on another thread (nothing is put in the thread's scope). */
		private final Observation.@Nullable Scope scope;

		private final Observation acquire;

		private boolean outcomeKnown;

		/** A loss found after the call ended (at a bound transaction's completion) has no observation left to mark. */
		private volatile boolean ended;

		Observed(Observation call, Observation.@Nullable Scope scope, Observation acquire) {
			this.call = call;
			this.scope = scope;
			this.acquire = acquire;
		}

		@Override
		public void acquired() {
			outcome(Outcome.ACQUIRED);
			this.acquire.stop();
		}

		@Override
		public void notAcquired(Outcome outcome, Throwable failure) {
			outcome(outcome);
			this.acquire.error(failure).stop();
		}

		@Override
		public void leaseLost() {
			if (this.ended) {
				return;
			}
			this.call.event(Observation.Event.of(LEASE_LOST_EVENT, "lock found lost while its holder still ran"));
		}

		@Override
		public void ended(@Nullable Throwable failure) {
			if (!this.outcomeKnown) {
				// Failed before the wait ended (not expected): keep the key values the same for every observation.
				outcome(Outcome.FAILED);
				this.acquire.stop();
			}
			if (failure != null) {
				this.call.error(failure);
			}
			this.ended = true;
			if (this.scope != null) {
				this.scope.close();
			}
			this.call.stop();
		}

		private void outcome(Outcome outcome) {
			this.outcomeKnown = true;
			KeyValue value = OUTCOMES.get(outcome);
			this.acquire.lowCardinalityKeyValue(value);
			this.call.lowCardinalityKeyValue(value);
		}

	}

}
