package dev.orderlock.demo.faults;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.stream.Collectors;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import dev.orderlock.testredis.TestRedis;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Scenario 4, Redis outage: Redis is stopped under a steady load of pay/cancel pairs on two instances, then started
 * again (empty, as a Redis without persistence comes back). While it is down every guarded call fails closed with
 * 503 {@code LOCK_UNAVAILABLE} and changes nothing; once it is back both instances answer 200 again without a
 * restart; the money is right throughout.
 */
@Timeout(600)
class RedisOutageFaultIT {

	private static final int WORKERS = 8;

	@Test
	void guardedCallsFailClosedWhileRedisIsDownAndRecoverWithoutARestart() {
		try (TestRedis redis = TestRedis.start(); FaultDatabase database = FaultDatabase.start()) {
			Map<String, String> settings = FaultSettings.base(database, redis.host(), redis.port());
			settings.put("spring.data.redis.timeout", "500ms");
			settings.put("spring.data.redis.connect-timeout", "500ms");
			// Without it each call rides out Redisson's retries (about 5 s) before failing; with it, 1 s.
			settings.put("order-lock.redis-timeout", "1s");
			// A call that cannot get its lock gives up after 1 s instead of 5: more calls land inside the fault.
			settings.put("order-lock.wait-time", "1s");
			try (DemoProcess first = DemoProcess.start("outage-1", settings);
					DemoProcess second = DemoProcess.start("outage-2", settings)) {
				List<Long> ids = MoneyCheck.createOrders(database.jdbc(), 5_000, 999);
				SteadyLoad load = SteadyLoad.start(WORKERS, ids, first, second);
				FaultSettings.sleep(Duration.ofSeconds(3));
				redis.stop();
				long stoppedAt = System.nanoTime();
				FaultSettings.sleep(Duration.ofSeconds(6));
				long restartedAt = System.nanoTime();
				redis.restart();
				TwoInstances.await("both instances answer 200 to a call sent after Redis came back",
						() -> load.firstSuccessAfter(first, restartedAt).isPresent()
								&& load.firstSuccessAfter(second, restartedAt).isPresent(),
						Duration.ofSeconds(60));
				FaultSettings.sleep(Duration.ofSeconds(3));
				load.close();

				Traffic traffic = load.traffic();
				List<Traffic.Call> calls = traffic.calls();
				List<Traffic.Call> duringOutage = calls.stream()
					.filter((call) -> call.sentAt() > stoppedAt && call.answeredAt() < restartedAt)
					.toList();
				long recoveryFirst = load.firstSuccessAfter(first, restartedAt).getAsLong() - restartedAt;
				long recoverySecond = load.firstSuccessAfter(second, restartedAt).getAsLong() - restartedAt;
				FaultReport.line("outage", calls.size() + " requests on " + load.orders() + " orders; answers "
						+ traffic.tally() + "; while Redis was down (6 s): " + Traffic.tally(duringOutage)
						+ ", slowest " + slowest(duringOutage) + " ms; first 200 after Redis came back: "
						+ millis(recoveryFirst) + " ms and " + millis(recoverySecond)
						+ " ms; statuses " + MoneyCheck.statuses(database.jdbc()));

				assertThat(traffic.violations()).isEmpty();
				assertThat(MoneyCheck.violations(database.jdbc())).isEmpty();
				assertThat(duringOutage).as("calls made while Redis was down").isNotEmpty();
				assertThat(duringOutage).as("nothing guarded ran without its lock: only 503 LOCK_UNAVAILABLE")
					.allSatisfy((call) -> {
						assertThat(call.status()).as(call.body()).isEqualTo(503);
						assertThat(call.code()).isEqualTo("LOCK_UNAVAILABLE");
					});
				assertNothingChangedForOrdersOnlyAnswered503(traffic, database);
			}
		}
	}

	/** An order whose every call answered 503 is still unpaid, with no money moved. */
	private static void assertNothingChangedForOrdersOnlyAnswered503(Traffic traffic, FaultDatabase database) {
		Map<Long, List<Traffic.Call>> byOrder = traffic.calls()
			.stream()
			.collect(Collectors.groupingBy(Traffic.Call::orderId));
		List<Long> only503 = byOrder.entrySet()
			.stream()
			.filter((entry) -> entry.getValue().stream().allMatch((call) -> call.status() == 503))
			.map(Map.Entry::getKey)
			.toList();
		assertThat(only503).isNotEmpty();
		for (long id : only503) {
			MoneyCheck.Outcome outcome = MoneyCheck.outcome(database.jdbc(), id);
			assertThat(outcome.status()).as("order " + id).isEqualTo("PENDING_PAYMENT");
			assertThat(outcome.heldCents()).as("order " + id).isZero();
		}
	}

	private static long slowest(List<Traffic.Call> calls) {
		return calls.stream().mapToLong((call) -> millis(call.answeredAt() - call.sentAt())).max().orElse(0);
	}

	private static long millis(long nanos) {
		return Duration.ofNanos(nanos).toMillis();
	}

}
