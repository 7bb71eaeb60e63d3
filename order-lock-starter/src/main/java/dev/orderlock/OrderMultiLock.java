package dev.orderlock;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.redisson.RedissonMultiLock;
import org.redisson.api.RLock;

/**
 * The locks of several orders, taken all or nothing in the order given (the template passes them sorted, so two
 * callers never wait for each other in a cycle), each by its own Redis key, so on a cluster they may live in
 * different slots.
 * <p>
 * Redisson's {@link RedissonMultiLock} as it is would do, except where it hides failures: its {@code tryLock}
 * treats any exception as "not acquired" and retries until the wait time is over, so an unreachable Redis would look
 * like a busy order and an interrupt would be swallowed; and its {@code unlock} stops at the first lock that is no
 * longer ours, leaving the others held (and renewed by the watchdog). Here a failure releases what was taken and
 * reaches the caller, and {@code unlock} releases every lock (in parallel) before reporting a lost one.
 */
final class OrderMultiLock extends RedissonMultiLock {

	private final String name;

	private final List<RLock> ordered;

	OrderMultiLock(String name, List<RLock> ordered) {
		super(ordered.toArray(RLock[]::new));
		this.name = name;
		this.ordered = ordered;
	}

	@Override
	public String getName() {
		return this.name;
	}

	/**
	 * Takes the locks one after another, each waiting for what is left of {@code waitTime} (holding the ones before
	 * it meanwhile); if one cannot be had in time or fails, releases the ones taken.
	 */
	@Override
	public boolean tryLock(long waitTime, long leaseTime, TimeUnit unit) throws InterruptedException {
		long deadline = System.nanoTime() + unit.toNanos(waitTime);
		long leaseMillis = (leaseTime > 0) ? unit.toMillis(leaseTime) : -1;
		List<RLock> acquired = new ArrayList<>(this.ordered.size());
		boolean all = false;
		RLock current = null;
		try {
			for (RLock lock : this.ordered) {
				current = lock;
				long remaining = Math.max(0, TimeUnit.NANOSECONDS.toMillis(deadline - System.nanoTime()));
				boolean taken = lock.tryLock(remaining, leaseMillis, TimeUnit.MILLISECONDS);
				current = null;
				if (!taken) {
					return false;
				}
				acquired.add(lock);
			}
			all = true;
			return true;
		}
		finally {
			if (!all) {
				if (current != null) {
					// A script whose answer was lost may still have run: release that lock too, as Redisson does.
					acquired.add(current);
				}
				releaseQuietly(acquired);
			}
		}
	}

	/** Releases every lock in parallel; a lock no longer ours fails the returned join, after all were tried. */
	@Override
	public void unlock() {
		unlockAsync(Thread.currentThread().getId()).toCompletableFuture().join();
	}

	private void releaseQuietly(List<RLock> locks) {
		if (locks.isEmpty()) {
			return;
		}
		try {
			unlockInnerAsync(locks, Thread.currentThread().getId()).toCompletableFuture().join();
		}
		catch (RuntimeException ex) {
			// Not ours, or Redis failing: never replaces the outcome; an unreleased lock lapses after its lease.
		}
	}

}
