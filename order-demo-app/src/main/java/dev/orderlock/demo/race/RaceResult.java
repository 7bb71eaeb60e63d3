package dev.orderlock.demo.race;

/**
 * What one race did, counted from the HTTP answers and from the orders and ledgers read back afterwards (see
 * docs/demo.md for the exact definitions).
 *
 * @param lockEnabled whether the instances ran with {@code order-lock.enabled=true}
 * @param instances how many application instances the requests were spread over
 * @param orders how many orders were raced
 * @param paid orders whose final status is {@code PAID}
 * @param cancelled orders whose final status is {@code CANCELLED}
 * @param bothSucceeded orders for which both {@code pay} and {@code cancel} answered 200: a customer told
 * "cancelled" and "paid" for the same order
 * @param chargedThenCancelled orders whose final status is {@code CANCELLED} although the ledger shows a charge
 * @param ledgerMismatches orders whose ledger (charges minus refunds) differs from what the final status implies
 * (the amount for {@code PAID}, zero otherwise)
 * @param lockBusy answers 409 {@code ORDER_LOCKED}: a request that gave up waiting for the lock (no harm done)
 * @param errors answers that were neither 200 nor 409 (5xx, timeouts): should be zero
 * @param millis how long the pay/cancel burst took
 * @param timeline when each call of the first orders waited and ran, for the web page's picture
 */
public record RaceResult(boolean lockEnabled, int instances, int orders, int paid, int cancelled, int bothSucceeded,
		int chargedThenCancelled, int ledgerMismatches, int lockBusy, int errors, long millis, RaceTimeline timeline) {

	/** A result without a timeline. */
	public RaceResult(boolean lockEnabled, int instances, int orders, int paid, int cancelled, int bothSucceeded,
			int chargedThenCancelled, int ledgerMismatches, int lockBusy, int errors, long millis) {
		this(lockEnabled, instances, orders, paid, cancelled, bothSucceeded, chargedThenCancelled, ledgerMismatches,
				lockBusy, errors, millis, RaceTimeline.none());
	}

	/** Orders whose outcome is wrong: the sum of the three violation counts. */
	public int violations() {
		return this.bothSucceeded + this.chargedThenCancelled + this.ledgerMismatches;
	}

}
