package dev.orderlock.autoconfigure;

import dev.orderlock.OrderLockInspector;
import dev.orderlock.OrderLockTemplate;
import dev.orderlock.actuate.OrderLocksEndpoint;
import io.micrometer.core.instrument.FunctionCounter;
import io.micrometer.core.instrument.binder.MeterBinder;
import org.redisson.api.RedissonClient;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.actuate.autoconfigure.endpoint.condition.ConditionalOnAvailableEndpoint;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * The {@code orderlocks} Actuator endpoint (docs/operations.md), when Actuator is on the class path and the endpoint
 * is available (enabled and exposed, by Actuator's own settings). Force-release through it stays off unless
 * {@code order-lock.admin.force-release-enabled=true}; each one is counted as {@code order.lock.force.released}
 * (no key in any tag).
 */
@AutoConfiguration(after = OrderLockAutoConfiguration.class)
@ConditionalOnClass({ RedissonClient.class, ConditionalOnAvailableEndpoint.class })
@ConditionalOnAvailableEndpoint(OrderLocksEndpoint.class)
public final class OrderLockEndpointAutoConfiguration {

	/** The counter of force-releases; no tags. */
	public static final String FORCE_RELEASED = "order.lock.force.released";

	@Bean
	@ConditionalOnBean({ RedissonClient.class, OrderLockTemplate.class })
	@ConditionalOnMissingBean
	OrderLockInspector orderLockInspector(RedissonClient redissonClient, OrderLockProperties properties) {
		return new OrderLockInspector(redissonClient, properties.getKeyPrefix(), properties.getMaxKeyLength());
	}

	@Bean
	@ConditionalOnBean(OrderLockInspector.class)
	@ConditionalOnMissingBean
	OrderLocksEndpoint orderLocksEndpoint(OrderLockTemplate template, OrderLockInspector inspector,
			OrderLockProperties properties) {
		return new OrderLocksEndpoint(template, inspector, properties.getAdmin().isForceReleaseEnabled());
	}

	/** The force-release counter, bound to every registry by Spring Boot's metrics support. */
	@Configuration(proxyBeanMethods = false)
	@ConditionalOnClass(MeterBinder.class)
	static class MetricsConfiguration {

		// Nested configurations are read before the beans above exist: ask for the inspector when binding.
		@Bean
		MeterBinder orderLockForceReleaseMeter(ObjectProvider<OrderLockInspector> inspector) {
			return (registry) -> inspector.ifAvailable((available) -> FunctionCounter
				.builder(FORCE_RELEASED, available, OrderLockInspector::getForceReleaseCount)
				.description("Locks force-released through the orderlocks endpoint")
				.register(registry));
		}

	}

}
