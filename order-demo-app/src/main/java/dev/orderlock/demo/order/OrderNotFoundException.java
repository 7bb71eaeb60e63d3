package dev.orderlock.demo.order;

import java.util.Map;

import org.springframework.http.HttpStatus;

import dev.orderlock.demo.web.ApiException;

/** No order has this id; answered 404 {@code ORDER_NOT_FOUND}. */
public class OrderNotFoundException extends ApiException {

	private final long orderId;

	OrderNotFoundException(long orderId) {
		super(HttpStatus.NOT_FOUND, "ORDER_NOT_FOUND", "Order " + orderId + " does not exist.");
		this.orderId = orderId;
	}

	@Override
	public Map<String, Object> getProperties() {
		return Map.of("orderId", this.orderId);
	}

}
