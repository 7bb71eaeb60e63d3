package dev.orderlock.bench;

import dev.orderlock.OrderLock;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.observation.DefaultMeterObservationHandler;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.micrometer.observation.ObservationRegistry;
import org.redisson.api.RedissonClient;

import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;

/**
 * (e) {@code @OrderLock} as an application with meters and traces runs it: a second application context beside
 * {@link BenchApplication}'s, with a real {@code MeterRegistry} and a real {@code ObservationRegistry}, so that
 * order-lock's auto-configuration adds its meters and observations to the template exactly as in such an application.
 * The registry's handler is the one Spring Boot registers when there are metrics and no tracer,
 * {@link DefaultMeterObservationHandler}: every observation becomes a timer and a long-task timer.
 * <p>
 * It locks through the instance's own {@code RedissonClient} (registered here before the context starts, so
 * Redisson's starter creates none): (b) to (e) then share one connection pool and one set of I/O threads, and (e)
 * differs from (c) only by the recording. A top-level class, not nested in {@code BenchApplication}: a nested
 * configuration would be imported into that context too.
 */
@SpringBootConfiguration
@EnableAutoConfiguration
public class ObservedApplication {

	/** Starts the observed application on the given, already running client. */
	static ConfigurableApplicationContext start(String redisAddress, RedissonClient shared) {
		return BenchApplication.builder(ObservedApplication.class, redisAddress)
			.initializers((context) -> context.getBeanFactory().registerSingleton("redisson", shared))
			.run();
	}

	@Bean
	SimpleMeterRegistry meterRegistry() {
		return new SimpleMeterRegistry();
	}

	@Bean
	ObservationRegistry observationRegistry(MeterRegistry meterRegistry) {
		ObservationRegistry registry = ObservationRegistry.create();
		registry.observationConfig().observationHandler(new DefaultMeterObservationHandler(meterRegistry));
		return registry;
	}

	@Bean
	ObservedOrders observedOrders() {
		return new ObservedOrders();
	}

	/** (e) the same method as (c), in the application that records meters and observations. */
	public static class ObservedOrders {

		@OrderLock(key = "#orderId")
		public long touch(long orderId) {
			return orderId + 1;
		}

	}

}
