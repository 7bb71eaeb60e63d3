package dev.orderlock.demo.payment;

import java.time.Duration;

import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;

/**
 * Settings of the simulated payment gateway, under {@code demo.payment.*}.
 *
 * @param latency how long each charge or refund takes at the gateway; this is the race window
 * @param confirmationDelay how long a charge's answer takes to reach the caller after the money was taken (0 by
 * default; the fault tests widen it to crash a payment between the two)
 */
@ConfigurationProperties("demo.payment")
public record PaymentProperties(@DefaultValue("300ms") Duration latency, @DefaultValue("0ms") Duration confirmationDelay) {
}
