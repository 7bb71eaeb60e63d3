package dev.orderlock;

import java.time.Duration;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.function.BiConsumer;

import dev.orderlock.testredis.RedisClusterGroup;
import dev.orderlock.testredis.TestRedis;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.redisson.api.RedissonClient;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/**
 * Redis Cluster (issue 7, scenario 6): two RedissonClients stand for two instances on a three-primary cluster, and
 * the orders are chosen so that their lock keys fall in the slots of all three primaries. Exclusion, all-or-nothing
 * batches and fencing tokens hold on every node, not only on the one a single Redis would be.
 */
@Timeout(120)
class ClusterLockTests {

	private static final int ORDERS_PER_NODE = 3;

	private static final int ROUNDS = 15;

	private static RedisClusterGroup cluster;

	private static RedissonClient instanceA;

	private static RedissonClient instanceB;

	private String prefix;

	private OrderLockTemplate templateA;

	private OrderLockTemplate templateB;

	/** Who was inside which order at once during the last race. */
	private Overlap overlap;

	/** Orders by the port of the primary that holds their lock key, {@code ORDERS_PER_NODE} on each. */
	private Map<Integer, List<String>> ordersByNode;

	@BeforeAll
	static void startCluster() {
		assumeTrue(TestRedis.serverProcessRuns(), "No redis-server binary can run here (none on PATH, and the one "
				+ "shipped in embedded-redis does not run on this OS): a Redis Cluster cannot be started");
		cluster = RedisClusterGroup.start();
		instanceA = TestClients.newClient(cluster);
		instanceB = TestClients.newClient(cluster);
	}

	@AfterAll
	static void stopCluster() {
		if (instanceA != null) {
			instanceA.shutdown();
			instanceB.shutdown();
		}
		if (cluster != null) {
			cluster.close();
		}
	}

	@BeforeEach
	void spreadOrdersOverTheNodes() {
		this.prefix = TestClients.uniquePrefix();
		this.templateA = new OrderLockTemplate(instanceA, this.prefix, Duration.ofSeconds(10));
		this.templateB = new OrderLockTemplate(instanceB, this.prefix, Duration.ofSeconds(10));
		this.ordersByNode = new LinkedHashMap<>();
		for (int order = 1; this.ordersByNode.size() < 3
				|| this.ordersByNode.values().stream().anyMatch((o) -> o.size() < ORDERS_PER_NODE); order++) {
			String name = lockName(String.valueOf(order));
			int slot = cluster.slotOf(name);
			assertThat(instanceA.getKeys().getSlot(name)).as("Redisson routes by the cluster's own slot").isEqualTo(slot);
			List<String> onNode = this.ordersByNode.computeIfAbsent(cluster.portOfSlot(slot), (port) -> new ArrayList<>());
			if (onNode.size() < ORDERS_PER_NODE) {
				onNode.add(String.valueOf(order));
			}
		}
		assertThat(this.ordersByNode).as("lock keys on each of the three primaries").hasSize(3);
	}

	@Test
	void ordersOnAllThreePrimariesNeverOverlapBetweenTwoInstancesAndAreReleasedAfterwards() throws Exception {
		race((template, order) -> template.run(order, () -> this.overlap.body(order)));
		assertThat(this.overlap.maxInsideOneOrder).as("two instances inside one order at once").hasValue(1);
		assertThat(this.overlap.maxInsideAnyOrder).as("different orders must not wait for each other")
			.hasValueGreaterThan(1);
		for (String order : allOrders()) {
			assertThat(isLocked(order)).as("order " + order + " released").isFalse();
		}
	}

	@Test
	void withoutTheLockTheSameRaceOverlaps() throws Exception {
		race((template, order) -> this.overlap.body(order));
		assertThat(this.overlap.maxInsideOneOrder).as("the harness must be able to see the race").hasValueGreaterThan(1);
	}

	@Test
	void batchAcrossAllThreePrimariesRacesSingleOrderCallsWithoutOverlap() throws Exception {
		List<String> batch = onePerNode();
		race((template, order) -> {
			if (template == this.templateA) {
				// Instance A takes all three at once, instance B one at a time.
				template.execute(batch, () -> {
					this.overlap.bodyOfAll(batch);
					return null;
				});
			}
			else {
				template.run(order, () -> this.overlap.body(order));
			}
		}, batch);
		assertThat(this.overlap.maxInsideOneOrder).as("a batch and a single call inside one order at once").hasValue(1);
		assertThat(batch).noneMatch(this::isLocked);
	}

	@Test
	void batchAcrossSlotsIsAllOrNothingAndKeepsNoneOfItsOrdersWhenOneIsHeld() throws Exception {
		List<String> batch = onePerNode();
		OrderLockTemplate quick = new OrderLockTemplate(instanceA, this.prefix, Duration.ofMillis(300));
		for (String held : batch) {
			AtomicBoolean ran = new AtomicBoolean();
			try (HeldLock paying = HeldLock.hold((body) -> this.templateB.run(held, body))) {
				assertThatThrownBy(() -> quick.execute(batch, () -> ran.getAndSet(true)))
					.isInstanceOf(OrderLockTimeoutException.class);
				assertThat(ran).isFalse();
				assertThat(batch).as("only the held order is locked, by the other instance")
					.allMatch((order) -> isLocked(order) == order.equals(held));
			}
		}
		assertThat(batch).noneMatch(this::isLocked);
	}

	@Test
	void heldBatchExcludesASingleOrderLockOfEachOfItsOrders() throws Exception {
		List<String> batch = onePerNode();
		try (HeldLock cancelling = HeldLock.hold((body) -> this.templateA.execute(batch, () -> {
			body.run();
			return null;
		}))) {
			assertThat(batch).allMatch(this::isLocked);
			for (String order : batch) {
				AtomicBoolean ran = new AtomicBoolean();
				assertThatThrownBy(() -> this.templateB.execute(order, Duration.ofMillis(200), null,
						() -> ran.getAndSet(true)))
					.isInstanceOf(OrderLockTimeoutException.class);
				assertThat(ran).isFalse();
			}
		}
		assertThat(batch).noneMatch(this::isLocked);
		assertThat(this.templateB.execute(batch, () -> "after")).isEqualTo("after");
	}

	@Test
	void fencedLocksOnEveryPrimaryHandOutGrowingTokensAndExcludePlainLocks() throws Exception {
		for (String order : onePerNode()) {
			long first = this.templateA.executeFenced(order, (token) -> token);
			long second = this.templateB.executeFenced(order, (token) -> token);
			long third = this.templateA.executeFenced(order, (token) -> token);
			assertThat(second).as("order " + order).isGreaterThan(first);
			assertThat(third).as("order " + order).isGreaterThan(second);
			try (HeldLock held = HeldLock.hold((body) -> this.templateA.executeFenced(order, (token) -> {
				body.run();
				return null;
			}))) {
				assertThatThrownBy(() -> this.templateB.execute(order, Duration.ofMillis(200), null, () -> "plain"))
					.isInstanceOf(OrderLockTimeoutException.class);
			}
			assertThat(isLocked(order)).isFalse();
		}
	}

	private void race(BiConsumer<OrderLockTemplate, String> call) throws Exception {
		race(call, allOrders());
	}

	/** Both instances call every order {@code ROUNDS} times, all at once; the overlap witness sees what ran together. */
	private void race(BiConsumer<OrderLockTemplate, String> call, List<String> orders) throws Exception {
		this.overlap = new Overlap(Duration.ofMillis(10));
		ExecutorService pool = Executors.newFixedThreadPool(12);
		try {
			CountDownLatch start = new CountDownLatch(1);
			List<CompletableFuture<Void>> calls = new ArrayList<>();
			for (String order : orders) {
				for (OrderLockTemplate template : List.of(this.templateA, this.templateB)) {
					calls.add(CompletableFuture.runAsync(() -> {
						OrderLockTemplateTests.await(start);
						for (int i = 0; i < ROUNDS; i++) {
							call.accept(template, order);
						}
					}, pool));
				}
			}
			start.countDown();
			CompletableFuture.allOf(calls.toArray(CompletableFuture[]::new)).get(60, TimeUnit.SECONDS);
		}
		finally {
			pool.shutdownNow();
		}
	}

	private List<String> onePerNode() {
		return this.ordersByNode.values().stream().map((orders) -> orders.get(0)).toList();
	}

	private List<String> allOrders() {
		return this.ordersByNode.values().stream().flatMap(List::stream).toList();
	}

	private String lockName(String order) {
		return this.prefix + ":" + order;
	}

	private boolean isLocked(String order) {
		return instanceB.getLock(lockName(order)).isLocked();
	}

}
