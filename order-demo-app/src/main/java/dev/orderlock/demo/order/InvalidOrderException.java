package dev.orderlock.demo.order;

import org.springframework.http.HttpStatus;

import dev.orderlock.demo.web.ApiException;

/** A new order's fields are missing or out of range; answered 400 {@code INVALID_ORDER}. */
class InvalidOrderException extends ApiException {

	InvalidOrderException(String detail) {
		super(HttpStatus.BAD_REQUEST, "INVALID_ORDER", detail);
	}

}
