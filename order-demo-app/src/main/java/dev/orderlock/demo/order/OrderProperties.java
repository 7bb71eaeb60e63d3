package dev.orderlock.demo.order;

import java.time.Duration;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Settings of orders, under {@code demo.orders.*}.
 *
 * @param paymentTimeout how long an order may stay unpaid before the timeout job cancels it
 * @param timeoutCheckInterval how often the timeout job looks for such orders
 */
@ConfigurationProperties("demo.orders")
public record OrderProperties(@DefaultValue("15m") Duration paymentTimeout,
		@DefaultValue("30s") Duration timeoutCheckInterval) {
}
