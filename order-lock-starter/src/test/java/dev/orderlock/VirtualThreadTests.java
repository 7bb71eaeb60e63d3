package dev.orderlock;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.condition.EnabledForJreRange;
import org.junit.jupiter.api.condition.JRE;

import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.scheduling.annotation.Async;
import org.springframework.scheduling.annotation.EnableAsync;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * With {@code spring.threads.virtual.enabled=true} (JDK 21+), {@code @Async} locked methods run on virtual threads,
 * whose ids Redisson uses as lock owners like any thread's: cancel and pay of one order still never overlap across two
 * instances. Runs only on a JDK 21+ ({@code .ci/run} runs it on the Temurin 25 JDK); compiled for Java 17, so the
 * virtual-thread check goes through reflection.
 */
@EnabledForJreRange(min = JRE.JAVA_21)
@Timeout(120)
class VirtualThreadTests {

	@Test
	void asyncLockedCallsOnVirtualThreadsNeverOverlapAcrossInstances() throws Exception {
		Overlap overlap = new Overlap(Duration.ofMillis(10));
		Payments.overlap = overlap;
		try (TwoInstances instances = TwoInstances.start(VirtualThreadApplication.class,
				"spring.threads.virtual.enabled=true", "order-lock.key-prefix=" + TestClients.uniquePrefix(),
				"order-lock.wait-time=60s")) {
			Payments onA = instances.first.getBean(Payments.class);
			Payments onB = instances.second.getBean(Payments.class);
			List<CompletableFuture<Boolean>> calls = new ArrayList<>();
			for (int round = 0; round < 5; round++) {
				for (long order = 0; order < 20; order++) {
					calls.add(onA.cancel(order));
					calls.add(onB.pay(order));
				}
			}
			CompletableFuture.allOf(calls.toArray(CompletableFuture[]::new)).get(90, TimeUnit.SECONDS);
			assertThat(calls).as("every locked body ran on a virtual thread").allSatisfy((call) -> assertThat(call).isCompletedWithValue(true));
		}
		assertThat(overlap.maxInsideOneOrder).as("cancel and pay of one order ran at the same time").hasValue(1);
		assertThat(overlap.maxInsideAnyOrder).as("different orders must not wait for each other").hasValueGreaterThan(1);
	}

	@Test
	void synchronousLockedCallsFromManyVirtualThreadsNeverOverlap() throws Exception {
		Overlap overlap = new Overlap(Duration.ofMillis(5));
		Payments.overlap = overlap;
		AtomicInteger onVirtualThreads = new AtomicInteger();
		try (TwoInstances instances = TwoInstances.start(VirtualThreadApplication.class,
				"order-lock.key-prefix=" + TestClients.uniquePrefix(), "order-lock.wait-time=60s")) {
			Payments onA = instances.first.getBean(Payments.class);
			Payments onB = instances.second.getBean(Payments.class);
			ExecutorService virtualThreads = (ExecutorService) Executors.class.getMethod("newVirtualThreadPerTaskExecutor")
				.invoke(null);
			try {
				List<CompletableFuture<Void>> calls = new ArrayList<>();
				for (int i = 0; i < 200; i++) {
					long orderId = i % 10;
					Payments payments = (i % 2 == 0) ? onA : onB;
					calls.add(CompletableFuture.runAsync(() -> {
						if (payments.refund(orderId)) {
							onVirtualThreads.incrementAndGet();
						}
					}, virtualThreads));
				}
				CompletableFuture.allOf(calls.toArray(CompletableFuture[]::new)).get(90, TimeUnit.SECONDS);
			}
			finally {
				virtualThreads.shutdownNow();
			}
		}
		assertThat(onVirtualThreads).hasValue(200);
		assertThat(overlap.maxInsideOneOrder).as("two refunds of one order ran at the same time").hasValue(1);
	}

	static boolean onVirtualThread() {
		try {
			return (boolean) Thread.class.getMethod("isVirtual").invoke(Thread.currentThread());
		}
		catch (ReflectiveOperationException ex) {
			throw new IllegalStateException("Needs a JDK 21+", ex);
		}
	}

	static class Payments {

		static volatile Overlap overlap;

		@Async
		@OrderLock(key = "#orderId")
		public CompletableFuture<Boolean> pay(long orderId) {
			overlap.body(orderId);
			return CompletableFuture.completedFuture(onVirtualThread());
		}

		@Async
		@OrderLock(key = "#orderId")
		public CompletableFuture<Boolean> cancel(long orderId) {
			overlap.body(orderId);
			return CompletableFuture.completedFuture(onVirtualThread());
		}

		@OrderLock(key = "#orderId")
		public boolean refund(long orderId) {
			overlap.body(orderId);
			return onVirtualThread();
		}

	}

	@SpringBootConfiguration
	@EnableAutoConfiguration
	@EnableAsync
	static class VirtualThreadApplication {

		@Bean
		Payments payments() {
			return new Payments();
		}

	}

}
