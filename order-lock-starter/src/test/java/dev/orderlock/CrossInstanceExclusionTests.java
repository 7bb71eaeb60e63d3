package dev.orderlock;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.context.annotation.Bean;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The promise itself: cancel on one instance and pay on another, fired together for many orders, never run at the
 * same time on one order, while different orders still run in parallel. The same harness with the lock switched off
 * sees them overlap, so it can fail.
 */
@Timeout(120)
class CrossInstanceExclusionTests {

	private static final int ORDERS = 40;

	private static final Duration BODY = Duration.ofMillis(40);

	/** Shared by both instances (same JVM): who is inside a guarded body right now, per order. */
	static final Map<Long, AtomicInteger> inside = new ConcurrentHashMap<>();

	static final AtomicInteger maxInsideOneOrder = new AtomicInteger();

	static final AtomicInteger insideAnyOrder = new AtomicInteger();

	static final AtomicInteger maxInsideAnyOrder = new AtomicInteger();

	@BeforeEach
	void reset() {
		inside.clear();
		maxInsideOneOrder.set(0);
		insideAnyOrder.set(0);
		maxInsideAnyOrder.set(0);
	}

	@Test
	void cancelAndPayOnTwoInstancesNeverOverlapOnOneOrder() throws Exception {
		try (TwoInstances instances = TwoInstances.start(RaceApplication.class,
				"order-lock.key-prefix=" + TestClients.uniquePrefix(), "order-lock.wait-time=30s")) {
			race(instances);
		}
		assertThat(maxInsideOneOrder).as("cancel and pay of one order ran at the same time").hasValue(1);
		assertThat(maxInsideAnyOrder).as("different orders must not wait for each other").hasValueGreaterThan(1);
	}

	@Test
	void withTheLockDisabledTheSameRaceOverlaps() throws Exception {
		try (TwoInstances instances = TwoInstances.start(RaceApplication.class, "order-lock.enabled=false")) {
			race(instances);
		}
		assertThat(maxInsideOneOrder).as("the harness must be able to see the race").hasValueGreaterThan(1);
	}

	private static void race(TwoInstances instances) throws Exception {
		Payments onFirst = instances.first.getBean(Payments.class);
		Payments onSecond = instances.second.getBean(Payments.class);
		ExecutorService pool = Executors.newFixedThreadPool(16);
		try {
			CountDownLatch start = new CountDownLatch(1);
			List<CompletableFuture<Void>> calls = new ArrayList<>();
			for (long order = 1; order <= ORDERS; order++) {
				long orderId = order;
				calls.add(CompletableFuture.runAsync(() -> {
					OrderLockTemplateTests.await(start);
					onFirst.cancel(orderId);
				}, pool));
				calls.add(CompletableFuture.runAsync(() -> {
					OrderLockTemplateTests.await(start);
					onSecond.pay(orderId);
				}, pool));
			}
			start.countDown();
			CompletableFuture.allOf(calls.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
		}
		finally {
			pool.shutdownNow();
		}
	}

	static void guardedBody(long orderId) {
		AtomicInteger forOrder = inside.computeIfAbsent(orderId, (id) -> new AtomicInteger());
		maxInsideOneOrder.accumulateAndGet(forOrder.incrementAndGet(), Math::max);
		maxInsideAnyOrder.accumulateAndGet(insideAnyOrder.incrementAndGet(), Math::max);
		try {
			OrderLockTemplateTests.sleep(BODY);
		}
		finally {
			insideAnyOrder.decrementAndGet();
			forOrder.decrementAndGet();
		}
	}

	static class Payments {

		@OrderLock(key = "#orderId")
		public void pay(long orderId) {
			guardedBody(orderId);
		}

		@OrderLock(key = "#orderId")
		public void cancel(long orderId) {
			guardedBody(orderId);
		}

	}

	@SpringBootConfiguration
	@EnableAutoConfiguration
	static class RaceApplication {

		@Bean
		Payments payments() {
			return new Payments();
		}

	}

}
