package dev.orderlock;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;

import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.context.annotation.Bean;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Asynchronous return styles with every option the blocking path has (issue 12): several orders, fenced,
 * {@code maxHoldTime}; a {@code Mono}'s method off Redisson's I/O threads; a lost lease reported as
 * {@link OrderLockLeaseLostException} without hiding the work's own failure; and the supported way to bound
 * asynchronous work, which keeps the lock until the work has stopped. Two instances on one real Redis.
 */
@Timeout(120)
class AsyncLifecycleTests {

	private static TwoInstances instances;

	private static Payments onA;

	private static Payments onB;

	@BeforeAll
	static void start() {
		instances = TwoInstances.start(Application.class, "order-lock.key-prefix=" + TestClients.uniquePrefix(),
				"order-lock.wait-time=10s");
		onA = instances.first.getBean(Payments.class);
		onB = instances.second.getBean(Payments.class);
	}

	@AfterAll
	static void stop() {
		instances.close();
	}

	@Test
	void monoMethodRunsOffRedissonsThreadsAndMayTakeABlockingLockInside() {
		AtomicReference<String> invokedOn = new AtomicReference<>();
		StepVerifier.create(onA.captureReactively(1, invokedOn)).expectNext("nested lock taken").verifyComplete();
		assertThat(invokedOn.get()).doesNotContain("redisson").doesNotContain("netty");
	}

	@Test
	void callersOfAFutureContinueOffRedissonsThreads() throws Exception {
		CompletableFuture<String> gate = new CompletableFuture<>();
		CompletableFuture<String> continuedOn = onA.capture(5, gate)
			.thenApply((result) -> Thread.currentThread().getName());
		gate.complete("captured");
		assertThat(continuedOn.get(10, TimeUnit.SECONDS)).doesNotContain("redisson").doesNotContain("netty");
	}

	@Test
	void monoWhoseLeaseIsLostFailsWithTheLossAndKeepsTheWorksOwnFailure() {
		StepVerifier.create(onA.slowReactively(2, null))
			.expectError(OrderLockLeaseLostException.class)
			.verify(Duration.ofSeconds(10));
		StepVerifier.create(onA.slowReactively(3, new IllegalStateException("gateway declined")))
			.expectErrorSatisfies((failure) -> assertThat(failure).isInstanceOf(IllegalStateException.class)
				.hasMessage("gateway declined")
				.satisfies((own) -> assertThat(own.getSuppressed()).singleElement()
					.isInstanceOf(OrderLockLeaseLostException.class)))
			.verify(Duration.ofSeconds(10));
	}

	@Test
	void asynchronousMethodsLockSeveralOrders() throws Exception {
		CompletableFuture<String> gate = new CompletableFuture<>();
		CompletableFuture<String> both = onA.captureAll(List.of(11L, 12L), gate);
		assertThatThrownBy(() -> onB.cancelNow(12)).isInstanceOf(OrderLockTimeoutException.class);
		gate.complete("captured");
		assertThat(both.get(10, TimeUnit.SECONDS)).isEqualTo("captured");
		assertThat(onB.cancelNow(11)).isEqualTo("cancelled");

		CompletableFuture<String> reactiveGate = new CompletableFuture<>();
		CompletableFuture<String> reactive = onA.captureAllReactively(List.of(13L, 14L), reactiveGate).toFuture();
		eventuallyBusy(() -> onB.cancelNow(14));
		reactiveGate.complete("captured");
		assertThat(reactive.get(10, TimeUnit.SECONDS)).isEqualTo("captured");
		assertThat(onB.cancelNow(13)).isEqualTo("cancelled");
	}

	@Test
	void asynchronousMethodsMayBeFenced() throws Exception {
		long first = onA.fencedCapture(21).get(10, TimeUnit.SECONDS);
		long second = onB.fencedCapture(21).get(10, TimeUnit.SECONDS);
		long third = onA.fencedCaptureReactively(21).block(Duration.ofSeconds(10));
		assertThat(first).isPositive();
		assertThat(second).isGreaterThan(first);
		assertThat(third).isGreaterThan(second);
	}

	@Test
	void holdTimeCapFreesTheOrderOfAnAsynchronousMethod() {
		CompletableFuture<String> gate = new CompletableFuture<>();
		CompletableFuture<String> hung = onA.cappedCapture(31, gate);
		assertThat(onB.cancelWithin(31)).as("taken over after the cap").isEqualTo("cancelled");
		gate.complete("captured late");
		assertThatThrownBy(() -> hung.get(10, TimeUnit.SECONDS)).hasCauseInstanceOf(OrderLockLeaseLostException.class);

		Mono<String> hungReactively = onA.cappedCaptureReactively(32);
		StepVerifier.create(hungReactively.doOnSubscribe((subscription) -> CompletableFuture.runAsync(() -> {
			OrderLockTemplateTests.sleep(Duration.ofMillis(100));
			assertThat(onB.cancelWithin(32)).isEqualTo("cancelled");
		}))).expectError(OrderLockLeaseLostException.class).verify(Duration.ofSeconds(10));
	}

	@Test
	void boundingTheReturnedFutureKeepsTheLockUntilTheWorkStops() throws Exception {
		CompletableFuture<String> gate = new CompletableFuture<>();
		CompletableFuture<String> bounded = onA.capture(41, gate).orTimeout(200, TimeUnit.MILLISECONDS);
		assertThatThrownBy(() -> bounded.get(10, TimeUnit.SECONDS)).hasCauseInstanceOf(TimeoutException.class);
		// The caller gave up, but the capture still runs: nobody else may touch the order.
		assertThatThrownBy(() -> onB.cancelNow(41)).isInstanceOf(OrderLockTimeoutException.class);
		gate.complete("captured");
		assertThat(AsyncOrderLockTests.eventually(() -> onB.cancelNow(41))).isEqualTo("cancelled");
	}

	private static void eventuallyBusy(Runnable call) {
		long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
		while (System.nanoTime() < deadline) {
			try {
				call.run();
			}
			catch (OrderLockTimeoutException expected) {
				return;
			}
			OrderLockTemplateTests.sleep(Duration.ofMillis(20));
		}
		throw new AssertionError("The order was never locked");
	}

	static class Payments {

		private final AtomicLong sequence = new AtomicLong();

		private OrderLockTemplate template;

		Payments(OrderLockTemplate template) {
			this.template = template;
		}

		@OrderLock(key = "#orderId")
		public Mono<String> captureReactively(long orderId, AtomicReference<String> invokedOn) {
			invokedOn.set(Thread.currentThread().getName());
			// A blocking lock of another order inside: on an I/O thread it would wait for a reply that thread reads.
			return Mono.just(this.template.execute(orderId + "-ledger", () -> "nested lock taken"));
		}

		@OrderLock(key = "#orderId", leaseTime = "300ms")
		public Mono<String> slowReactively(long orderId, RuntimeException failure) {
			Mono<String> slow = Mono.delay(Duration.ofMillis(900)).thenReturn("captured");
			return (failure != null) ? slow.then(Mono.error(failure)) : slow;
		}

		@OrderLock(key = "#orderIds")
		public CompletableFuture<String> captureAll(List<Long> orderIds, CompletableFuture<String> gate) {
			return gate;
		}

		@OrderLock(key = "#orderIds")
		public Mono<String> captureAllReactively(List<Long> orderIds, CompletableFuture<String> gate) {
			return Mono.fromFuture(gate);
		}

		@OrderLock(key = "#orderId", fenced = true)
		public CompletableFuture<Long> fencedCapture(long orderId) {
			long token = OrderLockContext.currentFencingToken().orElseThrow();
			return CompletableFuture.supplyAsync(() -> token);
		}

		@OrderLock(key = "#orderId", fenced = true)
		public Mono<Long> fencedCaptureReactively(long orderId) {
			long token = OrderLockContext.currentFencingToken().orElseThrow();
			return Mono.delay(Duration.ofMillis(10)).thenReturn(token);
		}

		@OrderLock(key = "#orderId", maxHoldTime = "300ms")
		public CompletableFuture<String> cappedCapture(long orderId, CompletableFuture<String> gate) {
			return gate;
		}

		@OrderLock(key = "#orderId", maxHoldTime = "300ms")
		public Mono<String> cappedCaptureReactively(long orderId) {
			return Mono.delay(Duration.ofMillis(1500)).thenReturn("captured late");
		}

		@OrderLock(key = "#orderId")
		public CompletableFuture<String> capture(long orderId, CompletableFuture<String> gate) {
			return gate;
		}

		@OrderLock(key = "#orderId", waitTime = "0")
		public String cancelNow(long orderId) {
			return "cancelled";
		}

		@OrderLock(key = "#orderId", waitTime = "1500ms")
		public String cancelWithin(long orderId) {
			return "cancelled";
		}

	}

	@SpringBootConfiguration
	@EnableAutoConfiguration
	static class Application {

		@Bean
		Payments payments(OrderLockTemplate template) {
			return new Payments(template);
		}

	}

}
