package dev.orderlock.demo.faults;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Scenario 3, holder paused: an instance is frozen ({@code SIGSTOP}, like a stop-the-world pause or a suspended VM)
 * in the middle of a payment for longer than its lease; the other instance takes the lock over and cancels (or pays),
 * and succeeds; then the frozen one resumes, unaware. The fencing token keeps its stale status write out, it answers
 * an error (never 200), and a charge it made is refunded unless the newer payment adopted it.
 */
@Timeout(300)
class HolderPausedFaultIT {

	@RegisterExtension
	static final TwoInstances instances = TwoInstances.perClass("paused");

	@Test
	void pausedBeforeChargingThenCancelledElsewhereResumedPaymentFailsAndRefundsItsCharge() {
		long id = instances.newOrder(4200);
		// The gateway call outlasts the pause: the charge lands after the cancel, when the payment resumes.
		DemoProcess victim = instances.startVictim("paused-before-charge",
				(settings) -> settings.put("demo.payment.latency", "4s"));
		CompletableFuture<Traffic.Call> pay = instances.traffic().pay(victim, id);
		TwoInstances.await("the payment holds order " + id + "'s lock", () -> instances.lockHeld(id),
				Duration.ofSeconds(30));
		// It reads the order within milliseconds of taking the lock; frozen any sooner, it would wake up to a
		// cancelled order and never reach the gateway (also right, but not this scenario).
		FaultSettings.sleep(Duration.ofMillis(500));

		victim.pause();
		long pausedAt = System.nanoTime();
		Traffic.Call cancel = cancelOnSurvivor(id);
		Duration takeover = Duration.ofNanos(cancel.answeredAt() - pausedAt);
		assertThat(pay).as("the frozen payment has not answered").isNotDone();
		victim.resume();
		Traffic.Call resumed = Traffic.await(pay);
		victim.close();

		assertThat(cancel.status()).as(cancel.body()).isEqualTo(200);
		assertThat(resumed.status()).as(resumed.body()).isEqualTo(409);
		assertThat(resumed.code()).isEqualTo("ORDER_NOT_PAYABLE");
		assertThat(instances.ledger(id)).as("charged after the cancel, then given back by the payment itself")
			.containsExactly("CHARGE", "REFUND");
		assertThat(MoneyCheck.outcome(instances.database().jdbc(), id).status()).isEqualTo("CANCELLED");
		FaultReport.line("paused", "before the charge: cancel elsewhere answered 200 " + takeover.toMillis()
				+ " ms after SIGSTOP; the resumed payment answered " + resumed.status() + " " + resumed.code()
				+ "; ledger " + instances.ledger(id));
	}

	@Test
	void pausedAfterChargingThenCancelledElsewhereResumedPaymentFailsAndNothingIsRefundedTwice() {
		long id = instances.newOrder(4200);
		DemoProcess victim = instances.startVictim("paused-after-charge",
				(settings) -> settings.put("demo.payment.confirmation-delay", "4s"));
		CompletableFuture<Traffic.Call> pay = instances.traffic().pay(victim, id);
		TwoInstances.await("the gateway has charged order " + id, () -> !instances.ledger(id).isEmpty(),
				Duration.ofSeconds(30));

		victim.pause();
		long pausedAt = System.nanoTime();
		Traffic.Call cancel = cancelOnSurvivor(id);
		Duration takeover = Duration.ofNanos(cancel.answeredAt() - pausedAt);
		victim.resume();
		Traffic.Call resumed = Traffic.await(pay);
		victim.close();

		assertThat(cancel.status()).as(cancel.body()).isEqualTo(200);
		assertThat(resumed.status()).as(resumed.body()).isEqualTo(409);
		assertThat(instances.ledger(id)).as("the cancel refunded the charge; the resumed payment did not again")
			.containsExactly("CHARGE", "REFUND");
		assertThat(MoneyCheck.outcome(instances.database().jdbc(), id).status()).isEqualTo("CANCELLED");
		FaultReport.line("paused", "after the charge: cancel elsewhere answered 200 " + takeover.toMillis()
				+ " ms after SIGSTOP and refunded; the resumed payment answered " + resumed.status() + " "
				+ resumed.code() + "; ledger " + instances.ledger(id));
	}

	@Test
	void pausedAfterChargingThenPaidElsewhereTheChargeIsAdoptedAndKept() {
		long id = instances.newOrder(4200);
		DemoProcess victim = instances.startVictim("paused-then-paid",
				(settings) -> settings.put("demo.payment.confirmation-delay", "4s"));
		CompletableFuture<Traffic.Call> pay = instances.traffic().pay(victim, id);
		TwoInstances.await("the gateway has charged order " + id, () -> !instances.ledger(id).isEmpty(),
				Duration.ofSeconds(30));

		victim.pause();
		Traffic.Call retry = instances.untilNotBusy(
				() -> Traffic.await(instances.traffic().pay(instances.survivor(), id)), Duration.ofSeconds(60));
		victim.resume();
		Traffic.Call resumed = Traffic.await(pay);
		victim.close();

		assertThat(retry.status()).as(retry.body()).isEqualTo(200);
		assertThat(resumed.status()).as(resumed.body()).isEqualTo(409);
		assertThat(instances.ledger(id)).as("one charge, adopted by the newer payment, kept by the resumed one")
			.containsExactly("CHARGE");
		assertThat(MoneyCheck.outcome(instances.database().jdbc(), id).status()).isEqualTo("PAID");
		FaultReport.line("paused", "after the charge, paid elsewhere: 200 (charge adopted); the resumed payment "
				+ "answered " + resumed.status() + " " + resumed.code() + "; ledger " + instances.ledger(id));
	}

	private static Traffic.Call cancelOnSurvivor(long id) {
		return instances.untilNotBusy(() -> Traffic.await(instances.traffic().cancel(instances.survivor(), id)),
				Duration.ofSeconds(60));
	}

}
