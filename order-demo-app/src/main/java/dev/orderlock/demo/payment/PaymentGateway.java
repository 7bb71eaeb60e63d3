package dev.orderlock.demo.payment;

import java.time.Duration;
import java.time.Instant;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.stereotype.Service;

/**
 * A simulated payment service provider. Each call takes {@code demo.payment.latency}, like a real network round
 * trip, and the movement is written to the {@link Ledger} when it completes, in its own short statement: there is
 * deliberately no database transaction around the slow part. A charge's answer then takes
 * {@code demo.payment.confirmation-delay} more to reach the caller: the money is taken before the caller knows, as
 * with a real gateway, which is the window a crash of the caller leaves a charge behind in.
 * <p>
 * The gateway knows nothing about orders' states; like a real one it charges whatever it is asked to. Keeping
 * pay and cancel apart is the caller's job, which is what {@code @OrderLock} is for. Refunds are idempotent per
 * charge (a real gateway's idempotency key): refunding a charge twice refunds it once. Fails with
 * {@link PaymentFailedException} (no money moved) when interrupted while waiting for the movement.
 */
@Service
public class PaymentGateway {

	private static final Logger logger = LoggerFactory.getLogger(PaymentGateway.class);

	private final Ledger ledger;

	private final Duration latency;

	private final Duration confirmationDelay;

	PaymentGateway(Ledger ledger, PaymentProperties properties) {
		this.ledger = ledger;
		this.latency = properties.latency();
		this.confirmationDelay = properties.confirmationDelay();
	}

	/** Takes the money for an order. */
	public Charge charge(long orderId, long amountCents) {
		awaitGateway(orderId, LedgerEntryType.CHARGE);
		Charge charge = this.ledger.recordCharge(orderId, amountCents, Instant.now());
		if (!this.confirmationDelay.isZero()) {
			try {
				Thread.sleep(this.confirmationDelay.toMillis());
			}
			catch (InterruptedException ex) {
				// The money has moved: report the charge, so that the caller can account for it.
				Thread.currentThread().interrupt();
			}
		}
		return charge;
	}

	/**
	 * Gives a charge back, unless it was given back already.
	 * @return whether this call refunded it
	 */
	public boolean refund(long orderId, Charge charge) {
		awaitGateway(orderId, LedgerEntryType.REFUND);
		return this.ledger.recordRefund(orderId, charge, Instant.now());
	}

	/**
	 * Refunds every charge of the order not refunded yet, if any: the compensation for an order that ends
	 * cancelled although a charge went through.
	 * @return the amount this call refunded, 0 when nothing was held
	 */
	public long refundOutstanding(long orderId) {
		long refunded = 0;
		for (Charge charge : this.ledger.unrefundedCharges(orderId)) {
			logger.warn("Order {} is cancelled but charge {} of {} cents went through for it: refunding", orderId,
					charge.id(), charge.amountCents());
			if (refund(orderId, charge)) {
				refunded += charge.amountCents();
			}
		}
		return refunded;
	}

	private void awaitGateway(long orderId, LedgerEntryType type) {
		try {
			Thread.sleep(this.latency.toMillis());
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new PaymentFailedException(type + " of order " + orderId + " was interrupted; no money moved.");
		}
	}

}
