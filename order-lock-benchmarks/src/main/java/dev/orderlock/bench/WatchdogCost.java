package dev.orderlock.bench;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import dev.orderlock.testredis.RedisCommandStats;
import org.redisson.Redisson;
import org.redisson.api.RedissonClient;
import org.redisson.config.Config;

/**
 * Cost of many locks held at once with the watchdog on: Redis commands per second spent renewing them, and Redis
 * memory per held lock.
 */
final class WatchdogCost {

	final int locks;

	final Duration watchdogTimeout;

	final Duration window;

	double bytesPerLock;

	String memoryUsageOfOneLock;

	double renewalRequestsPerSecond;

	double renewedLocksPerSecond;

	Map<String, Long> commandsInWindow;

	private WatchdogCost(int locks, Duration watchdogTimeout, Duration window) {
		this.locks = locks;
		this.watchdogTimeout = watchdogTimeout;
		this.window = window;
	}

	static WatchdogCost measure(String address, String host, int port, int locks, Duration watchdogTimeout,
			Duration window) throws Exception {
		WatchdogCost cost = new WatchdogCost(locks, watchdogTimeout, window);
		RedisCommandStats redis = new RedisCommandStats(host, port);
		Config config = new Config();
		config.setLockWatchdogTimeout(watchdogTimeout.toMillis());
		config.useSingleServer().setAddress(address);
		RedissonClient client = Redisson.create(config);
		try {
			long before = usedMemory(redis);
			List<CompletableFuture<Boolean>> held = new ArrayList<>();
			for (int i = 0; i < locks; i++) {
				held.add(client.getLock("bench-watchdog:" + i).tryLockAsync(0, -1, TimeUnit.MILLISECONDS, 4242)
					.toCompletableFuture());
			}
			CompletableFuture.allOf(held.toArray(CompletableFuture[]::new)).join();
			if (held.stream().anyMatch((acquired) -> !acquired.join())) {
				throw new IllegalStateException("Not every watchdog lock could be taken: is the Redis shared?");
			}
			cost.bytesPerLock = (double) (usedMemory(redis) - before) / locks;
			cost.memoryUsageOfOneLock = redis.send("MEMORY", "USAGE", "bench-watchdog:0").replace(":", "");
			redis.reset();
			Thread.sleep(window.toMillis());
			Map<String, Long> calls = redis.calls();
			calls.keySet().removeIf((name) -> name.startsWith("config") || name.equals("info"));
			cost.commandsInWindow = calls;
			double seconds = window.toMillis() / 1000.0;
			cost.renewalRequestsPerSecond = calls.getOrDefault("evalsha", 0L) / seconds;
			cost.renewedLocksPerSecond = calls.getOrDefault("pexpire", 0L) / seconds;
			List<CompletableFuture<Boolean>> released = new ArrayList<>();
			for (int i = 0; i < locks; i++) {
				released.add(client.getLock("bench-watchdog:" + i).forceUnlockAsync().toCompletableFuture());
			}
			CompletableFuture.allOf(released.toArray(CompletableFuture[]::new)).join();
		}
		finally {
			client.shutdown();
		}
		return cost;
	}

	private static long usedMemory(RedisCommandStats redis) {
		return Long.parseLong(redis.info("memory", "used_memory").trim());
	}

}
