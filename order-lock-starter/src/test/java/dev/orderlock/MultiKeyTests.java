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
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;

import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.context.annotation.Bean;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.jdbc.datasource.embedded.EmbeddedDatabaseBuilder;
import org.springframework.jdbc.datasource.embedded.EmbeddedDatabaseType;
import org.springframework.transaction.support.TransactionTemplate;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Several orders at once: a key that yields a collection locks every order in it, all or nothing, in sorted key
 * order, against a real Redis with two RedissonClients standing for two instances.
 */
@Timeout(120)
class MultiKeyTests {

	private static final int ROUNDS = 40;

	@RegisterExtension
	static final TwoClients clients = new TwoClients();

	/** Shared by both instances (same JVM): who is inside a guarded body right now, per order. */
	static final Map<Long, AtomicInteger> inside = new ConcurrentHashMap<>();

	static final AtomicInteger maxInsideOneOrder = new AtomicInteger();

	private OrderLockTemplate templateA;

	private OrderLockTemplate templateB;

	@BeforeEach
	void createTemplates() {
		this.templateA = clients.templateA(Duration.ofSeconds(5));
		this.templateB = clients.templateB(Duration.ofSeconds(5));
		inside.clear();
		maxInsideOneOrder.set(0);
	}

	@Test
	void overlappingBatchesInOppositeOrdersOnTwoInstancesNeverDeadlockOrOverlap() throws Exception {
		try (TwoInstances instances = TwoInstances.start(BatchApplication.class,
				"order-lock.key-prefix=" + clients.prefix(), "order-lock.wait-time=20s")) {
			Batches onA = instances.first.getBean(Batches.class);
			Batches onB = instances.second.getBean(Batches.class);
			ExecutorService pool = Executors.newFixedThreadPool(4);
			try {
				CountDownLatch start = new CountDownLatch(1);
				List<CompletableFuture<Void>> calls = new ArrayList<>();
				calls.add(rounds(pool, start, () -> onA.cancelAll(List.of(1L, 2L, 3L))));
				calls.add(rounds(pool, start, () -> onA.cancelAll(List.of(1L, 2L, 3L))));
				calls.add(rounds(pool, start, () -> onB.cancelAll(List.of(3L, 2L, 1L))));
				calls.add(rounds(pool, start, () -> onB.cancelAll(new long[] { 2, 4 })));
				start.countDown();
				// A deadlock fails here (or as an OrderLockTimeoutException after the 20s wait), never hangs.
				CompletableFuture.allOf(calls.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
			}
			finally {
				pool.shutdownNow();
			}
		}
		assertThat(maxInsideOneOrder).as("two batches ran on one order at the same time").hasValue(1);
		assertThat(inside).containsOnlyKeys(1L, 2L, 3L, 4L);
	}

	private static CompletableFuture<Void> rounds(ExecutorService pool, CountDownLatch start, Runnable batch) {
		return CompletableFuture.runAsync(() -> {
			OrderLockTemplateTests.await(start);
			for (int i = 0; i < ROUNDS; i++) {
				batch.run();
			}
		}, pool);
	}

	@Test
	void heldOrderMakesTheBatchTimeOutAndTheBatchKeepsNoneOfItsOtherOrders() throws Exception {
		OrderLockTemplate quick = clients.templateA(Duration.ofMillis(300));
		AtomicBoolean ran = new AtomicBoolean();
		try (HeldLock paying = HeldLock.hold((body) -> this.templateB.run("2", body))) {
			assertThatThrownBy(() -> quick.execute(List.of("3", "1", "2"), () -> ran.getAndSet(true)))
				.isInstanceOf(OrderLockTimeoutException.class)
				.hasMessageContaining("Lock '" + clients.prefix() + ":2'");
			assertThat(ran).isFalse();
			assertThat(isLocked("1")).as("order 1, taken before the wait for 2, released again").isFalse();
			assertThat(isLocked("3")).isFalse();
			assertThat(isLocked("2")).as("still the other instance's").isTrue();
		}
	}

	@Test
	void batchTakesItsOrdersInSortedOrderAndRunsOnceTheHeldOneIsFree() throws Exception {
		CompletableFuture<Boolean> batch;
		try (HeldLock paying = HeldLock.hold((body) -> this.templateB.run("2", body))) {
			batch = CompletableFuture.supplyAsync(() -> this.templateA.execute(List.of("3", "1", "2", "1"),
					() -> isLocked("1") && isLocked("2") && isLocked("3")));
			long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(4);
			while (!isLocked("1") && System.nanoTime() < deadline) {
				Thread.sleep(10);
			}
			assertThat(isLocked("1")).as("1 sorts before 2: taken, then the batch waits for 2").isTrue();
			assertThat(isLocked("3")).as("3 sorts after 2: not taken while waiting for 2").isFalse();
			assertThat(batch).isNotDone();
		}
		assertThat(batch.get(5, TimeUnit.SECONDS)).as("all three held while the batch ran").isTrue();
		assertThat(isLocked("1") || isLocked("2") || isLocked("3")).as("all released").isFalse();
	}

	@Test
	void keysSortAsStringsSoTenComesBeforeTwo() throws Exception {
		OrderLockTemplate quick = clients.templateA(Duration.ofMillis(300));
		try (HeldLock paying = HeldLock.hold((body) -> this.templateB.run("10", body))) {
			// "10" < "2": the batch waits for 10 first and never gets as far as 2.
			CompletableFuture<Void> batch = CompletableFuture
				.runAsync(() -> quick.execute(List.of("2", "10"), () -> null));
			Thread.sleep(150);
			assertThat(isLocked("2")).isFalse();
			assertThatThrownBy(() -> batch.get(5, TimeUnit.SECONDS)).hasCauseInstanceOf(OrderLockTimeoutException.class);
		}
	}

	@Test
	void emptyOrBlankKeysFailWithoutRunning() {
		AtomicBoolean ran = new AtomicBoolean();
		assertThatThrownBy(() -> this.templateA.execute(List.of(), () -> ran.getAndSet(true)))
			.isInstanceOf(OrderLockException.class)
			.hasMessageContaining("empty")
			.hasMessageContaining("not run");
		assertThatThrownBy(() -> this.templateA.execute(List.of("1", " "), () -> ran.getAndSet(true)))
			.isInstanceOf(OrderLockException.class)
			.hasMessageContaining("blank");
		assertThat(ran).isFalse();
	}

	@Test
	void lockLostOnOneOrderFailsTheCallAndStillReleasesTheOthers() {
		assertThatThrownBy(() -> this.templateA.execute(List.of("a", "b", "c"), () -> {
			// Stands for a lease that ran out on order a while the batch ran.
			clients.b().getLock(clients.prefix() + ":a").forceUnlock();
			return null;
		})).isInstanceOf(OrderLockLeaseLostException.class);
		assertThat(isLocked("b") || isLocked("c")).as("b and c released although a was lost").isFalse();
		assertThat(this.templateA.getLeaseLossCount()).isEqualTo(1);
	}

	@Test
	void redisDownFailsTheBatchAsUnavailableNotAsBusy() {
		try (OwnRedis own = OwnRedis.start()) {
			OrderLockTemplate template = new OrderLockTemplate(own.client(), clients.prefix(), Duration.ofSeconds(5));
			own.redis().stop();
			AtomicBoolean ran = new AtomicBoolean();
			long start = System.nanoTime();
			assertThatThrownBy(() -> template.execute(List.of("1", "2"), () -> ran.getAndSet(true)))
				.isInstanceOf(OrderLockUnavailableException.class)
				.hasMessageContaining("Redis is unavailable");
			assertThat(ran).isFalse();
			// Redisson's own multi-lock would keep retrying for the whole 5 s wait, then report "busy".
			assertThat(Duration.ofNanos(System.nanoTime() - start)).isLessThan(Duration.ofSeconds(5));
		}
	}

	@Test
	void interruptWhileWaitingFailsTheBatchReleasesItsOrdersAndKeepsTheFlag() throws Exception {
		try (HeldLock paying = HeldLock.hold((body) -> this.templateB.run("2", body))) {
			CompletableFuture<Throwable> batch = new CompletableFuture<>();
			Thread waiter = new Thread(() -> {
				try {
					this.templateA.execute(List.of("1", "2"), () -> null);
					batch.complete(null);
				}
				catch (Throwable ex) {
					batch.complete(Thread.currentThread().isInterrupted() ? ex : new AssertionError("flag lost", ex));
				}
			});
			waiter.start();
			// Waiting on order 2's channel means order 1 has been taken and recorded (orders are taken in turn).
			long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(4);
			while (!isWaitedFor("2") && System.nanoTime() < deadline) {
				Thread.sleep(10);
			}
			assertThat(isLocked("1")).as("order 1 taken before the wait for 2").isTrue();
			long interruptedAt = System.nanoTime();
			waiter.interrupt();
			// The batch's wait is 5 s: hearing of the interrupt sooner means the wait for 2 was called off.
			assertThat(batch.get(3, TimeUnit.SECONDS)).isInstanceOf(OrderLockException.class)
				.hasMessageContaining("Interrupted");
			assertThat(Duration.ofNanos(System.nanoTime() - interruptedAt)).isLessThan(Duration.ofSeconds(3));
			assertThat(isLocked("1")).as("order 1 released when the wait was interrupted").isFalse();
		}
	}

	@Test
	void severalOrdersTakenInsideATransactionAreReleasedOnlyAfterItCommits() {
		DataSourceTransactionManager transactionManager = new DataSourceTransactionManager(
				new EmbeddedDatabaseBuilder().setType(EmbeddedDatabaseType.H2).generateUniqueName(true).build());
		transactionManager.addListener(new OrderLockTransactionListener());
		boolean heldAfterReturn = new TransactionTemplate(transactionManager).execute((status) -> {
			this.templateA.execute(List.of("2", "1"), () -> null);
			return isLocked("1") && isLocked("2");
		});
		assertThat(heldAfterReturn).as("bound to the transaction: still held after the call returned").isTrue();
		assertThat(isLocked("1") || isLocked("2")).as("released after the commit").isFalse();
		assertThat(this.templateA.getLeaseLossCount()).isZero();
	}

	private boolean isLocked(String key) {
		return clients.b().getLock(clients.prefix() + ":" + key).isLocked();
	}

	/** Whether a Redisson client waits for the lock to be freed (it listens on the lock's channel meanwhile). */
	private boolean isWaitedFor(String key) {
		return clients.b().getTopic("redisson_lock__channel:{" + clients.prefix() + ":" + key + "}").countSubscribers() > 0;
	}

	static void guardedBody(Iterable<Long> orderIds) {
		List<AtomicInteger> entered = new ArrayList<>();
		for (long orderId : orderIds) {
			AtomicInteger forOrder = inside.computeIfAbsent(orderId, (id) -> new AtomicInteger());
			maxInsideOneOrder.accumulateAndGet(forOrder.incrementAndGet(), Math::max);
			entered.add(forOrder);
		}
		try {
			OrderLockTemplateTests.sleep(Duration.ofMillis(5));
		}
		finally {
			entered.forEach(AtomicInteger::decrementAndGet);
		}
	}

	static class Batches {

		@OrderLock(key = "#orderIds")
		public void cancelAll(List<Long> orderIds) {
			guardedBody(orderIds);
		}

		@OrderLock(key = "#orderIds")
		public void cancelAll(long[] orderIds) {
			List<Long> ids = new ArrayList<>();
			for (long id : orderIds) {
				ids.add(id);
			}
			guardedBody(ids);
		}

	}

	@SpringBootConfiguration
	@EnableAutoConfiguration
	static class BatchApplication {

		@Bean
		Batches batches() {
			return new Batches();
		}

	}

}
