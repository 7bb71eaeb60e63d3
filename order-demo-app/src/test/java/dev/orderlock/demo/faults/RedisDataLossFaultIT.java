package dev.orderlock.demo.faults;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import dev.orderlock.testredis.TestRedis;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Scenario 9, Redis back empty: orders carry a fencing token from before Redis lost its data ({@code FLUSHALL}, or a
 * restart without persistence), as an order does whose earlier fenced write stored it. Afterwards every one of them
 * must still be writable (a token that went back to 1 would make each fenced write refuse, leaving the order stuck
 * unpaid), and still exclusive: pay and cancel raced across two instances, one of them wins, the money is right, and
 * no lock key, nor a token key without expiry, is left in Redis once the load stops.
 */
@Timeout(600)
class RedisDataLossFaultIT {

	private static final int ORDERS = 300;

	enum Loss {

		FLUSHALL, RESTART

	}

	@ParameterizedTest
	@EnumSource(Loss.class)
	void ordersWrittenBeforeRedisLostItsDataStayWritableAndExclusive(Loss loss) {
		try (TestRedis redis = TestRedis.start(); FaultDatabase database = FaultDatabase.start()) {
			Map<String, String> settings = FaultSettings
				.forBursts(FaultSettings.base(database, redis.host(), redis.port()));
			try (DemoProcess first = DemoProcess.start("loss-1", settings);
					DemoProcess second = DemoProcess.start("loss-2", settings)) {
				// A real token from before the loss: the one the first instance's payment stored with its write.
				long paidBefore = MoneyCheck.createOrders(database.jdbc(), 1, 500).get(0);
				Traffic warmUp = new Traffic(1);
				assertThat(Traffic.await(warmUp.pay(first, paidBefore)).status()).isEqualTo(200);
				long tokenBefore = fence(database, paidBefore);
				List<Long> ids = MoneyCheck.createOrders(database.jdbc(), ORDERS, 700);
				for (long id : ids) {
					database.jdbc().sql("update orders set fence = ? where id = ?").params(tokenBefore, id).update();
				}

				lose(loss, redis);
				awaitLocking(database, first, second);

				Traffic traffic = new Traffic(64);
				long start = System.nanoTime();
				traffic.race(ids, first, second);
				Duration raced = Duration.ofNanos(System.nanoTime() - start);
				List<Long> stuck = new ArrayList<>();
				long lowestAfter = Long.MAX_VALUE;
				for (long id : ids) {
					if (MoneyCheck.outcome(database.jdbc(), id).status().equals("PENDING_PAYMENT")) {
						stuck.add(id);
					}
					else {
						lowestAfter = Math.min(lowestAfter, fence(database, id));
					}
				}
				List<String> leftInRedis;
				try (RedisObserver observer = RedisObserver.of(redis)) {
					leftInRedis = observer.keysLeft();
				}
				FaultReport.line("data-loss " + loss, ORDERS + " orders carrying token " + tokenBefore + " raced "
						+ "after " + loss + " in " + raced.toMillis() + " ms; answers " + traffic.tally()
						+ "; orders left unwritable " + stuck.size() + "; lowest token written after the loss "
						+ lowestAfter + "; statuses " + MoneyCheck.statuses(database.jdbc())
						+ "; keys left in Redis without expiry or still locked " + leftInRedis);

				assertThat(traffic.violations()).as("answers").isEmpty();
				assertThat(traffic.contradictions(database.jdbc())).as("answers the database contradicts").isEmpty();
				assertThat(MoneyCheck.violations(database.jdbc())).as("money").isEmpty();
				assertThat(stuck).as("orders whose fenced write was refused after the loss").isEmpty();
				assertThat(traffic.calls().stream().filter(Traffic.Call::ok)).as("one winner per order")
					.hasSize(ORDERS);
				assertThat(tokenBefore).as("the token stored before the loss").isPositive();
				assertThat(lowestAfter).as("every token after the loss is above the one before")
					.isGreaterThan(tokenBefore);
				assertThat(leftInRedis).as("lock keys, and keys that never expire").isEmpty();
			}
		}
	}

	private static void lose(Loss loss, TestRedis redis) {
		if (loss == Loss.RESTART) {
			redis.stop();
			redis.restart();
			return;
		}
		try (RedisObserver observer = RedisObserver.of(redis)) {
			observer.flushAll();
			assertThat(observer.keyCount()).isZero();
		}
	}

	/** Until each instance pays a fresh order again (its connection to Redis came back after a restart). */
	private static void awaitLocking(FaultDatabase database, DemoProcess... instances) {
		Traffic probe = new Traffic(1);
		for (DemoProcess instance : instances) {
			TwoInstances.await(instance.name() + " locks again after the loss", () -> {
				long id = MoneyCheck.createOrders(database.jdbc(), 1, 100).get(0);
				return Traffic.await(probe.pay(instance, id)).status() == 200;
			}, Duration.ofSeconds(60));
		}
	}

	private static long fence(FaultDatabase database, long orderId) {
		return database.jdbc().sql("select fence from orders where id = ?").param(orderId).query(Long.class).single();
	}

}
