package dev.orderlock;

import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;

import dev.orderlock.testredis.TestRedis;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.redisson.api.RLock;
import org.redisson.api.RedissonClient;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Without a fixed lease, Redisson's watchdog keeps the lock for as long as the code runs, however long that is
 * compared with the watchdog timeout, and the lock is free right after.
 */
@Timeout(60)
class WatchdogTests {

	private static final Duration WATCHDOG = Duration.ofSeconds(1);

	@Test
	void lockIsKeptForThreeTimesTheWatchdogTimeoutAndFreeRightAfter() throws Exception {
		RedissonClient holderClient = TestClients.newClient(TestRedis.shared(), WATCHDOG);
		RedissonClient otherClient = TestClients.newClient(TestRedis.shared(), WATCHDOG);
		try {
			String prefix = TestClients.uniquePrefix();
			OrderLockTemplate holder = new OrderLockTemplate(holderClient, prefix, Duration.ZERO);
			RLock seenFromOther = otherClient.getLock(prefix + ":42");
			CountDownLatch entered = new CountDownLatch(1);
			CompletableFuture<Void> running = CompletableFuture.runAsync(() -> holder.run("42", () -> {
				entered.countDown();
				OrderLockTemplateTests.sleep(WATCHDOG.multipliedBy(3).plusMillis(500));
			}));
			assertThat(entered.await(10, TimeUnit.SECONDS)).isTrue();
			int attempts = 0;
			while (!running.isDone()) {
				boolean stolen = seenFromOther.tryLock(0, 10_000, TimeUnit.MILLISECONDS);
				if (stolen) {
					seenFromOther.unlock();
				}
				assertThat(stolen).as("another instance got the lock while its holder was still running").isFalse();
				attempts++;
				Thread.sleep(100);
			}
			running.get();
			assertThat(attempts).as("the other instance kept trying throughout").isGreaterThan(10);
			assertThat(seenFromOther.tryLock(0, 10_000, TimeUnit.MILLISECONDS)).isTrue();
			seenFromOther.unlock();
		}
		finally {
			holderClient.shutdown();
			otherClient.shutdown();
		}
	}

}
