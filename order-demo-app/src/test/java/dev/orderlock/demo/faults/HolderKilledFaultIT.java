package dev.orderlock.demo.faults;

import java.time.Duration;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Scenario 2, holder killed: an instance is {@code kill -9}ed while it holds an order's lock in the middle of a
 * payment. Its lock outlives it only until the watchdog lease lapses (it renews nothing once dead); then the other
 * instance gets the lock, and the customer's cancel succeeds and gives back whatever the dead payment had charged
 * (read from the gateway's record, the ledger), or a retried payment adopts that charge instead of charging twice.
 * Nothing in the database waits for the dead instance: no transaction or row lock spans the gateway call.
 */
@Timeout(300)
class HolderKilledFaultIT {

	@RegisterExtension
	static final TwoInstances instances = TwoInstances.perClass("killed");

	@Test
	void killedAfterTheGatewayChargedThenCancelElsewhereSucceedsAndRefunds() {
		long id = instances.newOrder(2500);
		DemoProcess victim = instances.startVictim("killed-after-charge",
				(settings) -> settings.put("demo.payment.confirmation-delay", "120s"));
		TwoInstances.Killed killed = instances.killAfterTheCharge(victim, id);
		Traffic.Call cancel = cancelOnSurvivor(id);

		Duration takeover = killed.until(cancel);
		assertThat(cancel.status()).as(cancel.body()).isEqualTo(200);
		assertThat(Traffic.await(killed.payment()).status()).as("the killed instance never answered")
			.isEqualTo(Traffic.NO_ANSWER);
		assertThat(instances.ledger(id)).containsExactly("CHARGE", "REFUND");
		assertThat(MoneyCheck.outcome(instances.database().jdbc(), id).status()).isEqualTo("CANCELLED");
		assertTakeoverWaitedForTheLease(takeover);
		FaultReport.line("killed", "after the charge: cancel on the other instance answered 200 "
				+ takeover.toMillis() + " ms after kill -9 (watchdog " + FaultSettings.WATCHDOG.toMillis()
				+ " ms); ledger " + instances.ledger(id));
	}

	@Test
	void killedBeforeTheGatewayChargedThenCancelElsewhereSucceeds() {
		long id = instances.newOrder(2500);
		DemoProcess victim = instances.startVictim("killed-before-charge",
				(settings) -> settings.put("demo.payment.latency", "120s"));
		TwoInstances.Killed killed = instances.killHoldingTheLock(victim, id);
		Traffic.Call cancel = cancelOnSurvivor(id);

		Duration takeover = killed.until(cancel);
		assertThat(cancel.status()).as(cancel.body()).isEqualTo(200);
		assertThat(Traffic.await(killed.payment()).status()).isEqualTo(Traffic.NO_ANSWER);
		assertThat(instances.ledger(id)).as("the gateway never charged").isEmpty();
		assertTakeoverWaitedForTheLease(takeover);
		FaultReport.line("killed", "before the charge: cancel on the other instance answered 200 "
				+ takeover.toMillis() + " ms after kill -9; ledger " + instances.ledger(id));
	}

	@Test
	void killedAfterTheGatewayChargedThenPaymentElsewhereAdoptsTheCharge() {
		long id = instances.newOrder(2500);
		DemoProcess victim = instances.startVictim("killed-then-paid",
				(settings) -> settings.put("demo.payment.confirmation-delay", "120s"));
		TwoInstances.Killed killed = instances.killAfterTheCharge(victim, id);
		Traffic.Call retry = instances.untilNotBusy(
				() -> Traffic.await(instances.traffic().pay(instances.survivor(), id)), Duration.ofSeconds(60));

		assertThat(retry.status()).as(retry.body()).isEqualTo(200);
		assertThat(Traffic.await(killed.payment()).status()).isEqualTo(Traffic.NO_ANSWER);
		assertTakeoverWaitedForTheLease(killed.until(retry));
		assertThat(instances.ledger(id)).as("charged once, by the dead payment").containsExactly("CHARGE");
		assertThat(MoneyCheck.outcome(instances.database().jdbc(), id).status()).isEqualTo("PAID");
		FaultReport.line("killed", "after the charge, payment retried on the other instance: 200 "
				+ killed.until(retry).toMillis() + " ms after kill -9; ledger "
				+ instances.ledger(id));
	}

	private static Traffic.Call cancelOnSurvivor(long id) {
		return instances.untilNotBusy(() -> Traffic.await(instances.traffic().cancel(instances.survivor(), id)),
				Duration.ofSeconds(60));
	}

	static void assertTakeoverWaitedForTheLease(Duration takeover) {
		// The dead holder's lock lapses between 2/3 of the lease (just renewed) and the whole lease after the kill:
		// a takeover much sooner would mean the lock did not hold, much later that it never lapsed.
		assertThat(takeover).isGreaterThan(FaultSettings.WATCHDOG.dividedBy(2))
			.isLessThan(FaultSettings.WATCHDOG.plusSeconds(10));
	}

}
