package dev.orderlock.demo.payment;

import java.time.Instant;

/**
 * One money movement the gateway made for an order, as {@code GET /api/orders/{id}/payments} shows it.
 *
 * @param type charge or refund
 * @param amountCents always positive; the type gives the direction
 * @param at when the gateway completed it
 */
public record LedgerEntry(LedgerEntryType type, long amountCents, Instant at) {

	/** What this entry adds to the money held for the order: positive for a charge, negative for a refund. */
	public long signedAmountCents() {
		return (this.type == LedgerEntryType.CHARGE) ? this.amountCents : -this.amountCents;
	}

}
