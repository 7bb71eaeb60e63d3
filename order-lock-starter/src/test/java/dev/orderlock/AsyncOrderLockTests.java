package dev.orderlock;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionStage;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import dev.orderlock.autoconfigure.OrderLockAutoConfiguration;
import dev.orderlock.testredis.TestRedis;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import reactor.core.publisher.Flux;
import reactor.core.publisher.Mono;
import reactor.test.StepVerifier;

import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.autoconfigure.aop.AopAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Methods returning {@link CompletableFuture}/{@link CompletionStage} or a Reactor {@link Mono} hold the lock until
 * the returned work completes, whichever thread completes it; return types whose completion cannot be observed fail
 * the start. Two application instances (separate RedissonClients) on one real Redis.
 */
@Timeout(120)
class AsyncOrderLockTests {

	private static TwoInstances instances;

	private static Orders onA;

	private static Orders onB;

	private static final ExecutorService workers = Executors.newCachedThreadPool();

	@BeforeAll
	static void start() {
		instances = TwoInstances.start(AsyncApplication.class, "order-lock.key-prefix=" + TestClients.uniquePrefix(),
				"order-lock.wait-time=30s");
		onA = instances.first.getBean(Orders.class);
		onB = instances.second.getBean(Orders.class);
	}

	@AfterAll
	static void stop() {
		instances.close();
		workers.shutdownNow();
	}

	@Test
	void futureHoldsTheLockUntilAnotherThreadCompletesTheWork() throws Exception {
		CompletableFuture<String> gate = new CompletableFuture<>();
		CompletableFuture<String> capture = onA.capture(1, gate);
		assertThat(capture).isNotDone();
		assertThatThrownBy(() -> onB.cancelNow(1)).as("the method has returned, but its work still runs")
			.isInstanceOf(OrderLockTimeoutException.class);
		workers.submit(() -> gate.complete("captured"));
		assertThat(capture.get(10, TimeUnit.SECONDS)).isEqualTo("captured");
		// Completed only once released: the other instance gets the lock at once.
		assertThat(onB.cancelNow(1)).isEqualTo("cancelled");
	}

	@Test
	void failedWorkReleasesTheLockAndKeepsItsFailure() throws Exception {
		CompletableFuture<String> gate = new CompletableFuture<>();
		CompletableFuture<String> capture = onA.capture(2, gate);
		workers.submit(() -> gate.completeExceptionally(new IllegalStateException("declined")));
		assertThatThrownBy(() -> capture.get(10, TimeUnit.SECONDS)).cause()
			.isInstanceOf(IllegalStateException.class)
			.hasMessage("declined");
		assertThat(onB.cancelNow(2)).isEqualTo("cancelled");
	}

	@Test
	void methodThrowingBeforeReturningItsFutureReleasesTheLock() {
		assertThatThrownBy(() -> onA.captureRejected(3)).isInstanceOf(IllegalArgumentException.class);
		assertThat(onB.cancelNow(3)).isEqualTo("cancelled");
	}

	@Test
	void busyLockFailsBeforeTheMethodRunsAndNeverHandsBackAFuture() throws Exception {
		CompletableFuture<String> gate = new CompletableFuture<>();
		CompletableFuture<String> holder = onA.capture(4, gate);
		AtomicBoolean ran = new AtomicBoolean();
		assertThatThrownBy(() -> onB.captureNow(4, ran)).isInstanceOf(OrderLockTimeoutException.class);
		assertThat(ran).isFalse();
		gate.complete("done");
		holder.get(10, TimeUnit.SECONDS);
	}

	@Test
	void leaseLostWhileTheWorkRanFailsTheFuture() {
		CompletableFuture<String> gate = new CompletableFuture<>();
		CompletableFuture<String> capture = onA.captureWithShortLease(5, gate);
		OrderLockTemplateTests.sleep(Duration.ofMillis(700));
		gate.complete("too late");
		assertThatThrownBy(() -> capture.get(10, TimeUnit.SECONDS)).cause()
			.isInstanceOf(OrderLockLeaseLostException.class)
			.hasMessageContaining(":5");
	}

	@Test
	void monoRunsTheMethodOnlyUnderTheLockAndHoldsItUntilTheMonoCompletes() {
		CompletableFuture<String> gate = new CompletableFuture<>();
		AtomicBoolean invoked = new AtomicBoolean();
		Mono<String> refund = onA.refund(6, gate, invoked);
		assertThat(invoked).as("assembling the Mono must not run the method unlocked").isFalse();
		assertThat(onB.cancelNow(6)).as("not subscribed yet: nothing is locked").isEqualTo("cancelled");
		CompletableFuture<String> running = refund.toFuture();
		await(invoked);
		assertThatThrownBy(() -> onB.cancelNow(6)).isInstanceOf(OrderLockTimeoutException.class);
		workers.submit(() -> gate.complete("refunded"));
		assertThat(running.join()).isEqualTo("refunded");
		assertThat(onB.cancelNow(6)).isEqualTo("cancelled");
	}

	@Test
	void cancelledMonoReleasesTheLock() {
		AtomicBoolean invoked = new AtomicBoolean();
		StepVerifier.create(onA.refund(7, new CompletableFuture<>(), invoked))
			.then(() -> await(invoked))
			.thenCancel()
			.verify(Duration.ofSeconds(10));
		assertThat(eventually(() -> onB.cancelNow(7))).isEqualTo("cancelled");
	}

	@Test
	void monoCancelledWhileWaitingLeavesNoLockBehind() throws Exception {
		CompletableFuture<String> gate = new CompletableFuture<>();
		CompletableFuture<String> holder = onA.capture(10, gate);
		AtomicBoolean invoked = new AtomicBoolean();
		StepVerifier.create(onB.refund(10, new CompletableFuture<>(), invoked))
			.expectSubscription()
			.thenAwait(Duration.ofMillis(200))
			.thenCancel()
			.verify(Duration.ofSeconds(10));
		gate.complete("done");
		holder.get(10, TimeUnit.SECONDS);
		assertThat(eventually(() -> onA.cancelNow(10))).as("the abandoned wait must not keep the order locked")
			.isEqualTo("cancelled");
		assertThat(invoked).isFalse();
	}

	@Test
	void busyLockFailsTheMonoWithoutRunningTheMethod() throws Exception {
		CompletableFuture<String> gate = new CompletableFuture<>();
		CompletableFuture<String> holder = onA.capture(8, gate);
		AtomicBoolean invoked = new AtomicBoolean();
		StepVerifier.create(onB.refundNow(8, invoked)).expectError(OrderLockTimeoutException.class).verify();
		assertThat(invoked).isFalse();
		gate.complete("done");
		holder.get(10, TimeUnit.SECONDS);
	}

	@Test
	void asynchronousWorkOnTwoInstancesNeverOverlapsOnOneOrder() throws Exception {
		Overlap overlap = new Overlap(Duration.ofMillis(15));
		List<CompletableFuture<?>> calls = new ArrayList<>();
		for (int round = 0; round < 5; round++) {
			for (long order = 100; order < 110; order++) {
				long orderId = order;
				calls.add(CompletableFuture.runAsync(() -> onA.work(orderId, overlap).join(), workers));
				calls.add(CompletableFuture.runAsync(() -> onB.work(orderId, overlap).join(), workers));
				calls.add(CompletableFuture.runAsync(() -> onB.workReactively(orderId, overlap).block(), workers));
			}
		}
		CompletableFuture.allOf(calls.toArray(CompletableFuture[]::new)).get(90, TimeUnit.SECONDS);
		assertThat(overlap.maxInsideOneOrder).as("two calls of one order ran their work at the same time").hasValue(1);
		assertThat(overlap.maxInsideAnyOrder).as("different orders must not wait for each other").hasValueGreaterThan(1);
	}

	@Test
	void templateRunsAsynchronousWorkUnderTheLock() throws Exception {
		OrderLockTemplate template = instances.first.getBean(OrderLockTemplate.class);
		CompletableFuture<String> gate = new CompletableFuture<>();
		CompletableFuture<String> work = template.executeAsync("9", () -> gate);
		assertThatThrownBy(() -> onB.cancelNow(9)).isInstanceOf(OrderLockTimeoutException.class);
		gate.complete("done");
		assertThat(work.get(10, TimeUnit.SECONDS)).isEqualTo("done");
		assertThat(onB.cancelNow(9)).isEqualTo("cancelled");
	}

	@Test
	void returnTypesWhoseCompletionCannotBeObservedFailTheStartup() {
		ApplicationContextRunner runner = new ApplicationContextRunner()
			.withConfiguration(AutoConfigurations.of(AopAutoConfiguration.class,
					RedissonAutoConfigurations.forThisBoot(), OrderLockAutoConfiguration.class))
			.withPropertyValues("spring.data.redis.host=" + TestRedis.shared().host(),
					"spring.data.redis.port=" + TestRedis.shared().port());
		assertStartupFails(runner, FluxOrders.class, "FluxOrders.all(long)", "returns reactor.core.publisher.Flux");
		assertStartupFails(runner, PlainFutureOrders.class, "PlainFutureOrders.pay(long)",
				"returns java.util.concurrent.Future");
	}

	private static void assertStartupFails(ApplicationContextRunner runner, Class<?> bean, String method,
			String problem) {
		runner.withBean(bean).run((context) -> assertThat(context).getFailure()
			.rootCause()
			.isInstanceOf(OrderLockDefinitionException.class)
			.hasMessageContaining(method)
			.hasMessageContaining(problem));
	}

	private static void await(AtomicBoolean flag) {
		long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(10);
		while (!flag.get()) {
			if (System.nanoTime() > deadline) {
				throw new IllegalStateException("The guarded method did not start within 10s");
			}
			Thread.onSpinWait();
		}
	}

	/** Asynchronous releases reach Redis a moment after the Mono ends: retry a busy lock briefly. */
	static String eventually(java.util.function.Supplier<String> call) {
		long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(5);
		while (true) {
			try {
				return call.get();
			}
			catch (OrderLockTimeoutException ex) {
				if (System.nanoTime() > deadline) {
					throw ex;
				}
			}
		}
	}

	static class Orders {

		@OrderLock(key = "#orderId")
		public CompletableFuture<String> capture(long orderId, CompletableFuture<String> gate) {
			return gate;
		}

		@OrderLock(key = "#orderId", waitTime = "0")
		public CompletionStage<String> captureNow(long orderId, AtomicBoolean ran) {
			ran.set(true);
			return CompletableFuture.completedFuture("captured");
		}

		@OrderLock(key = "#orderId")
		public CompletableFuture<String> captureRejected(long orderId) {
			throw new IllegalArgumentException("amount must be positive");
		}

		@OrderLock(key = "#orderId", leaseTime = "300ms")
		public CompletableFuture<String> captureWithShortLease(long orderId, CompletableFuture<String> gate) {
			return gate;
		}

		@OrderLock(key = "#orderId", waitTime = "0")
		public String cancelNow(long orderId) {
			return "cancelled";
		}

		@OrderLock(key = "#orderId")
		public Mono<String> refund(long orderId, CompletableFuture<String> gate, AtomicBoolean invoked) {
			invoked.set(true);
			return Mono.fromFuture(gate);
		}

		@OrderLock(key = "#orderId", waitTime = "0")
		public Mono<String> refundNow(long orderId, AtomicBoolean invoked) {
			invoked.set(true);
			return Mono.just("refunded");
		}

		@OrderLock(key = "#orderId")
		public CompletableFuture<Void> work(long orderId, Overlap overlap) {
			return CompletableFuture.runAsync(() -> overlap.body(orderId), workers);
		}

		@OrderLock(key = "#orderId")
		public Mono<Void> workReactively(long orderId, Overlap overlap) {
			return Mono.fromRunnable(() -> overlap.body(orderId));
		}

	}

	static class FluxOrders {

		@OrderLock(key = "#orderId")
		public Flux<String> all(long orderId) {
			return Flux.empty();
		}

	}

	static class PlainFutureOrders {

		@OrderLock(key = "#orderId")
		public Future<String> pay(long orderId) {
			return CompletableFuture.completedFuture("paid");
		}

	}

	@SpringBootConfiguration
	@EnableAutoConfiguration
	static class AsyncApplication {

		@Bean
		Orders orders() {
			return new Orders();
		}

	}

}
