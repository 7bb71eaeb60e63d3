package dev.orderlock;

import java.time.Duration;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import dev.orderlock.testredis.RedisCommandStats;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.redisson.api.RLock;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A locked call sends Redis exactly what hand-written Redisson {@code tryLock}/{@code unlock} sends, measured in the
 * same run on a Redis of its own: no extra {@code isHeldByCurrentThread()} or any other command.
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

		// commandstats also counts the commands run inside the scripts, so compare everything, not just evalsha.
		assertThat(handWritten).as("baseline: one acquire and one release script per call")
			.containsEntry("evalsha", 2L * CALLS);
		assertThat(ours).isEqualTo(handWritten);
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
