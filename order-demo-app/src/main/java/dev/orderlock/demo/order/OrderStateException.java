package dev.orderlock.demo.order;

import java.util.Map;

import org.springframework.http.HttpStatus;

import dev.orderlock.demo.web.ApiException;

/**
 * The order is no longer in a state that allows the requested transition (it was paid or cancelled before this
 * call got its lock); answered 409 with {@code ORDER_NOT_PAYABLE} or {@code ORDER_NOT_CANCELLABLE}. Nothing was
 * changed and no money moved.
 */
public class OrderStateException extends ApiException {

	private final Order order;

	private OrderStateException(String code, String detail, Order order) {
		super(HttpStatus.CONFLICT, code, detail);
		this.order = order;
	}

	static OrderStateException notPayable(Order order) {
		return new OrderStateException("ORDER_NOT_PAYABLE",
				"Order " + order.id() + " is " + order.status() + " and can no longer be paid.", order);
	}

	static OrderStateException notCancellable(Order order) {
		return new OrderStateException("ORDER_NOT_CANCELLABLE",
				"Order " + order.id() + " is " + order.status() + " and can no longer be cancelled.", order);
	}

	/** The order as this call found it after acquiring the lock. */
	public Order getOrder() {
		return this.order;
	}

	@Override
	public Map<String, Object> getProperties() {
		return Map.of("orderId", this.order.id(), "orderStatus", this.order.status().name());
	}

}
