package dev.orderlock;

import java.time.Duration;
import java.util.UUID;

import dev.orderlock.testredis.RedisClusterGroup;
import dev.orderlock.testredis.RedisSentinelGroup;
import dev.orderlock.testredis.TestRedis;
import org.redisson.Redisson;
import org.redisson.api.RedissonClient;
import org.redisson.config.Config;
import org.redisson.config.ConstantDelay;
import org.redisson.config.ReadMode;

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

	/** An instance on a Redis Cluster: every lock's key goes to the primary serving its slot. */
	static RedissonClient newClient(RedisClusterGroup cluster) {
		Config config = new Config();
		config.setThreads(4);
		config.setNettyThreads(4);
		config.useClusterServers()
			.addNodeAddress(cluster.nodeAddresses().toArray(String[]::new))
			// Reads (isLocked in assertions) from the primaries: the cluster has no replicas anyway.
			.setReadMode(ReadMode.MASTER)
			.setMasterConnectionMinimumIdleSize(2)
			.setMasterConnectionPoolSize(16)
			.setConnectTimeout(2000)
			.setTimeout(2000)
			.setRetryAttempts(1)
			.setRetryDelay(new ConstantDelay(Duration.ofMillis(200)));
		return Redisson.create(config);
	}

	/**
	 * An instance on a Sentinel group, with a short watchdog timeout so that a lock whose release was lost in a
	 * failover lapses within seconds, and short Redis timeouts so that "no primary" fails fast.
	 */
	static RedissonClient newClient(RedisSentinelGroup sentinel) {
		Config config = new Config();
		config.setLockWatchdogTimeout(5000);
		config.setThreads(4);
		config.setNettyThreads(4);
		config.useSentinelServers()
			.setMasterName(sentinel.masterName())
			.addSentinelAddress(sentinel.sentinelAddresses().toArray(String[]::new))
			// Reads (isLocked in assertions) from the primary, never from a replica that may lag.
			.setReadMode(ReadMode.MASTER)
			.setMasterConnectionMinimumIdleSize(2)
			.setMasterConnectionPoolSize(16)
			.setScanInterval(500)
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
