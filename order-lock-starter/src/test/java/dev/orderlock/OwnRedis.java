package dev.orderlock;

import dev.orderlock.testredis.TestRedis;
import org.redisson.api.RedissonClient;

/**
 * A Redis server of a test's own (to stop it, or to count its commands undisturbed) with a client on it.
 */
record OwnRedis(TestRedis redis, RedissonClient client) implements AutoCloseable {

	static OwnRedis start() {
		TestRedis redis = TestRedis.start();
		return new OwnRedis(redis, TestClients.newClient(redis));
	}

	@Override
	public void close() {
		this.client.shutdown();
		this.redis.close();
	}

}
