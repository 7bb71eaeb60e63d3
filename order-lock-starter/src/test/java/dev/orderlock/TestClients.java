package dev.orderlock;

import java.time.Duration;
import java.util.UUID;

import dev.orderlock.testredis.TestRedis;
import org.redisson.Redisson;
import org.redisson.api.RedissonClient;
import org.redisson.config.Config;
import org.redisson.config.ConstantDelay;

/**
 * Separate RedissonClients on a test Redis: each one is an application "instance" with its own lock owner id.
 */
final class TestClients {

	private TestClients() {
	}

	static RedissonClient newClient(TestRedis redis) {
		return newClient(redis, Duration.ofSeconds(30));
	}

	static RedissonClient newClient(TestRedis redis, Duration watchdogTimeout) {
		Config config = new Config();
		config.setLockWatchdogTimeout(watchdogTimeout.toMillis());
		config.setThreads(4);
		config.setNettyThreads(4);
		config.useSingleServer()
			.setAddress(redis.address())
			.setConnectionMinimumIdleSize(2)
			.setConnectionPoolSize(16)
			.setSubscriptionConnectionMinimumIdleSize(1)
			// Short timeouts so that "Redis is down" fails within a couple of seconds in tests.
			.setConnectTimeout(500)
			.setTimeout(500)
			.setRetryAttempts(1)
			.setRetryDelay(new ConstantDelay(Duration.ofMillis(200)));
		return Redisson.create(config);
	}

	/** A key prefix no other test uses, so tests never see each other's locks. */
	static String uniquePrefix() {
		return "test-" + UUID.randomUUID();
	}

}
