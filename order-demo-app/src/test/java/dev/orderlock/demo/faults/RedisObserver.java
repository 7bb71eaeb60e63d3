package dev.orderlock.demo.faults;

import java.util.ArrayList;
import java.util.List;

import org.redisson.Redisson;
import org.redisson.api.RedissonClient;
import org.redisson.config.Config;

import dev.orderlock.testredis.TestRedis;

/**
 * A Redisson client of the test's own, acting on Redis as an operator would: flushing it, and reading what the
 * instances left in it.
 */
final class RedisObserver implements AutoCloseable {

	private final RedissonClient client;

	private RedisObserver(RedissonClient client) {
		this.client = client;
	}

	static RedisObserver of(TestRedis redis) {
		Config config = new Config();
		config.useSingleServer().setAddress(redis.address());
		return new RedisObserver(Redisson.create(config));
	}

	/** {@code FLUSHALL}: every lock and token key gone at once. */
	void flushAll() {
		this.client.getKeys().flushall();
	}

	long keyCount() {
		return this.client.getKeys().count();
	}

	boolean lockHeld(long orderId) {
		return this.client.getKeys().countExists(TwoInstances.KEY_PREFIX + ":" + orderId) == 1;
	}

	/** Keys that outlive the load: a lock still held, or any key without an expiry (PTTL -1), with their PTTL. */
	List<String> keysLeft() {
		List<String> left = new ArrayList<>();
		for (String key : this.client.getKeys().getKeys()) {
			long ttl = this.client.getBucket(key).remainTimeToLive();
			if (key.startsWith(TwoInstances.KEY_PREFIX + ":") || ttl == -1) {
				left.add(key + " (pttl " + ttl + ")");
			}
		}
		return left;
	}

	/** How many fencing token keys there are (each with its TTL, unless {@link #keysLeft} names it). */
	long tokenKeys() {
		return this.client.getKeys().getKeysStream().filter((key) -> key.startsWith("redisson_lock_token:")).count();
	}

	@Override
	public void close() {
		this.client.shutdown();
	}

}
