package dev.orderlock.test;

import java.util.Locale;
import java.util.UUID;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.junit.jupiter.api.condition.EnabledIf;
import org.redisson.Redisson;
import org.redisson.api.RedissonClient;
import org.redisson.config.Config;
import org.testcontainers.DockerClientFactory;

import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.context.TestConfiguration;
import org.springframework.boot.testcontainers.service.connection.ServiceConnection;
import org.springframework.context.annotation.Bean;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Spring Boot's own way: {@link OrderLockRedisContainer} as a {@code @ServiceConnection} bean, which Boot starts and
 * hands to Redisson. Needs Docker; skipped without it (and when {@code ORDER_LOCK_TEST_REDIS=process} says not to
 * use it).
 */
@SpringBootTest(classes = { KitTestApplication.class, OrderLockRedisContainerTests.Containers.class })
@EnabledIf("dockerAnswers")
@Timeout(120)
class OrderLockRedisContainerTests {

	@Autowired
	private Orders orders;

	@Autowired
	private OrderLockRedisContainer redis;

	@Test
	void applicationLocksInTheServiceConnectionsContainer() {
		Config config = new Config();
		config.useSingleServer().setAddress(this.redis.address());
		RedissonClient container = Redisson.create(config);
		try {
			String order = UUID.randomUUID().toString();
			Boolean lockedThere = this.orders.payAndThen(order,
					() -> container.getLock("order-lock:" + order).isLocked());
			assertThat(lockedThere).isTrue();
			assertThat(container.getLock("order-lock:" + order).isLocked()).isFalse();
		}
		finally {
			container.shutdown();
		}
	}

	static boolean dockerAnswers() {
		String mode = System.getProperty("ORDER_LOCK_TEST_REDIS", System.getenv("ORDER_LOCK_TEST_REDIS"));
		if (mode != null && mode.toLowerCase(Locale.ROOT).equals("process")) {
			return false;
		}
		try {
			return DockerClientFactory.instance().isDockerAvailable();
		}
		catch (RuntimeException ex) {
			return false;
		}
	}

	@TestConfiguration(proxyBeanMethods = false)
	static class Containers {

		@Bean
		@ServiceConnection(name = "redis")
		OrderLockRedisContainer redis() {
			return new OrderLockRedisContainer();
		}

	}

}
