package dev.orderlock.demo.faults;

import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import dev.orderlock.testredis.TestRedis;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Scenario 1, race at scale: thousands of orders, each paid on one instance and cancelled on the other at the same
 * moment, two demo processes on one Redis and one database. With the lock, every order ends either paid (one net
 * charge) or cancelled (nothing held), and no order's pay and cancel both succeed. The same race with the lock
 * switched off is the control: it must break that rule, or this test could not tell.
 */
@Timeout(900)
class RaceAtScaleFaultIT {

	private static final int ORDERS = Integer.getInteger("faults.race.orders", 2000);

	@Test
	void thousandsOfPayCancelPairsOnTwoInstancesNeverEndCancelledAndCharged() {
		RaceResult result = race("race-locked", !"off".equals(System.getProperty("faults.lock")));

		assertThat(result.traffic().violations()).as("answers").isEmpty();
		assertThat(result.moneyViolations()).as("money").isEmpty();
		assertThat(result.traffic().calls()).hasSize(2 * ORDERS);
		// Every pair has one winner: the other answered 409 (state already changed, or busy), never 5xx.
		assertThat(result.traffic().calls().stream().filter(Traffic.Call::ok)).hasSize(ORDERS);
	}

	@Test
	void withoutTheLockTheSameRaceBreaksTheRule() {
		RaceResult result = race("race-unlocked", false);

		assertThat(result.traffic().violations()).as("the control must show the bug the lock prevents").isNotEmpty();
	}

	private static RaceResult race(String name, boolean lockEnabled) {
		return race(name, lockEnabled, ORDERS, List.of());
	}

	/** The race of {@code orders} pay/cancel pairs on two instances started with the given JVM options. */
	static RaceResult race(String name, boolean lockEnabled, int orders, List<String> jvmOptions) {
		try (TestRedis redis = TestRedis.start(); FaultDatabase database = FaultDatabase.start()) {
			Map<String, String> settings = FaultSettings
				.forBursts(FaultSettings.base(database, redis.host(), redis.port()));
			settings.put("order-lock.enabled", String.valueOf(lockEnabled));
			try (DemoProcess first = DemoProcess.start(name + "-1", settings, jvmOptions);
					DemoProcess second = DemoProcess.start(name + "-2", settings, jvmOptions)) {
				List<Long> ids = MoneyCheck.createOrders(database.jdbc(), orders, 1999);
				Traffic traffic = new Traffic(160);
				long start = System.nanoTime();
				traffic.race(ids, first, second);
				Duration took = Duration.ofNanos(System.nanoTime() - start);
				RaceResult result = new RaceResult(traffic, MoneyCheck.violations(database.jdbc()));
				FaultReport.line("race", name + ", lock " + (lockEnabled ? "on" : "off") + ": " + orders + " orders, "
						+ (2 * orders) + " requests in " + took.toMillis() + " ms; answers " + traffic.tally()
						+ "; statuses " + MoneyCheck.statuses(database.jdbc()) + "; answer violations "
						+ traffic.violations().size() + "; money violations " + result.moneyViolations().size()
						+ FaultReport.sample(traffic.violations(), result.moneyViolations()));
				return result.withLogs(first.log(), second.log());
			}
		}
	}

	/** What a race left: the answers, the money check, and the instances' logs. */
	record RaceResult(Traffic traffic, List<String> moneyViolations, List<Path> logs) {

		RaceResult(Traffic traffic, List<String> moneyViolations) {
			this(traffic, moneyViolations, List.of());
		}

		RaceResult withLogs(Path... logs) {
			return new RaceResult(this.traffic, this.moneyViolations, List.of(logs));
		}

	}

}
