package dev.orderlock.demo.order;

import java.net.URI;
import java.util.List;

import dev.orderlock.OrderLockLeaseLostException;
import dev.orderlock.demo.payment.LedgerEntry;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * The orders API. Errors, including the lock's, become problem details in
 * {@link dev.orderlock.demo.web.ApiExceptionHandler}.
 */
@RestController
@RequestMapping(path = "/api/orders", produces = MediaType.APPLICATION_JSON_VALUE)
class OrderController {

	private static final Logger logger = LoggerFactory.getLogger(OrderController.class);

	private final OrderService orders;

	private final CallTimings timings;

	OrderController(OrderService orders, CallTimings timings) {
		this.orders = orders;
		this.timings = timings;
	}

	@PostMapping(consumes = MediaType.APPLICATION_JSON_VALUE)
	ResponseEntity<Order> create(@RequestBody NewOrderRequest request) {
		request.validate();
		Order order = this.orders.create(request.customerId(), request.amountCents());
		// Relative: an absolute one is built from the caller's Host header, which it then repeated at any length, and
		// a Host with a bad port failed the build with a 500 after the order was stored.
		URI location = URI.create("/api/orders/" + order.id());
		return ResponseEntity.created(location).body(order);
	}

	@GetMapping("/{orderId}")
	Order get(@PathVariable long orderId) {
		return this.orders.find(orderId);
	}

	@PostMapping("/{orderId}/pay")
	Order pay(@PathVariable long orderId) {
		// 404 before any lock: an unknown id must leave nothing in Redis (a fenced lock's token key stays for a day).
		this.orders.find(orderId);
		try (CallTimings.Call call = this.timings.call(orderId, "pay")) {
			return this.orders.pay(orderId);
		}
		catch (OrderLockLeaseLostException ex) {
			return committedOutcome(orderId, OrderStatus.PAID, ex);
		}
	}

	@PostMapping("/{orderId}/cancel")
	Order cancel(@PathVariable long orderId) {
		this.orders.find(orderId);
		try (CallTimings.Call call = this.timings.call(orderId, "cancel")) {
			return this.orders.cancel(orderId);
		}
		catch (OrderLockLeaseLostException ex) {
			return committedOutcome(orderId, OrderStatus.CANCELLED, ex);
		}
	}

	/**
	 * The answer to a call whose lock was lost: never one that contradicts the database. Found only at the release,
	 * the call had run to its end and its fenced write committed (else it would have failed with the fence's own
	 * answer): answer the order as committed. Found before the commit or before the charge, nothing of it committed:
	 * 503, try again (a charge a rolled-back payment made is adopted by the next payment, or refunded).
	 */
	private Order committedOutcome(long orderId, OrderStatus done, OrderLockLeaseLostException ex) {
		if (ex.isFoundAtRelease()) {
			Order order = this.orders.find(orderId);
			if (order.status() == done) {
				logger.warn("Order {}: its lock was found lost only after the change committed; answering the "
						+ "committed outcome {}", orderId, done);
				return order;
			}
		}
		throw new OrderLockLostException(orderId, ex);
	}

	@GetMapping("/{orderId}/payments")
	List<LedgerEntry> payments(@PathVariable long orderId) {
		return this.orders.payments(orderId);
	}

	/** This instance's pay and cancel requests of the order, as the race's timeline draws them (no lookup: cheap). */
	@GetMapping("/{orderId}/timings")
	List<CallTimings.CallTiming> timings(@PathVariable long orderId) {
		return this.timings.of(orderId);
	}

}
