package dev.orderlock.demo.order;

import java.time.Instant;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.orderlock.OrderLockTimeoutException;
import dev.orderlock.OrderLockUnavailableException;

import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.scheduling.annotation.Scheduled;
import org.springframework.stereotype.Component;

/**
 * Cancels orders left unpaid longer than {@code demo.orders.payment-timeout}, through {@link OrderService#cancel}, so
 * it takes the same lock as a payment of the same order: this job against a late payment is the race real shops hit.
 * Runs on every instance; the lock and the re-read make that harmless. Disabled with
 * {@code demo.orders.timeout-job.enabled=false}.
 */
@Component
@ConditionalOnBooleanProperty(name = "demo.orders.timeout-job.enabled", matchIfMissing = true)
class OrderTimeoutJob {

	private static final Logger logger = LoggerFactory.getLogger(OrderTimeoutJob.class);

	private static final int BATCH = 100;

	private final OrderService orders;

	private final OrderProperties properties;

	OrderTimeoutJob(OrderService orders, OrderProperties properties) {
		this.orders = orders;
		this.properties = properties;
	}

	@Scheduled(fixedDelayString = "${demo.orders.timeout-check-interval:30s}",
			initialDelayString = "${demo.orders.timeout-check-interval:30s}")
	void cancelExpiredOrders() {
		cancelUnpaidCreatedBefore(Instant.now().minus(this.properties.paymentTimeout()));
	}

	/** Cancels unpaid orders created before {@code cutoff}; returns how many it cancelled. */
	int cancelUnpaidCreatedBefore(Instant cutoff) {
		int cancelled = 0;
		for (long orderId : this.orders.unpaidCreatedBefore(cutoff, BATCH)) {
			try {
				this.orders.cancel(orderId);
				cancelled++;
				logger.info("Cancelled order {}: unpaid for longer than {}", orderId, this.properties.paymentTimeout());
			}
			catch (OrderStateException ex) {
				// Paid (or cancelled) between our query and our lock: exactly the case the lock exists for.
				logger.info("Order {} was not cancelled by the timeout job: {}", orderId, ex.getMessage());
			}
			catch (OrderLockTimeoutException ex) {
				// Someone (a payment, most likely) is working on it; look again next round.
				logger.info("Order {} is busy; the timeout job will look again next round", orderId);
			}
			catch (OrderLockUnavailableException ex) {
				logger.warn("Redis is unavailable; the timeout job cancels nothing until it is back: {}",
						ex.getMessage());
				break;
			}
		}
		return cancelled;
	}

}
