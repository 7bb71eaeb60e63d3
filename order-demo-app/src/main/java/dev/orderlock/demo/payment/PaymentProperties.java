package dev.orderlock.demo.payment;

import java.time.Duration;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Settings of the simulated payment gateway, under {@code demo.payment.*}.
 *
 * @param latency how long each charge or refund takes at the gateway; this is the race window
 */
@ConfigurationProperties("demo.payment")
public record PaymentProperties(@DefaultValue("300ms") Duration latency) {
}
