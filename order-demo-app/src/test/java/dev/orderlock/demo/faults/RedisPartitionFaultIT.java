package dev.orderlock.demo.faults;

import java.io.IOException;
import java.nio.file.Files;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;

import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.EnumSource;

import dev.orderlock.testredis.TestRedis;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Scenario 8, partition: one instance is cut off from Redis, not from the database, in the middle of a payment, by a
 * {@link TcpProxy} between it and Redis; the cut drops traffic silently or resets connections. It lasts past the
 * lease, so the other instance takes the order over and cancels it; then the network heals. The cut-off payment
 * comes back from the gateway still believing it holds the lock: its fenced write is refused, it refunds its charge
 * and answers an error (never 200), and the instance serves locked calls again without a restart.
 */
@Timeout(300)
class RedisPartitionFaultIT {

	@RegisterExtension
	static final TwoInstances instances = TwoInstances.perClass("partition");

	/** Past the lease several times over: a blip the watchdog rides out is not this scenario. */
	private static final Duration CUT = FaultSettings.WATCHDOG.multipliedBy(3);

	/** The victim's gateway call spans the cut and ends a little after the heal. */
	private static final Duration GATEWAY = FaultSettings.WATCHDOG.multipliedBy(4);

	/** Orders raced after the heal: pay on the survivor against cancel on the healed victim. */
	private static final int RACED_AFTER_HEAL = 3;

	@ParameterizedTest
	@EnumSource(value = TcpProxy.Mode.class, names = { "DROP", "RESET" })
	void cutOffMidPaymentTheOtherInstanceTakesOverAndTheCutOffPaymentIsRefusedAndRefunded(TcpProxy.Mode cut) {
		TestRedis redis = instances.redis();
		try (TcpProxy proxy = TcpProxy.start(redis.host(), redis.port());
				DemoProcess victim = instances.startVictim("partition-" + cut.name().toLowerCase(), (settings) -> {
					settings.put("spring.data.redis.host", proxy.host());
					settings.put("spring.data.redis.port", String.valueOf(proxy.port()));
					settings.put("demo.payment.latency", GATEWAY.toMillis() + "ms");
				})) {
			List<Long> orders = new ArrayList<>();
			long id = instances.newOrder(4200);
			orders.add(id);
			CompletableFuture<Traffic.Call> pay = instances.traffic().pay(victim, id);
			awaitAtTheGateway(id);

			proxy.cut(cut);
			long cutAt = System.nanoTime();
			Traffic.Call cancel = instances.untilNotBusy(
					() -> Traffic.await(instances.traffic().cancel(instances.survivor(), id)), Duration.ofSeconds(60));
			Duration takeover = Duration.ofNanos(cancel.answeredAt() - cutAt);
			sleepUntil(cutAt + CUT.toNanos());
			assertThat(pay).as("the cut-off payment is still at the gateway when the cut heals").isNotDone();
			proxy.heal();
			long healedAt = System.nanoTime();

			long probe = instances.newOrder(4200);
			orders.add(probe);
			Traffic.Call recovered = firstAnswerNotUnavailable(victim, probe);
			List<Long> raced = MoneyCheck.createOrders(instances.database().jdbc(), RACED_AFTER_HEAL, 4200);
			orders.addAll(raced);
			raceAfterTheHeal(raced, victim);
			Traffic.Call cutOff = Traffic.await(pay);
			int refused = refusedWrites(victim);

			assertThat(cancel.status()).as("the survivor's cancel: " + cancel.body()).isEqualTo(200);
			assertThat(cutOff.status()).as("the cut-off payment's answer: " + cutOff.body()).isIn(409, 503);
			assertThat(MoneyCheck.outcome(instances.database().jdbc(), id)).satisfies((outcome) -> {
				assertThat(outcome.status()).isEqualTo("CANCELLED");
				assertThat(outcome.heldCents()).as("cents held").isZero();
			});
			assertThat(instances.ledger(id)).as("charged while cut off, then given back by the payment itself")
				.containsExactly("CHARGE", "REFUND");
			assertThat(refused).as("fenced writes refused on the victim (its log)").isEqualTo(1);
			// Sooner than half the lease, and the cancel did not wait for the lock: the lock did not hold.
			assertThat(takeover).as("takeover after the cut")
				.isBetween(FaultSettings.WATCHDOG.dividedBy(2), Duration.ofSeconds(12));
			assertThat(recovered.status()).as("the healed victim's cancel: " + recovered.body()).isEqualTo(200);
			for (long order : raced) {
				assertThat(instances.traffic().calls().stream().filter((call) -> call.orderId() == order))
					.as("order " + order + ", raced after the heal: one 200")
					.filteredOn(Traffic.Call::ok)
					.hasSize(1);
			}
			FaultReport.line("partition", cut + ": the survivor's cancel answered 200 " + takeover.toMillis()
					+ " ms after the cut; the cut-off payment answered " + cutOff.status() + " " + cutOff.code()
					+ " after the heal; fenced writes refused " + refused + ", refunds "
					+ instances.ledger(id).stream().filter("REFUND"::equals).count() + ", ledger " + instances.ledger(id)
					+ "; the victim answered 200 again " + Duration.ofNanos(recovered.answeredAt() - healedAt).toMillis()
					+ " ms after the heal, without a restart; answers " + Traffic.tally(instances.traffic()
						.calls()
						.stream()
						.filter((call) -> orders.contains(call.orderId()))
						.toList()));
		}
	}

	/**
	 * Returns once the victim's payment holds the order's lock and has had time to pass the check before the charge
	 * (one round trip through the proxy): cut any sooner, it stops before charging (503, also right, but not this
	 * scenario).
	 */
	private static void awaitAtTheGateway(long id) {
		if (FaultSettings.lockOff()) {
			// No lock, no key to see: the same head start, so that the control fails on the outcome, not here.
			FaultSettings.sleep(Duration.ofSeconds(1));
			return;
		}
		TwoInstances.await("the payment holds order " + id + "'s lock", () -> instances.lockHeld(id),
				Duration.ofSeconds(30));
		FaultSettings.sleep(Duration.ofMillis(500));
	}

	/**
	 * Cancels the order on the healed victim until it answers anything but 503: until its Redis client has
	 * reconnected through the proxy. A 503 changed nothing, so the same order serves every try.
	 */
	private static Traffic.Call firstAnswerNotUnavailable(DemoProcess victim, long orderId) {
		long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
		while (true) {
			Traffic.Call call = Traffic.await(instances.traffic().cancel(victim, orderId));
			if (call.status() != 503 || System.nanoTime() > deadline) {
				return call;
			}
			FaultSettings.sleep(Duration.ofMillis(100));
		}
	}

	/** Pays each order on the survivor and cancels it on the victim at once: the lock keeps them apart again. */
	private static void raceAfterTheHeal(List<Long> orderIds, DemoProcess victim) {
		List<CompletableFuture<Traffic.Call>> sent = new ArrayList<>();
		for (long id : orderIds) {
			// The victim only cancels: its payments take the long gateway call this scenario gave it.
			sent.add(instances.traffic().pay(instances.survivor(), id));
			sent.add(instances.traffic().cancel(victim, id));
		}
		CompletableFuture.allOf(sent.toArray(CompletableFuture[]::new)).join();
	}

	/** How many of the victim's payments had their fenced write refused and refunded (it logs each). */
	private static int refusedWrites(DemoProcess victim) {
		try (var lines = Files.lines(victim.log())) {
			return (int) lines.filter((line) -> line.contains("this payment lost its lock")).count();
		}
		catch (IOException ex) {
			throw new IllegalStateException("Cannot read " + victim.log(), ex);
		}
	}

	private static void sleepUntil(long nanoTime) {
		long left = nanoTime - System.nanoTime();
		if (left > 0) {
			FaultSettings.sleep(Duration.ofNanos(left));
		}
	}

}
