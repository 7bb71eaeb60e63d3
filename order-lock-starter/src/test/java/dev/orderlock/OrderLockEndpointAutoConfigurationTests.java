package dev.orderlock;

import dev.orderlock.actuate.OrderLocksEndpoint;
import dev.orderlock.autoconfigure.OrderLockAutoConfiguration;
import dev.orderlock.autoconfigure.OrderLockEndpointAutoConfiguration;
import dev.orderlock.testredis.TestRedis;
import io.micrometer.core.instrument.binder.MeterBinder;
import io.micrometer.core.instrument.simple.SimpleMeterRegistry;
import org.junit.jupiter.api.Test;

import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.aop.AopAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * The {@code orderlocks} endpoint is there only when Actuator's own settings make it available, and force-release
 * through it stays off unless {@code order-lock.admin.force-release-enabled=true}.
 */
class OrderLockEndpointAutoConfigurationTests {

	private final ApplicationContextRunner application = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(RedissonAutoConfigurations.forThisBoot(), AopAutoConfiguration.class,
				OrderLockAutoConfiguration.class, OrderLockEndpointAutoConfiguration.class))
		.withPropertyValues("spring.data.redis.host=" + TestRedis.shared().host(),
				"spring.data.redis.port=" + TestRedis.shared().port());

	@Test
	void notExposedNoEndpoint() {
		this.application.run((context) -> {
			assertThat(context).hasNotFailed();
			assertThat(context).doesNotHaveBean(OrderLocksEndpoint.class);
		});
	}

	@Test
	void exposedOverHttpTheEndpointIsThereAndForceReleaseIsOff() {
		this.application.withPropertyValues("management.endpoints.web.exposure.include=orderlocks").run((context) -> {
			assertThat(context).hasSingleBean(OrderLocksEndpoint.class);
			assertThat(context.getBean(OrderLocksEndpoint.class).release("1").getStatus()).isEqualTo(403);
		});
	}

	@Test
	void forceReleaseOnlyWhenSwitchedOnAndCountedWithoutTags() {
		this.application
			.withPropertyValues("management.endpoints.web.exposure.include=orderlocks",
					"order-lock.admin.force-release-enabled=true", "order-lock.key-prefix=" + TestClients.uniquePrefix())
			.run((context) -> {
				OrderLocksEndpoint endpoint = context.getBean(OrderLocksEndpoint.class);
				OrderLockTemplate template = context.getBean(OrderLockTemplate.class);
				SimpleMeterRegistry registry = new SimpleMeterRegistry();
				context.getBeansOfType(MeterBinder.class).values().forEach((binder) -> binder.bindTo(registry));
				assertThatThrownBy(() -> template.run("3", () -> assertThat(endpoint.release("3").getStatus()).isEqualTo(200)))
					.as("the holder learns it at its release").isInstanceOf(OrderLockLeaseLostException.class);
				assertThat(registry.get(OrderLockEndpointAutoConfiguration.FORCE_RELEASED).functionCounter().count())
					.isEqualTo(1.0);
				assertThat(registry.get(OrderLockEndpointAutoConfiguration.FORCE_RELEASED).functionCounter().getId()
					.getTags()).isEmpty();
			});
	}

}
