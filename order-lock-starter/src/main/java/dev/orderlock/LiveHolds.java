package dev.orderlock;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import org.apache.commons.logging.Log;
import org.apache.commons.logging.LogFactory;

/**
 * The holds of one template not released yet: what the {@code orderlocks} endpoint lists, and what the lease check
 * looks at. While any hold is live, every {@code period} (a third of the watchdog's lease, the rhythm of Redisson's
 * own renewal) the holds older than one period are asked of Redis, so that a lock lost while its holder still runs
 * is found then, not only at its release: Redisson's watchdog tells nobody when a renewal fails. Nothing is
 * scheduled while no lock is held.
 */
final class LiveHolds {

	private static final Log logger = LogFactory.getLog(OrderLockTemplate.class);

	private final Set<HeldOrderLock> holds = ConcurrentHashMap.newKeySet();

	private final long periodNanos;

	private final AtomicBoolean checkScheduled = new AtomicBoolean();

	LiveHolds(Duration period) {
		this.periodNanos = period.toNanos();
	}

	void add(HeldOrderLock held) {
		this.holds.add(held);
		if (this.checkScheduled.compareAndSet(false, true)) {
			HeldOrderLock.Timer.INSTANCE.schedule(this::check, this.periodNanos, TimeUnit.NANOSECONDS);
		}
	}

	void remove(HeldOrderLock held) {
		this.holds.remove(held);
	}

	List<OrderLockHold> snapshot() {
		long now = System.nanoTime();
		List<OrderLockHold> snapshot = new ArrayList<>(this.holds.size());
		for (HeldOrderLock held : this.holds) {
			snapshot.add(held.describe(now));
		}
		return snapshot;
	}

	/** Asks Redis about every hold older than one period; runs again while any hold is live. */
	private void check() {
		long now = System.nanoTime();
		try {
			for (HeldOrderLock held : this.holds) {
				if (now - held.acquiredAt() >= this.periodNanos) {
					held.checkLeaseInBackground();
				}
			}
		}
		catch (RuntimeException ex) {
			logger.warn("Checking the leases of held order locks failed; the next check follows in one period.", ex);
		}
		finally {
			this.checkScheduled.set(false);
			if (!this.holds.isEmpty() && this.checkScheduled.compareAndSet(false, true)) {
				HeldOrderLock.Timer.INSTANCE.schedule(this::check, this.periodNanos, TimeUnit.NANOSECONDS);
			}
		}
	}

}
