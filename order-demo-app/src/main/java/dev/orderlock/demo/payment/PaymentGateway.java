package dev.orderlock.demo.payment;

import java.time.Duration;
import java.time.Instant;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.stereotype.Service;

/**
 * A simulated payment service provider. Each call takes {@code demo.payment.latency}, like a real network round
 * trip, and the movement is written to the {@link Ledger} when it completes, in its own short statement: there is
 * deliberately no database transaction around the slow part.
 * <p>
 * The gateway knows nothing about orders' states; like a real one it charges whatever it is asked to. Keeping
 * pay and cancel apart is the caller's job, which is what {@code @OrderLock} is for. Fails with
 * {@link PaymentFailedException} (no money moved) when interrupted while waiting.
 */
@Service
public class PaymentGateway {

	private static final Logger logger = LoggerFactory.getLogger(PaymentGateway.class);

	private final Ledger ledger;

	private final Duration latency;

	PaymentGateway(Ledger ledger, PaymentProperties properties) {
		this.ledger = ledger;
		this.latency = properties.latency();
	}

	/** Takes the money for an order. */
	public void charge(long orderId, long amountCents) {
		move(orderId, LedgerEntryType.CHARGE, amountCents);
	}

	/** Gives money back for an order. */
	public void refund(long orderId, long amountCents) {
		move(orderId, LedgerEntryType.REFUND, amountCents);
	}

	/**
	 * Refunds whatever is still held for the order, if anything: the compensation for an order that ends
	 * cancelled although a charge went through.
	 * @return the amount refunded, 0 when nothing was held
	 */
	public long refundOutstanding(long orderId) {
		long held = this.ledger.netChargedCents(orderId);
		if (held <= 0) {
			return 0;
		}
		logger.warn("Order {} is cancelled but {} cents were charged for it: refunding", orderId, held);
		refund(orderId, held);
		return held;
	}

	private void move(long orderId, LedgerEntryType type, long amountCents) {
		try {
			Thread.sleep(this.latency.toMillis());
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new PaymentFailedException(type + " of order " + orderId + " was interrupted; no money moved.");
		}
		this.ledger.record(orderId, type, amountCents, Instant.now());
	}

}
