package dev.orderlock;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicReference;

import dev.orderlock.observation.LockMetrics;
import dev.orderlock.observation.LockObservations;
import io.micrometer.core.instrument.Tag;
import io.micrometer.core.instrument.Timer;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.micrometer.observation.Observation;
import io.micrometer.observation.ObservationRegistry;
import io.micrometer.observation.tck.TestObservationRegistry;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Meters and observations of {@link OrderLockTemplate} against a real Redis: every outcome of a wait, the hold, a
 * lost lease, tagged by lock name and never by the order's key.
 */
@Timeout(60)
class ObservabilityTests {

	private static final String NAME = "OrderLockTemplate";

	@RegisterExtension
	static final TwoClients clients = new TwoClients();

	private final SimpleMeterRegistry meters = new SimpleMeterRegistry();

	private OrderLockTemplate observed;

	@BeforeEach
	void createTemplate() {
		this.observed = clients.templateA(Duration.ofSeconds(5));
		this.observed.setObserver(new LockMetrics(this.meters));
	}

	@Test
	void acquiredWaitAndHoldAreRecordedByLockNameAndNeverByKey() {
		this.observed.run("424242", () -> OrderLockTemplateTests.sleep(Duration.ofMillis(100)));

		assertThat(waits("acquired").count()).isEqualTo(1);
		Timer held = this.meters.get(LockMetrics.HELD).tag("name", NAME).timer();
		assertThat(held.count()).isEqualTo(1);
		assertThat(held.totalTime(TimeUnit.MILLISECONDS)).isGreaterThanOrEqualTo(100);
		assertThat(this.meters.get(LockMetrics.LEASE_LOST).tag("name", NAME).counter().count())
			.as("registered up front, so an alert on it reads 0, not 'absent'")
			.isZero();
		assertThat(waits("timed_out").count()).isZero();
		List<Tag> tags = this.meters.getMeters().stream().flatMap((meter) -> meter.getId().getTags().stream()).toList();
		assertThat(tags).extracting(Tag::getKey).containsOnly("name", "outcome");
		assertThat(tags).extracting(Tag::getValue).noneMatch((value) -> value.contains("424242"));
	}

	@Test
	void asynchronousWorkIsHeldUntilItCompletesOnAnotherThread() throws Exception {
		CompletableFuture<String> gate = new CompletableFuture<>();
		CompletableFuture<String> work = this.observed.executeAsync("424243", () -> gate);
		assertThat(waits("acquired").count()).isEqualTo(1);
		assertThat(this.meters.get(LockMetrics.HELD).timer().count()).as("still held").isZero();
		CompletableFuture.runAsync(() -> {
			OrderLockTemplateTests.sleep(Duration.ofMillis(100));
			gate.complete("captured");
		});
		assertThat(work.get(10, TimeUnit.SECONDS)).isEqualTo("captured");
		Timer held = this.meters.get(LockMetrics.HELD).tag("name", NAME).timer();
		assertThat(held.count()).isEqualTo(1);
		assertThat(held.totalTime(TimeUnit.MILLISECONDS)).isGreaterThanOrEqualTo(100);
	}

	@Test
	void busyLockIsRecordedAsTimedOutWithItsWait() throws Exception {
		OrderLockTemplate other = clients.templateB(Duration.ofSeconds(5));
		try (HeldLock held = HeldLock.hold((body) -> other.run("42", body))) {
			assertThatThrownBy(() -> this.observed.execute("42", Duration.ofMillis(300), null, () -> "ran"))
				.isInstanceOf(OrderLockTimeoutException.class);
		}
		assertThat(waits("timed_out").count()).isEqualTo(1);
		// Redisson counts the wait in whole milliseconds of its own clock: it may give up a fraction early.
		assertThat(waits("timed_out").totalTime(TimeUnit.MILLISECONDS)).isGreaterThanOrEqualTo(250);
		assertThat(waits("acquired").count()).isZero();
		assertThat(this.meters.get(LockMetrics.HELD).timer().count()).as("nothing was held").isZero();
	}

	@Test
	void busyLockInTheLocalQueueIsRecordedAsTimedOut() throws Exception {
		this.observed.setLocalHandOff(true);
		try (HeldLock held = HeldLock.hold((body) -> this.observed.run("42", body))) {
			assertThatThrownBy(() -> this.observed.execute("42", Duration.ofMillis(200), null, () -> "ran"))
				.isInstanceOf(OrderLockTimeoutException.class);
		}
		assertThat(waits("timed_out").count()).isEqualTo(1);
		assertThat(waits("acquired").count()).isEqualTo(1);
		assertThat(this.meters.get(LockMetrics.HELD).timer().count()).isEqualTo(1);
	}

	@Test
	void redisDownIsRecordedAsUnavailable() {
		try (OwnRedis own = OwnRedis.start()) {
			OrderLockTemplate template = new OrderLockTemplate(own.client(), clients.prefix(), Duration.ofSeconds(1));
			template.setObserver(new LockMetrics(this.meters));
			own.redis().stop();
			assertThatThrownBy(() -> template.execute("42", () -> "ran"))
				.isInstanceOf(OrderLockUnavailableException.class);
		}
		assertThat(waits("unavailable").count()).isEqualTo(1);
		assertThat(waits("acquired").count()).isZero();
	}

	@Test
	void interruptedWaitIsRecordedAsInterrupted() throws Exception {
		OrderLockTemplate other = clients.templateB(Duration.ofSeconds(5));
		try (HeldLock held = HeldLock.hold((body) -> other.run("42", body))) {
			Thread waiter = new Thread(() -> {
				try {
					this.observed.execute("42", Duration.ofSeconds(20), null, () -> "ran");
				}
				catch (OrderLockException ex) {
					// expected: interrupted
				}
			});
			waiter.start();
			Thread.sleep(300);
			waiter.interrupt();
			waiter.join(10_000);
		}
		assertThat(waits("interrupted").count()).isEqualTo(1);
	}

	@Test
	void lostLeaseIsCountedAndEndsTheHold() {
		assertThatThrownBy(() -> this.observed.execute("42", Duration.ZERO, Duration.ofMillis(300), () -> {
			OrderLockTemplateTests.sleep(Duration.ofMillis(800));
			return "ran";
		})).isInstanceOf(OrderLockLeaseLostException.class);
		assertThat(this.meters.get(LockMetrics.LEASE_LOST).tag("name", NAME).counter().count()).isEqualTo(1);
		assertThat(this.observed.getLeaseLossCount()).isEqualTo(1);
		assertThat(this.meters.get(LockMetrics.HELD).timer().count()).isEqualTo(1);
	}

	@Test
	void holdTimeCapIsCountedAsALossAndEndsTheHoldWhenItReleases() {
		assertThatThrownBy(() -> this.observed.execute(LockRequest.of("42").maxHoldTime(Duration.ofMillis(300)).name(NAME), (lock) -> {
			OrderLockTemplateTests.sleep(Duration.ofMillis(1000));
			return "ran";
		})).isInstanceOf(OrderLockLeaseLostException.class);
		assertThat(this.meters.get(LockMetrics.LEASE_LOST).counter().count()).isEqualTo(1);
		Timer held = this.meters.get(LockMetrics.HELD).timer();
		assertThat(held.count()).isEqualTo(1);
		assertThat(held.totalTime(TimeUnit.MILLISECONDS)).as("ended by the cap, not by the return")
			.isBetween(250.0, 900.0);
	}

	@Test
	void methodOriginsAreNamedByClassAndMethod() {
		assertThat(LockObserver.lockName("dev.shop.OrderService.pay(long, String)")).isEqualTo("OrderService.pay");
		assertThat(LockObserver.lockName("dev.shop.Outer$Orders.cancel()")).isEqualTo("Outer$Orders.cancel");
		assertThat(LockObserver.lockName("OrderLockTemplate")).isEqualTo("OrderLockTemplate");
	}

	@Test
	void lockedCallIsObservedWithItsWaitAsAChildAndTheKeyNowhere() throws Throwable {
		TestObservationRegistry observations = TestObservationRegistry.create();
		this.observed.setObserver(new LockObservations(observations));
		AtomicReference<Observation> current = new AtomicReference<>();
		this.observed.execute(LockRequest.of("424242").name("dev.shop.OrderService.pay(long)"),
				(lock) -> current.getAndSet(observations.getCurrentObservation()));

		assertThat(observations).hasNumberOfObservationsEqualTo(2)
			.hasObservationWithNameEqualTo(LockObservations.CALL)
			.that()
			.hasContextualNameEqualTo("order.lock OrderService.pay")
			.hasLowCardinalityKeyValue(LockObservations.NAME, "OrderService.pay")
			.hasLowCardinalityKeyValue(LockObservations.OUTCOME, "acquired")
			.doesNotHaveError()
			.hasBeenStarted()
			.hasBeenStopped()
			.backToTestObservationRegistry()
			.hasObservationWithNameEqualTo(LockObservations.ACQUIRE)
			.that()
			.hasParentObservationContextMatching((parent) -> parent.getName().equals(LockObservations.CALL))
			.hasLowCardinalityKeyValue(LockObservations.NAME, "OrderService.pay")
			.hasLowCardinalityKeyValue(LockObservations.OUTCOME, "acquired")
			.hasBeenStopped();
		assertThat(current.get()).as("the locked code runs inside the call's observation").isNotNull();
		assertThat(current.get().getContext().getName()).isEqualTo(LockObservations.CALL);
		assertThat(observations.getCurrentObservation()).as("scope closed").isNull();
		assertThat(observations).hasHandledContextsThatSatisfy((contexts) -> assertThat(contexts)
			.flatExtracting((context) -> context.getAllKeyValues().stream().toList())
			.noneMatch((keyValue) -> keyValue.getValue().contains("424242")));
	}

	@Test
	void busyLockObservationCarriesTheTimeoutAsItsError() throws Exception {
		TestObservationRegistry observations = TestObservationRegistry.create();
		this.observed.setObserver(new LockObservations(observations));
		OrderLockTemplate other = clients.templateB(Duration.ofSeconds(5));
		try (HeldLock held = HeldLock.hold((body) -> other.run("42", body))) {
			assertThatThrownBy(() -> this.observed.execute("42", Duration.ofMillis(200), null, () -> "ran"))
				.isInstanceOf(OrderLockTimeoutException.class);
		}
		assertThat(observations).hasObservationWithNameEqualTo(LockObservations.CALL)
			.that()
			.hasLowCardinalityKeyValue(LockObservations.OUTCOME, "timed_out")
			.hasError()
			.hasBeenStopped()
			.backToTestObservationRegistry()
			.hasObservationWithNameEqualTo(LockObservations.ACQUIRE)
			.that()
			.hasLowCardinalityKeyValue(LockObservations.OUTCOME, "timed_out")
			.hasError()
			.hasBeenStopped();
	}

	@Test
	void lostLeaseIsAnEventOfTheCallsObservation() {
		TestObservationRegistry observations = TestObservationRegistry.create();
		this.observed.setObserver(new LockObservations(observations));
		assertThatThrownBy(() -> this.observed.execute("42", Duration.ZERO, Duration.ofMillis(300), () -> {
			OrderLockTemplateTests.sleep(Duration.ofMillis(800));
			return "ran";
		})).isInstanceOf(OrderLockLeaseLostException.class);
		assertThat(observations).hasObservationWithNameEqualTo(LockObservations.CALL)
			.that()
			.hasEvent(LockObservations.LEASE_LOST_EVENT)
			.hasError()
			.hasBeenStopped();
	}

	@Test
	void nothingIsCreatedWithoutARegistryOrWithoutHandlers() {
		assertThat(LockObserver.of(List.of())).isSameAs(LockObserver.NONE);
		assertThat(LockObserver.NONE.waiting(NAME)).isSameAs(LockObserver.Attempt.NONE);
		assertThat(new LockObservations(ObservationRegistry.create()).waiting(NAME)).isSameAs(LockObserver.Attempt.NONE);
		assertThat(new LockObservations(ObservationRegistry.NOOP).waiting(NAME)).isSameAs(LockObserver.Attempt.NONE);
	}

	@Test
	void metersAndObservationsTogether() {
		TestObservationRegistry observations = TestObservationRegistry.create();
		this.observed.setObserver(LockObserver.of(List.of(new LockMetrics(this.meters), new LockObservations(observations))));
		assertThat(this.observed.execute("42", () -> "paid")).isEqualTo("paid");
		assertThat(waits("acquired").count()).isEqualTo(1);
		assertThat(this.meters.get(LockMetrics.HELD).timer().count()).isEqualTo(1);
		assertThat(observations).hasNumberOfObservationsWithNameEqualTo(LockObservations.CALL, 1);
	}

	private Timer waits(String outcome) {
		return this.meters.get(LockMetrics.WAIT).tag("name", NAME).tag("outcome", outcome).timer();
	}

}
