package dev.orderlock.demo.payment;

/** Direction of a money movement at the gateway. */
public enum LedgerEntryType {

	/** Money taken from the customer. */
	CHARGE,

	/** Money given back to the customer. */
	REFUND

}
