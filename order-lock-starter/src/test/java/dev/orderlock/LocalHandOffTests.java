package dev.orderlock;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicReference;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.redisson.api.RedissonClient;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * {@code order-lock.local-hand-off}: callers of one instance queue locally in front of the Redis lock. The queue may
 * only ever add waiting, never remove exclusion: two instances with several callers each on the same orders never
 * overlap, and the same harness with only the local queue (no Redis lock) does.
 */
@Timeout(120)
class LocalHandOffTests {

	@RegisterExtension
	static final TwoClients clients = new TwoClients();

	private final ExecutorService executor = Executors.newCachedThreadPool();

	@AfterEach
	void stopExecutor() {
		this.executor.shutdownNow();
	}

	@Test
	void severalCallersOnTwoInstancesNeverOverlapOnOneOrder() throws Exception {
		OrderLockTemplate onA = handingOff(clients.a(), Duration.ofSeconds(30));
		OrderLockTemplate onB = handingOff(clients.b(), Duration.ofSeconds(30));
		Overlap overlap = race(onA::run, onB::run);
		assertThat(overlap.maxInsideOneOrder).as("two callers of one order ran at the same time").hasValue(1);
		assertThat(overlap.maxInsideAnyOrder).as("different orders must not wait for each other").hasValueGreaterThan(1);
	}

	@Test
	void theLocalQueueAloneDoesNotExcludeAnotherInstance() throws Exception {
		// Control: the same race where each instance only queues locally (no Redis lock) overlaps across instances,
		// so the test above can fail, and the queue is no substitute for the Redis lock.
		LocalHandOff queueA = new LocalHandOff();
		LocalHandOff queueB = new LocalHandOff();
		Overlap overlap = race(localOnly(queueA), localOnly(queueB));
		assertThat(overlap.maxInsideOneOrder).as("the harness must be able to see the race").hasValueGreaterThan(1);
	}

	@Test
	void queuedCallerTimesOutWithinTheOneWaitTimeAndLeavesNoQueueBehind() throws Exception {
		OrderLockTemplate template = handingOff(clients.a(), Duration.ofMillis(300));
		AtomicBoolean ran = new AtomicBoolean();
		long start;
		try (HeldLock held = HeldLock.hold((body) -> template.run("42", body))) {
			start = System.nanoTime();
			CompletableFuture<Void> queued = CompletableFuture.runAsync(() -> template.run("42", () -> ran.set(true)),
					this.executor);
			assertThatThrownBy(() -> queued.get(10, TimeUnit.SECONDS)).cause()
				.isInstanceOf(OrderLockTimeoutException.class)
				.hasMessageContaining(clients.prefix() + ":42");
		}
		assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(3));
		assertThat(ran).isFalse();
		assertThat(localQueueOf(template).activeKeys()).isZero();
	}

	@Test
	void nextLocalCallerGoesAsSoonAsTheHolderReturns() throws Exception {
		OrderLockTemplate template = handingOff(clients.a(), Duration.ofSeconds(10));
		CompletableFuture<String> next;
		try (HeldLock held = HeldLock.hold((body) -> template.run("42", body))) {
			next = CompletableFuture.supplyAsync(() -> template.execute("42", () -> "paid"), this.executor);
			Thread.sleep(200);
			assertThat(next).isNotDone();
		}
		assertThat(next.get(5, TimeUnit.SECONDS)).isEqualTo("paid");
		assertThat(localQueueOf(template).activeKeys()).isZero();
	}

	@Test
	void interruptWhileQueuedLocallyFailsKeepsTheFlagAndRunsNothing() throws Exception {
		OrderLockTemplate template = handingOff(clients.a(), Duration.ofSeconds(30));
		AtomicBoolean ran = new AtomicBoolean();
		AtomicReference<Throwable> failure = new AtomicReference<>();
		AtomicBoolean flagKept = new AtomicBoolean();
		try (HeldLock held = HeldLock.hold((body) -> template.run("42", body))) {
			Thread waiter = new Thread(() -> {
				try {
					template.run("42", () -> ran.set(true));
				}
				catch (RuntimeException ex) {
					failure.set(ex);
					flagKept.set(Thread.currentThread().isInterrupted());
				}
			});
			waiter.start();
			Thread.sleep(200);
			waiter.interrupt();
			waiter.join(5000);
		}
		assertThat(failure.get()).isInstanceOf(OrderLockException.class).hasMessageContaining("Interrupted");
		assertThat(flagKept).isTrue();
		assertThat(ran).isFalse();
		assertThat(localQueueOf(template).activeKeys()).isZero();
	}

	@Test
	void reentrantOnTheSameThread() {
		OrderLockTemplate template = handingOff(clients.a(), Duration.ofSeconds(1));
		String inner = template.execute("42", () -> template.execute("42", () -> "inner"));
		assertThat(inner).isEqualTo("inner");
		assertThat(localQueueOf(template).activeKeys()).isZero();
	}

	private Overlap race(Guard first, Guard second) throws Exception {
		int orders = 10;
		int callersPerInstance = 3;
		Overlap overlap = new Overlap(Duration.ofMillis(20));
		CountDownLatch start = new CountDownLatch(1);
		List<CompletableFuture<Void>> calls = new ArrayList<>();
		for (int order = 0; order < orders; order++) {
			String key = "order-" + order;
			for (int caller = 0; caller < callersPerInstance; caller++) {
				for (Guard guard : List.of(first, second)) {
					calls.add(CompletableFuture.runAsync(() -> {
						OrderLockTemplateTests.await(start);
						guard.run(key, () -> overlap.body(key));
					}, this.executor));
				}
			}
		}
		start.countDown();
		CompletableFuture.allOf(calls.toArray(CompletableFuture[]::new)).get(90, TimeUnit.SECONDS);
		return overlap;
	}

	private static Guard localOnly(LocalHandOff queue) {
		return (key, body) -> {
			try {
				LocalHandOff.Turn turn = queue.await(key, TimeUnit.SECONDS.toNanos(30));
				try {
					body.run();
				}
				finally {
					turn.leave();
				}
			}
			catch (InterruptedException ex) {
				throw new IllegalStateException(ex);
			}
		};
	}

	private OrderLockTemplate handingOff(RedissonClient client, Duration waitTime) {
		OrderLockTemplate template = new OrderLockTemplate(client, clients.prefix(), waitTime);
		template.setLocalHandOff(true);
		return template;
	}

	private static LocalHandOff localQueueOf(OrderLockTemplate template) {
		return template.localHandOff();
	}

	@FunctionalInterface
	private interface Guard {

		void run(String key, Runnable body);

	}

}
