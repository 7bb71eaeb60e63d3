package dev.orderlock.bench;

import java.util.concurrent.TimeUnit;

import org.redisson.api.RLock;
import org.redisson.api.RedissonClient;

/**
 * (b) the baseline: the trivial method wrapped by hand in Redisson's {@code tryLock}/{@code unlock}, as a careful
 * engineer writes it (same wait time and watchdog lease as {@code @OrderLock}'s defaults).
 */
public class HandWrittenOrders {

	private final RedissonClient redisson;

	private final BenchApplication.PlainOrders plain;

	HandWrittenOrders(RedissonClient redisson, BenchApplication.PlainOrders plain) {
		this.redisson = redisson;
		this.plain = plain;
	}

	public long touch(long orderId) throws InterruptedException {
		RLock lock = this.redisson.getLock(BenchApplication.RAW_PREFIX + orderId);
		if (!lock.tryLock(5000, -1, TimeUnit.MILLISECONDS)) {
			throw new IllegalStateException("Order " + orderId + " is busy");
		}
		try {
			return this.plain.touch(orderId);
		}
		finally {
			lock.unlock();
		}
	}

}
