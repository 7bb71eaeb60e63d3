package dev.orderlock.demo.faults;

import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Collectors;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import dev.orderlock.testredis.RedisClusterGroup;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Scenario 6, Redis Cluster: two instances on a three-primary cluster ({@code redis-server} processes, slots split
 * in three), racing pay against cancel on orders whose locks fall on every primary. Several orders in one lock
 * across slots is tested at the starter's level ({@code ClusterLockTests}), since the demo has no such endpoint.
 */
@Timeout(600)
class RedisClusterFaultIT {

	private static final int ORDERS = 600;

	@Test
	void payAndCancelRacedOnOrdersSpreadOverThreePrimariesNeverEndCancelledAndCharged() {
		try (RedisClusterGroup cluster = RedisClusterGroup.start(); FaultDatabase database = FaultDatabase.start()) {
			Map<String, String> settings = FaultSettings.forBursts(FaultSettings.withoutRedis(database));
			settings.put("spring.data.redis.cluster.nodes", cluster.nodes());
			try (DemoProcess first = DemoProcess.start("cluster-1", settings);
					DemoProcess second = DemoProcess.start("cluster-2", settings)) {
				List<Long> ids = MoneyCheck.createOrders(database.jdbc(), ORDERS, 1500);
				Set<Integer> primaries = ids.stream()
					.map((id) -> cluster.portOfSlot(cluster.slotOf(TwoInstances.KEY_PREFIX + ":" + id)))
					.collect(Collectors.toSet());
				assertThat(primaries).as("the orders' locks live on every primary").hasSize(3);

				Traffic traffic = new Traffic(160);
				long start = System.nanoTime();
				traffic.race(ids, first, second);
				FaultReport.line("cluster", ORDERS + " orders over " + primaries.size() + " primaries, "
						+ (2 * ORDERS) + " requests in " + Duration.ofNanos(System.nanoTime() - start).toMillis()
						+ " ms; answers " + traffic.tally() + "; statuses " + MoneyCheck.statuses(database.jdbc())
						+ "; answer violations " + traffic.violations().size() + "; money violations "
						+ MoneyCheck.violations(database.jdbc()).size());

				assertThat(traffic.violations()).isEmpty();
				assertThat(traffic.contradictions(database.jdbc())).as("answers the database contradicts").isEmpty();
				assertThat(MoneyCheck.violations(database.jdbc())).isEmpty();
				assertThat(traffic.calls().stream().filter(Traffic.Call::ok)).hasSize(ORDERS);
			}
		}
	}

}
