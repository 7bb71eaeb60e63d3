package dev.orderlock;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.stream.Collectors;

import dev.orderlock.testredis.RedisSentinelGroup;
import dev.orderlock.testredis.TestRedis;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.redisson.api.RedissonClient;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Redis Sentinel (issue 7, scenario 5): two RedissonClients stand for two instances on a primary with one replica
 * watched by three sentinels. Locking works through Sentinel; when the primary dies under load, calls fail closed
 * (unavailable or timed out, the code not run) and never overlap, and once a replica is promoted the same clients
 * lock again, without a restart.
 */
@Timeout(120)
class SentinelFailoverTests {

	private static final List<String> ORDERS = List.of("1", "2", "3", "4");

	private static final int THREADS_PER_INSTANCE = 3;

	private RedisSentinelGroup sentinel;

	private RedissonClient instanceA;

	private RedissonClient instanceB;

	private OrderLockTemplate templateA;

	private OrderLockTemplate templateB;

	@BeforeAll
	static void needsRedisServer() {
		assumeTrue(TestRedis.serverProcessRuns(), "No redis-server binary can run here (none on PATH, and the one "
				+ "shipped in embedded-redis does not run on this OS): a Sentinel group cannot be started");
	}

	@BeforeEach
	void startSentinelGroupAndTwoInstances() {
		// A group of its own per test: the failover test kills its primary.
		this.sentinel = RedisSentinelGroup.start();
		this.instanceA = TestClients.newClient(this.sentinel);
		this.instanceB = TestClients.newClient(this.sentinel);
		String prefix = TestClients.uniquePrefix();
		this.templateA = new OrderLockTemplate(this.instanceA, prefix, Duration.ofSeconds(1));
		this.templateB = new OrderLockTemplate(this.instanceB, prefix, Duration.ofSeconds(1));
	}

	@AfterEach
	void stop() {
		this.instanceA.shutdown();
		this.instanceB.shutdown();
		this.sentinel.close();
	}

	@Test
	void lockTakenThroughSentinelExcludesTheOtherInstance() throws Exception {
		assertThat(this.templateA.execute("42", () -> "first")).isEqualTo("first");
		try (HeldLock paying = HeldLock.hold((body) -> this.templateA.run("42", body))) {
			AtomicBoolean ran = new AtomicBoolean();
			assertThatThrownBy(() -> this.templateB.execute("42", Duration.ofMillis(200), null,
					() -> ran.getAndSet(true)))
				.isInstanceOf(OrderLockTimeoutException.class);
			assertThat(ran).isFalse();
		}
		assertThat(this.templateB.execute("42", () -> "after")).isEqualTo("after");
	}

	@Test
	void killedPrimaryFailsCallsClosedWithoutOverlapAndTheSameClientsLockAgainAfterTheFailover() throws Exception {
		Overlap overlap = new Overlap(Duration.ofMillis(20));
		ConcurrentLinkedQueue<Call> calls = new ConcurrentLinkedQueue<>();
		AtomicBoolean stop = new AtomicBoolean();
		List<Thread> workers = new ArrayList<>();
		for (int i = 0; i < 2 * THREADS_PER_INSTANCE; i++) {
			OrderLockTemplate template = (i % 2 == 0) ? this.templateA : this.templateB;
			int first = i;
			Thread worker = new Thread(() -> {
				for (int n = first; !stop.get(); n++) {
					calls.add(call(template, ORDERS.get(n % ORDERS.size()), overlap));
				}
			}, "failover-load-" + i);
			worker.start();
			workers.add(worker);
		}
		try {
			OrderLockTemplateTests.sleep(Duration.ofMillis(1500));
			int oldPrimary = this.sentinel.primaryPort();
			long killedAt = System.nanoTime();
			this.sentinel.killPrimary();
			// An order nobody held at the kill: how soon locking itself is back, apart from held locks lapsing.
			CompletableFuture<Long> freshOrderBack = CompletableFuture.supplyAsync(() -> firstSuccess(this.templateA));
			int newPrimary = this.sentinel.awaitFailover(Duration.ofSeconds(30));
			long promotedAt = System.nanoTime();
			assertThat(newPrimary).isNotEqualTo(oldPrimary);
			long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
			while (successesStartedAfter(calls, promotedAt) < 20 && System.nanoTime() < deadline) {
				OrderLockTemplateTests.sleep(Duration.ofMillis(100));
			}
			stop.set(true);
			for (Thread worker : workers) {
				worker.join(10_000);
			}
			report(calls, killedAt, promotedAt, freshOrderBack.get(30, TimeUnit.SECONDS));

			assertThat(overlap.maxInsideOneOrder).as("two calls inside one order at once").hasValue(1);
			assertThat(calls).filteredOn((c) -> c.endedAt < killedAt && c.failure == null)
				.as("successful calls before the kill").isNotEmpty();
			for (Call failed : calls.stream().filter((c) -> c.failure != null).toList()) {
				assertThat(failed.failure).as("a failure during the failover")
					.isInstanceOfAny(OrderLockUnavailableException.class, OrderLockTimeoutException.class);
				assertThat(failed.ran).as("the code ran although the call failed: " + failed.failure).isFalse();
			}
			assertThat(successesStartedAfter(calls, promotedAt)).as("successful calls after the failover, same clients")
				.isGreaterThanOrEqualTo(20);
		}
		finally {
			stop.set(true);
		}
		for (String order : ORDERS) {
			assertThat(this.templateA.execute(order, Duration.ofSeconds(10), null, () -> order)).isEqualTo(order);
			assertThat(this.templateB.execute(order, Duration.ofSeconds(10), null, () -> order)).isEqualTo(order);
		}
	}

	private static Call call(OrderLockTemplate template, String order, Overlap overlap) {
		AtomicBoolean ran = new AtomicBoolean();
		long startedAt = System.nanoTime();
		RuntimeException failure = null;
		try {
			template.run(order, () -> {
				ran.set(true);
				overlap.body(order);
			});
		}
		catch (RuntimeException ex) {
			failure = ex;
		}
		return new Call(startedAt, System.nanoTime(), ran.get(), failure);
	}

	/** Tries an order of its own until a call succeeds; when that call ended. */
	private static long firstSuccess(OrderLockTemplate template) {
		long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(30);
		while (System.nanoTime() < deadline) {
			try {
				template.run("not-held-at-the-kill", () -> {
				});
				return System.nanoTime();
			}
			catch (OrderLockUnavailableException | OrderLockTimeoutException ex) {
				OrderLockTemplateTests.sleep(Duration.ofMillis(50));
			}
		}
		throw new AssertionError("An order nobody held could not be locked within 30s of the kill");
	}

	private static long successesStartedAfter(ConcurrentLinkedQueue<Call> calls, long nanos) {
		return calls.stream().filter((c) -> c.startedAt > nanos && c.failure == null).count();
	}

	/** What the lead's docs need: outcomes by phase and the time from the kill to the first success. */
	private static void report(ConcurrentLinkedQueue<Call> calls, long killedAt, long promotedAt, long freshOrderBack) {
		long firstSuccessAfterKill = calls.stream()
			.filter((c) -> c.startedAt > killedAt && c.failure == null)
			.mapToLong((c) -> c.endedAt)
			.min()
			.orElse(-1);
		Map<String, Long> outcomesAfterKill = calls.stream()
			.filter((c) -> c.endedAt > killedAt)
			.collect(Collectors.groupingBy(Call::outcome, TreeMap::new, Collectors.counting()));
		System.out.printf("Sentinel failover under load: %d calls in all; sentinels promoted a replica %d ms after "
				+ "the kill; an order not held at the kill locked again %d ms after it; first successful call of the "
				+ "loaded orders (started after the kill) ended %d ms after the kill; outcomes of calls ending after "
				+ "the kill: %s%n", calls.size(), millis(promotedAt - killedAt), millis(freshOrderBack - killedAt),
				(firstSuccessAfterKill < 0) ? -1 : millis(firstSuccessAfterKill - killedAt), outcomesAfterKill);
	}

	private static long millis(long nanos) {
		return TimeUnit.NANOSECONDS.toMillis(nanos);
	}

	/** One guarded call: when, whether its code ran, and how it failed, if it did. */
	record Call(long startedAt, long endedAt, boolean ran, RuntimeException failure) {

		String outcome() {
			return (this.failure != null) ? this.failure.getClass().getSimpleName() : "success";
		}

	}

}
