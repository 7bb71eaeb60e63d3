package dev.orderlock.demo.payment;

/**
 * A charge the gateway made: its ledger entry's id, which a refund names (one refund per charge), and the amount.
 *
 * @param id the charge's ledger entry
 * @param amountCents what was taken
 */
public record Charge(long id, long amountCents) {
}
