package dev.orderlock;

import java.time.Duration;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import dev.orderlock.testredis.RedisCommandStats;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.redisson.Redisson;
import org.redisson.api.RFencedLock;
import org.redisson.api.RLock;
import org.redisson.command.CommandAsyncExecutor;

import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.jdbc.datasource.embedded.EmbeddedDatabaseBuilder;
import org.springframework.jdbc.datasource.embedded.EmbeddedDatabaseType;
import org.springframework.transaction.support.TransactionTemplate;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A locked call sends Redis exactly what hand-written Redisson {@code tryLock}/{@code unlock} sends, measured in the
 * same run on a Redis of its own: no extra {@code isHeldByCurrentThread()} or any other command. A fenced call sends
 * what {@link ClockFencedLock} used by hand sends: Redisson's two scripts, with {@code TIME}, {@code GET} and
 * {@code SET} in place of {@code INCR} inside the acquire; a call bound to a running transaction adds exactly one
 * ownership check ({@code HEXISTS}) before the commit.
 */
@Timeout(60)
class RoundTripTests {

	private static final int CALLS = 50;

	private static OwnRedis own;

	@BeforeAll
	static void start() {
		own = OwnRedis.start();
	}

	@AfterAll
	static void stop() {
		own.close();
	}

	@Test
	void lockedCallSendsTheSameCommandsAsHandWrittenRedisson() throws Exception {
		RedisCommandStats stats = new RedisCommandStats(own.redis());
		String prefix = TestClients.uniquePrefix();
		// Warm up: the first call also loads Redisson's scripts (SCRIPT LOAD), which neither side pays again.
		RLock warmUp = own.client().getLock(prefix + ":warm-up");
		warmUp.lock();
		warmUp.unlock();
		settledCalls(stats);

		stats.reset();
		for (int i = 0; i < CALLS; i++) {
			RLock lock = own.client().getLock(prefix + ":raw-" + i);
			assertThat(lock.tryLock(5000, -1, TimeUnit.MILLISECONDS)).isTrue();
			lock.unlock();
		}
		Map<String, Long> handWritten = settledCalls(stats);

		OrderLockTemplate template = new OrderLockTemplate(own.client(), prefix, Duration.ofSeconds(5));
		stats.reset();
		for (int i = 0; i < CALLS; i++) {
			template.run("ours-" + i, () -> {
			});
		}
		Map<String, Long> ours = settledCalls(stats);

		OrderLockTemplate bounded = new OrderLockTemplate(own.client(), prefix, Duration.ofSeconds(5));
		bounded.setRedisTimeout(Duration.ofSeconds(2));
		stats.reset();
		for (int i = 0; i < CALLS; i++) {
			bounded.run("bounded-" + i, () -> {
			});
		}
		Map<String, Long> withRedisTimeout = settledCalls(stats);
		assertThat(withRedisTimeout).as("with order-lock.redis-timeout").isEqualTo(handWritten);

		OrderLockTemplate capped = new OrderLockTemplate(own.client(), prefix, Duration.ofSeconds(5));
		capped.setMaxHoldTime(Duration.ofSeconds(30));
		stats.reset();
		for (int i = 0; i < CALLS; i++) {
			capped.run("capped-" + i, () -> {
			});
		}
		assertThat(settledCalls(stats)).as("with order-lock.max-hold-time").isEqualTo(handWritten);

		OrderLockTemplate handingOff = new OrderLockTemplate(own.client(), prefix, Duration.ofSeconds(5));
		handingOff.setLocalHandOff(true);
		stats.reset();
		for (int i = 0; i < CALLS; i++) {
			handingOff.run("handing-off-" + i, () -> {
			});
		}
		assertThat(settledCalls(stats)).as("with order-lock.local-hand-off (its queue is local)")
			.isEqualTo(handWritten);

		// commandstats also counts the commands run inside the scripts, so compare everything, not just evalsha.
		assertThat(handWritten).as("baseline: one acquire and one release script per call")
			.containsEntry("evalsha", 2L * CALLS);
		assertThat(ours).isEqualTo(handWritten);
	}

	@Test
	void fencedCallSendsTheSameCommandsAsHandWrittenFencedLock() throws Exception {
		RedisCommandStats stats = new RedisCommandStats(own.redis());
		String prefix = TestClients.uniquePrefix();
		CommandAsyncExecutor executor = ((Redisson) own.client()).getCommandExecutor();
		RFencedLock warmUp = own.client().getFencedLock(prefix + ":warm-up");
		warmUp.lockAndGetToken();
		warmUp.unlock();
		RFencedLock warmUpClock = new ClockFencedLock(executor, prefix + ":warm-up-clock");
		warmUpClock.lockAndGetToken();
		warmUpClock.unlock();
		settledCalls(stats);

		stats.reset();
		for (int i = 0; i < CALLS; i++) {
			RFencedLock lock = own.client().getFencedLock(prefix + ":raw-" + i);
			assertThat(lock.tryLockAndGetToken(5000, -1, TimeUnit.MILLISECONDS)).isNotNull();
			lock.unlock();
		}
		Map<String, Long> redissons = settledCalls(stats);

		stats.reset();
		for (int i = 0; i < CALLS; i++) {
			RFencedLock lock = new ClockFencedLock(executor, prefix + ":clock-" + i);
			assertThat(lock.tryLockAndGetToken(5000, -1, TimeUnit.MILLISECONDS)).isNotNull();
			lock.unlock();
		}
		Map<String, Long> handWritten = settledCalls(stats);

		OrderLockTemplate template = new OrderLockTemplate(own.client(), prefix, Duration.ofSeconds(5));
		stats.reset();
		for (int i = 0; i < CALLS; i++) {
			template.executeFenced("ours-" + i, (token) -> token);
		}
		Map<String, Long> ours = settledCalls(stats);

		System.out.println("Fenced, per " + CALLS + " calls: Redisson's RFencedLock " + redissons
				+ ", ClockFencedLock by hand " + handWritten + ", order-lock " + ours);
		assertThat(redissons).as("baseline: one acquire and one release script per call")
			.containsEntry("evalsha", 2L * CALLS);
		assertThat(ours).isEqualTo(handWritten);
		// The same two scripts per call; inside the acquire, the clock, the kept token and its expiry replace INCR.
		Map<String, Long> expected = new HashMap<>(redissons);
		expected.remove("incr");
		expected.put("time", (long) CALLS);
		expected.put("get", redissons.getOrDefault("get", 0L) + CALLS);
		expected.put("set", redissons.getOrDefault("set", 0L) + CALLS);
		assertThat(ours).as("Redisson's commands, INCR replaced by TIME, GET and SET").isEqualTo(expected);
	}

	@Test
	void callWithATransactionAddsOneOwnershipCheckBeforeTheCommit() throws Exception {
		RedisCommandStats stats = new RedisCommandStats(own.redis());
		String prefix = TestClients.uniquePrefix();
		OrderLockTemplate template = new OrderLockTemplate(own.client(), prefix, Duration.ofSeconds(5));
		template.run("warm-up", () -> {
		});
		DataSourceTransactionManager transactionManager = new DataSourceTransactionManager(
				new EmbeddedDatabaseBuilder().setType(EmbeddedDatabaseType.H2).generateUniqueName(true).build());
		transactionManager.addListener(new OrderLockTransactionListener());
		TransactionTemplate transaction = new TransactionTemplate(transactionManager);
		settledCalls(stats);

		stats.reset();
		for (int i = 0; i < CALLS; i++) {
			String key = "plain-" + i;
			template.run(key, () -> {
			});
		}
		Map<String, Long> withoutTransaction = settledCalls(stats);

		stats.reset();
		for (int i = 0; i < CALLS; i++) {
			String key = "bound-" + i;
			transaction.executeWithoutResult((status) -> template.run(key, () -> {
			}));
		}
		Map<String, Long> bound = settledCalls(stats);

		stats.reset();
		for (int i = 0; i < CALLS; i++) {
			template.run("own-" + i, () -> transaction.executeWithoutResult((status) -> {
			}));
		}
		Map<String, Long> ownTransaction = settledCalls(stats);

		TransactionTemplate readOnly = new TransactionTemplate(transactionManager);
		readOnly.setReadOnly(true);
		stats.reset();
		for (int i = 0; i < CALLS; i++) {
			String key = "read-only-" + i;
			readOnly.executeWithoutResult((status) -> template.run(key, () -> {
			}));
		}
		assertThat(settledCalls(stats)).as("bound to a read-only transaction: no check").isEqualTo(withoutTransaction);

		System.out.println("Per " + CALLS + " calls: without a transaction " + withoutTransaction
				+ ", bound to a running transaction " + bound + ", around a transaction begun under it "
				+ ownTransaction);
		Map<String, Long> expected = new HashMap<>(withoutTransaction);
		expected.put("hexists", withoutTransaction.getOrDefault("hexists", 0L) + CALLS);
		assertThat(bound).isEqualTo(expected);
		assertThat(ownTransaction).isEqualTo(expected);
	}

	@Test
	void eachKindAndSeveralOrdersSendWhatHandWrittenRedissonOfThatKindSends() throws Exception {
		RedisCommandStats stats = new RedisCommandStats(own.redis());
		String prefix = TestClients.uniquePrefix();
		OrderLockTemplate template = new OrderLockTemplate(own.client(), prefix, Duration.ofSeconds(5));
		for (LockKind kind : LockKind.values()) {
			template.execute(kind, List.of("warm-up-a", "warm-up-b"), () -> null);
			RLock warmUp = handWritten(kind, prefix + ":warm-up");
			warmUp.lock();
			warmUp.unlock();
		}
		settledCalls(stats);
		Map<String, Map<String, Long>> measured = new LinkedHashMap<>();
		for (LockKind kind : LockKind.values()) {
			stats.reset();
			for (int i = 0; i < CALLS; i++) {
				RLock lock = handWritten(kind, prefix + ":raw-" + kind + "-" + i);
				assertThat(lock.tryLock(5000, -1, TimeUnit.MILLISECONDS)).isTrue();
				lock.unlock();
			}
			Map<String, Long> handWritten = settledCalls(stats);
			stats.reset();
			for (int i = 0; i < CALLS; i++) {
				template.execute(kind, "ours-" + kind + "-" + i, () -> null);
			}
			Map<String, Long> ours = settledCalls(stats);
			assertThat(ours).as(kind.toString()).isEqualTo(handWritten);
			assertThat(ours).as(kind + ": one acquire and one release script per call")
				.containsEntry("evalsha", 2L * CALLS);
			measured.put(kind.toString(), ours);

			stats.reset();
			for (int i = 0; i < CALLS; i++) {
				RLock lock = own.client()
					.getMultiLock(handWritten(kind, prefix + ":raw-multi-" + kind + "-" + i + "-1"),
							handWritten(kind, prefix + ":raw-multi-" + kind + "-" + i + "-2"),
							handWritten(kind, prefix + ":raw-multi-" + kind + "-" + i + "-3"));
				assertThat(lock.tryLock(5000, -1, TimeUnit.MILLISECONDS)).isTrue();
				lock.unlock();
			}
			Map<String, Long> handWrittenMulti = settledCalls(stats);
			stats.reset();
			for (int i = 0; i < CALLS; i++) {
				String order = "ours-multi-" + kind + "-" + i;
				template.execute(kind, List.of(order + "-3", order + "-1", order + "-2"), () -> null);
			}
			Map<String, Long> oursMulti = settledCalls(stats);
			assertThat(oursMulti).as("three orders, " + kind).isEqualTo(handWrittenMulti);
			assertThat(oursMulti).as("three orders, " + kind + ": one acquire and one release script per order")
				.containsEntry("evalsha", 6L * CALLS);
			measured.put("three orders, " + kind, oursMulti);
		}
		measured.forEach((path, calls) -> System.out.println("Per " + CALLS + " calls, " + path + ": " + calls));
	}

	private static RLock handWritten(LockKind kind, String name) {
		return switch (kind) {
			case EXCLUSIVE -> own.client().getLock(name);
			case FAIR -> own.client().getFairLock(name);
			case READ -> own.client().getReadWriteLock(name).readLock();
			case WRITE -> own.client().getReadWriteLock(name).writeLock();
		};
	}

	/** Waits until asynchronous commands (Redisson's unlock-latch DEL) have arrived, then drops housekeeping. */
	private static Map<String, Long> settledCalls(RedisCommandStats stats) throws InterruptedException {
		Map<String, Long> previous = null;
		Map<String, Long> current = lockCommands(stats);
		while (!current.equals(previous)) {
			Thread.sleep(200);
			previous = current;
			current = lockCommands(stats);
		}
		return current;
	}

	/** Everything but our own counting and connection housekeeping. */
	private static Map<String, Long> lockCommands(RedisCommandStats stats) {
		Map<String, Long> calls = stats.calls();
		calls.keySet().removeAll(Set.of("ping", "info", "config|resetstat", "config", "client|setinfo",
				"client|setname", "client", "hello", "select"));
		return calls;
	}

}
