package dev.orderlock.demo.order;

import java.net.URI;
import java.util.List;

import dev.orderlock.demo.payment.LedgerEntry;

import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;
import org.springframework.web.util.UriComponentsBuilder;

/**
 * The orders API. Errors, including the lock's, become problem details in
 * {@link dev.orderlock.demo.web.ApiExceptionHandler}.
 */
@RestController
@RequestMapping(path = "/api/orders", produces = MediaType.APPLICATION_JSON_VALUE)
class OrderController {

	private final OrderService orders;

	private final CallTimings timings;

	OrderController(OrderService orders, CallTimings timings) {
		this.orders = orders;
		this.timings = timings;
	}

	@PostMapping(consumes = MediaType.APPLICATION_JSON_VALUE)
	ResponseEntity<Order> create(@RequestBody NewOrderRequest request, UriComponentsBuilder uri) {
		request.validate();
		Order order = this.orders.create(request.customerId(), request.amountCents());
		URI location = uri.path("/api/orders/{id}").buildAndExpand(order.id()).toUri();
		return ResponseEntity.created(location).body(order);
	}

	@GetMapping("/{orderId}")
	Order get(@PathVariable long orderId) {
		return this.orders.find(orderId);
	}

	@PostMapping("/{orderId}/pay")
	Order pay(@PathVariable long orderId) {
		try (CallTimings.Call call = this.timings.call(orderId, "pay")) {
			return this.orders.pay(orderId);
		}
	}

	@PostMapping("/{orderId}/cancel")
	Order cancel(@PathVariable long orderId) {
		try (CallTimings.Call call = this.timings.call(orderId, "cancel")) {
			return this.orders.cancel(orderId);
		}
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
