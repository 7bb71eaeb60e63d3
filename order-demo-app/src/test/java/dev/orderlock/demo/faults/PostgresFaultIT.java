package dev.orderlock.demo.faults;

import java.time.Duration;
import java.util.List;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Scenarios 1 and 2 on PostgreSQL instead of H2: the production-like database, where a dead instance's connection
 * and any row lock it held are PostgreSQL's to clean up. Uses a throw-away schema in the server at
 * {@code ORDER_DEMO_POSTGRES_URL} (default the local one) and is skipped, saying so, where none answers.
 */
@Timeout(600)
class PostgresFaultIT {

	private static final int ORDERS = 1000;

	@Test
	void racedPairsAndAKilledHolderKeepTheMoneyRightOnPostgres() {
		FaultDatabase database = FaultDatabase.postgres();
		try (TwoInstances instances = TwoInstances.start("postgres", database)) {
			List<Long> ids = MoneyCheck.createOrders(database.jdbc(), ORDERS, 1999);
			long start = System.nanoTime();
			try (DemoProcess other = instances.startVictim("postgres-racer", (settings) -> {
			})) {
				instances.traffic().race(ids, instances.survivor(), other);
			}
			Duration raced = Duration.ofNanos(System.nanoTime() - start);
			assertThat(instances.traffic().violations()).isEmpty();
			assertThat(instances.traffic().contradictions(database.jdbc())).isEmpty();
			assertThat(MoneyCheck.violations(database.jdbc())).isEmpty();
			assertThat(instances.traffic().calls().stream().filter(Traffic.Call::ok)).hasSize(ORDERS);

			long id = instances.newOrder(2500);
			DemoProcess victim = instances.startVictim("postgres-killed",
					(settings) -> settings.put("demo.payment.confirmation-delay", "120s"));
			TwoInstances.Killed killed = instances.killAfterTheCharge(victim, id);
			Traffic.Call cancel = instances.untilNotBusy(
					() -> Traffic.await(instances.traffic().cancel(instances.survivor(), id)), Duration.ofSeconds(60));

			assertThat(cancel.status()).as(cancel.body()).isEqualTo(200);
			assertThat(instances.ledger(id)).containsExactly("CHARGE", "REFUND");
			assertThat(MoneyCheck.violations(database.jdbc())).isEmpty();
			HolderKilledFaultIT.assertTakeoverWaitedForTheLease(killed.until(cancel));
			FaultReport.line("postgres", ORDERS + " orders raced in " + raced.toMillis() + " ms: answers "
					+ instances.traffic().tally() + ", statuses " + MoneyCheck.statuses(database.jdbc())
					+ "; holder killed after the charge: cancel answered 200 " + killed.until(cancel).toMillis()
					+ " ms after kill -9, ledger " + instances.ledger(id));
		}
	}

}
