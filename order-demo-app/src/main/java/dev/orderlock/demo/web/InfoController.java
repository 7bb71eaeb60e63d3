package dev.orderlock.demo.web;

import java.util.Map;

import org.springframework.core.env.Environment;
import org.springframework.http.MediaType;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

import dev.orderlock.demo.payment.PaymentProperties;

/**
 * {@code GET /api/info}: how this instance runs (lock on or off, gateway latency), so that with several instances
 * a person, or the race runner aimed at them, can tell which is which.
 */
@RestController
class InfoController {

	private final Environment environment;

	private final PaymentProperties payment;

	InfoController(Environment environment, PaymentProperties payment) {
		this.environment = environment;
		this.payment = payment;
	}

	@GetMapping(path = "/api/info", produces = MediaType.APPLICATION_JSON_VALUE)
	Map<String, Object> info() {
		return Map.of("orderLockEnabled", this.environment.getProperty("order-lock.enabled", Boolean.class, true),
				"paymentLatencyMillis", this.payment.latency().toMillis());
	}

}
