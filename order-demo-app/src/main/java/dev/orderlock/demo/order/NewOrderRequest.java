package dev.orderlock.demo.order;

/**
 * Body of {@code POST /api/orders}. Fields are boxed so that a missing one is told apart from a zero.
 *
 * @param customerId who orders, 1 to 100 characters, any Unicode but control characters and line breaks
 * @param amountCents what it costs, in cents, 1 to {@value #MAX_AMOUNT_CENTS}
 */
record NewOrderRequest(String customerId, Long amountCents) {

	static final long MAX_AMOUNT_CENTS = 100_000_000L;

	/** Checks the fields, failing with {@link InvalidOrderException} naming the first bad one. */
	void validate() {
		if (this.customerId == null || this.customerId.isBlank()) {
			throw new InvalidOrderException("customerId is required, e.g. \"c-1\".");
		}
		if (this.customerId.length() > 100) {
			throw new InvalidOrderException("customerId must be at most 100 characters.");
		}
		// Shown in logs, the web page and reconciliation reports: a line break or an escape sequence has no place in
		// an id and would let a client forge lines there.
		if (this.customerId.chars().anyMatch(NewOrderRequest::isControl)) {
			throw new InvalidOrderException("customerId must not contain control characters or line breaks.");
		}
		if (this.amountCents == null) {
			throw new InvalidOrderException("amountCents is required, e.g. 1999 for 19.99.");
		}
		if (this.amountCents <= 0 || this.amountCents > MAX_AMOUNT_CENTS) {
			throw new InvalidOrderException("amountCents must be between 1 and " + MAX_AMOUNT_CENTS + ", was "
					+ this.amountCents + ".");
		}
	}

	private static boolean isControl(int c) {
		int type = Character.getType(c);
		return Character.isISOControl(c) || type == Character.LINE_SEPARATOR || type == Character.PARAGRAPH_SEPARATOR;
	}

}
