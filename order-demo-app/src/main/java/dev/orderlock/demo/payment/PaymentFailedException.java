package dev.orderlock.demo.payment;

import org.springframework.http.HttpStatus;

import dev.orderlock.demo.web.ApiException;

/**
 * The gateway call did not complete (here: the calling thread was interrupted); no money moved.
 */
public class PaymentFailedException extends ApiException {

	PaymentFailedException(String detail) {
		super(HttpStatus.SERVICE_UNAVAILABLE, "PAYMENT_FAILED", detail);
	}

}
