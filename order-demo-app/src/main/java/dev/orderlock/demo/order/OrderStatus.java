package dev.orderlock.demo.order;

/** Where an order is in its life; {@code PAID} and {@code CANCELLED} are final. */
public enum OrderStatus {

	/** Created, waiting for the customer to pay; may still be cancelled. */
	PENDING_PAYMENT,

	/** Paid; final. */
	PAID,

	/** Cancelled by the customer or the payment-timeout job; final. */
	CANCELLED

}
