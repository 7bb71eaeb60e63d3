package dev.orderlock;

import java.time.Duration;
import java.util.concurrent.TimeUnit;

import dev.orderlock.autoconfigure.OrderLockAutoConfiguration;
import dev.orderlock.observation.LockMetrics;
import dev.orderlock.observation.LockObservations;
import dev.orderlock.testredis.TestRedis;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import io.micrometer.observation.ObservationRegistry;
import io.micrometer.observation.tck.TestObservationRegistry;
import org.junit.jupiter.api.Test;
import org.redisson.spring.starter.RedissonAutoConfigurationV4;
import reactor.core.publisher.Mono;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.aop.AopAutoConfiguration;
import org.springframework.boot.micrometer.metrics.autoconfigure.CompositeMeterRegistryAutoConfiguration;
import org.springframework.boot.micrometer.metrics.autoconfigure.MetricsAutoConfiguration;
import org.springframework.boot.micrometer.metrics.autoconfigure.export.simple.SimpleMetricsExportAutoConfiguration;
import org.springframework.boot.micrometer.observation.autoconfigure.ObservationAutoConfiguration;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * When order-lock records meters and observations: only with a {@code MeterRegistry} or an
 * {@code ObservationRegistry} bean, whether Spring Boot's or the application's own, and never at the cost of a
 * start without Micrometer.
 */
class ObservabilityAutoConfigurationTests {

	private static final String NAME = "ObservabilityAutoConfigurationTests$Orders.pay";

	private final ApplicationContextRunner runner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(AopAutoConfiguration.class, RedissonAutoConfigurationV4.class,
				OrderLockAutoConfiguration.class))
		.withPropertyValues("spring.data.redis.host=" + TestRedis.shared().host(),
				"spring.data.redis.port=" + TestRedis.shared().port(),
				"order-lock.key-prefix=" + TestClients.uniquePrefix());

	private final ApplicationContextRunner withOrders = this.runner.withBean(Orders.class);

	@Test
	void withoutARegistryNothingIsRecordedAndLocksStillWork() {
		this.withOrders.run((context) -> {
			assertThat(context).hasNotFailed().doesNotHaveBean(LockMetrics.class).doesNotHaveBean(LockObservations.class);
			assertThat(context.getBean(Orders.class).pay(1L)).isEqualTo("paid");
		});
	}

	@Test
	void withoutMicrometerOnTheClasspathItStillStarts() {
		// A filtered class loader cannot define class proxies: the template stands for the annotated path here.
		this.runner.withClassLoader(new FilteredClassLoader("io.micrometer.core"))
			.withBean(ObservationRegistry.class, TestObservationRegistry::create)
			.run((context) -> {
				assertThat(context).hasNotFailed().doesNotHaveBean(LockMetrics.class).hasSingleBean(LockObservations.class);
				assertThat(context.getBean(OrderLockTemplate.class).execute("2", () -> "paid")).isEqualTo("paid");
			});
	}

	@Test
	void applicationsOwnMeterRegistryRecordsAnnotatedCallsByMethod() {
		this.withOrders.withBean(MeterRegistry.class, SimpleMeterRegistry::new).run((context) -> {
			assertThat(context).hasSingleBean(LockMetrics.class).doesNotHaveBean(LockObservations.class);
			context.getBean(Orders.class).pay(3L);
			MeterRegistry registry = context.getBean(MeterRegistry.class);
			assertThat(registry.get(LockMetrics.WAIT).tag("name", NAME).tag("outcome", "acquired").timer().count())
				.isEqualTo(1);
			assertThat(registry.get(LockMetrics.HELD).tag("name", NAME).timer().count()).isEqualTo(1);
		});
	}

	@Test
	void bootsMetricsAndObservationsRecordAnnotatedCalls() {
		this.withOrders
			.withConfiguration(AutoConfigurations.of(ObservationAutoConfiguration.class, MetricsAutoConfiguration.class,
					SimpleMetricsExportAutoConfiguration.class, CompositeMeterRegistryAutoConfiguration.class))
			.run((context) -> {
				assertThat(context).hasSingleBean(LockMetrics.class).hasSingleBean(LockObservations.class);
				context.getBean(Orders.class).pay(4L);
				MeterRegistry registry = context.getBean(MeterRegistry.class);
				assertThat(registry.get(LockMetrics.WAIT).tag("name", NAME).tag("outcome", "acquired").timer().count())
					.isEqualTo(1);
				assertThat(registry.get(LockMetrics.LEASE_LOST).tag("name", NAME).counter().count()).isZero();
				// Boot turns every observation into a timer of the same name: distinct from ours, no clash.
				assertThat(registry.get(LockObservations.CALL)
					.tag(LockObservations.NAME, NAME)
					.tag(LockObservations.OUTCOME, "acquired")
					.timer()
					.count()).isEqualTo(1);
				assertThat(registry.get(LockObservations.ACQUIRE).tag(LockObservations.NAME, NAME).timer().count())
					.isEqualTo(1);
			});
	}

	@Test
	void observationsCanBeSwitchedOffWhileTheMetersStay() {
		this.withOrders
			.withConfiguration(AutoConfigurations.of(ObservationAutoConfiguration.class, MetricsAutoConfiguration.class,
					SimpleMetricsExportAutoConfiguration.class, CompositeMeterRegistryAutoConfiguration.class))
			.withPropertyValues("management.observations.enable.order.lock=false")
			.run((context) -> {
				context.getBean(Orders.class).pay(6L);
				MeterRegistry registry = context.getBean(MeterRegistry.class);
				assertThat(registry.find(LockObservations.CALL).timer()).isNull();
				assertThat(registry.find(LockObservations.ACQUIRE).timer()).isNull();
				assertThat(registry.get(LockMetrics.WAIT).tag("name", NAME).tag("outcome", "acquired").timer().count())
					.isEqualTo(1);
			});
	}

	@Test
	void monoCallsAreMeteredAndObservedUntilTheMonoEnds() {
		TestObservationRegistry observations = TestObservationRegistry.create();
		this.withOrders.withBean(MeterRegistry.class, SimpleMeterRegistry::new)
			.withBean(ObservationRegistry.class, () -> observations)
			.run((context) -> {
				assertThat(context.getBean(Orders.class).refund(8L).block(Duration.ofSeconds(10))).isEqualTo("refunded");
				String name = "ObservabilityAutoConfigurationTests$Orders.refund";
				MeterRegistry registry = context.getBean(MeterRegistry.class);
				assertThat(registry.get(LockMetrics.WAIT).tag("name", name).tag("outcome", "acquired").timer().count())
					.isEqualTo(1);
				assertThat(registry.get(LockMetrics.HELD).tag("name", name).timer().totalTime(TimeUnit.MILLISECONDS))
					.as("held until the Mono ended, not until the method returned").isGreaterThanOrEqualTo(50);
				assertThat(observations).hasObservationWithNameEqualTo(LockObservations.CALL)
					.that()
					.hasLowCardinalityKeyValue(LockObservations.NAME, name)
					.hasBeenStopped();
			});
	}

	@Test
	void applicationsOwnObservationRegistryObservesAnnotatedCalls() {
		TestObservationRegistry observations = TestObservationRegistry.create();
		this.withOrders.withBean(ObservationRegistry.class, () -> observations).run((context) -> {
			context.getBean(Orders.class).pay(5L);
			assertThat(observations).hasObservationWithNameEqualTo(LockObservations.CALL)
				.that()
				.hasLowCardinalityKeyValue(LockObservations.NAME, NAME)
				.hasBeenStopped();
		});
	}

	static class Orders {

		@OrderLock(key = "#orderId")
		public String pay(long orderId) {
			return "paid";
		}

		@OrderLock(key = "#orderId")
		public Mono<String> refund(long orderId) {
			return Mono.delay(Duration.ofMillis(50)).thenReturn("refunded");
		}

	}

}
