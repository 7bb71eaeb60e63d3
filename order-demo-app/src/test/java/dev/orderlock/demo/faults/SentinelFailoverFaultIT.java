package dev.orderlock.demo.faults;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import dev.orderlock.testredis.RedisSentinelGroup;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Scenario 5, Redis failover: two instances locking through Redis Sentinel (a primary, a replica and three
 * sentinels, all real {@code redis-server} processes), the primary {@code kill -9}ed under load. Calls during the
 * failover fail closed (503), both instances lock again on the promoted replica without a restart, and the money is
 * right. What Redisson's {@code checkLockSyncedSlaves} buys and the risk left: docs/reliability.md §5.
 */
@Timeout(600)
class SentinelFailoverFaultIT {

	private static final int WORKERS = 8;

	@Test
	void primaryKilledUnderLoadFailsCallsClosedAndLockingResumesOnThePromotedReplica() {
		try (RedisSentinelGroup sentinel = RedisSentinelGroup.start(); FaultDatabase database = FaultDatabase.start()) {
			Map<String, String> settings = FaultSettings.withoutRedis(database);
			settings.put("spring.data.redis.sentinel.master", sentinel.masterName());
			settings.put("spring.data.redis.sentinel.nodes", sentinel.sentinelNodes());
			settings.put("order-lock.redis-timeout", "1s");
			// A call that cannot get its lock gives up after 1 s instead of 5: more calls land inside the fault.
			settings.put("order-lock.wait-time", "1s");
			try (DemoProcess first = DemoProcess.start("sentinel-1", settings);
					DemoProcess second = DemoProcess.start("sentinel-2", settings)) {
				List<Long> ids = MoneyCheck.createOrders(database.jdbc(), 5_000, 1234);
				SteadyLoad load = SteadyLoad.start(WORKERS, ids, first, second);
				FaultSettings.sleep(Duration.ofSeconds(3));
				int oldPrimary = sentinel.primaryPort();
				long killedAt = System.nanoTime();
				sentinel.killPrimary();
				int newPrimary = sentinel.awaitFailover(Duration.ofSeconds(60));
				long promotedAt = System.nanoTime();
				TwoInstances.await("both instances answer 200 to a call sent after the promotion",
						() -> load.firstSuccessAfter(first, promotedAt).isPresent()
								&& load.firstSuccessAfter(second, promotedAt).isPresent(),
						Duration.ofSeconds(90));
				FaultSettings.sleep(Duration.ofSeconds(3));
				load.close();

				Traffic traffic = load.traffic();
				long resumedFirst = load.firstSuccessAfter(first, promotedAt).getAsLong() - killedAt;
				long resumedSecond = load.firstSuccessAfter(second, promotedAt).getAsLong() - killedAt;
				FaultReport.line("sentinel", traffic.calls().size() + " requests on " + load.orders()
						+ " orders; primary " + oldPrimary + " killed, sentinels promoted " + newPrimary + " after "
						+ Duration.ofNanos(promotedAt - killedAt).toMillis() + " ms; first 200 after the kill: "
						+ Duration.ofNanos(resumedFirst).toMillis() + " ms and "
						+ Duration.ofNanos(resumedSecond).toMillis() + " ms; answers " + traffic.tally()
						+ "; statuses " + MoneyCheck.statuses(database.jdbc()));

				assertThat(newPrimary).isNotEqualTo(oldPrimary);
				assertThat(traffic.violations()).isEmpty();
				assertThat(traffic.contradictions(database.jdbc())).as("answers the database contradicts").isEmpty();
				assertThat(MoneyCheck.violations(database.jdbc())).isEmpty();
			}
		}
	}

}
