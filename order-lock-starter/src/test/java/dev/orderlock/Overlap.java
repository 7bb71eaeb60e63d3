package dev.orderlock;

import java.time.Duration;
import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicInteger;

/**
 * Who is inside a guarded body right now, per order and overall, and the most at once: a race test's witness.
 */
final class Overlap {

	private final Map<Object, AtomicInteger> inside = new ConcurrentHashMap<>();

	private final Duration bodyTime;

	final AtomicInteger maxInsideOneOrder = new AtomicInteger();

	final AtomicInteger insideAnyOrder = new AtomicInteger();

	final AtomicInteger maxInsideAnyOrder = new AtomicInteger();

	Overlap(Duration bodyTime) {
		this.bodyTime = bodyTime;
	}

	/** A guarded body for several orders at once (a batch): counts itself into each, sleeps, counts itself out. */
	void bodyOfAll(Collection<?> orders) {
		List<AtomicInteger> entered = new ArrayList<>();
		for (Object order : orders) {
			AtomicInteger forOrder = this.inside.computeIfAbsent(order, (o) -> new AtomicInteger());
			this.maxInsideOneOrder.accumulateAndGet(forOrder.incrementAndGet(), Math::max);
			entered.add(forOrder);
		}
		this.maxInsideAnyOrder.accumulateAndGet(this.insideAnyOrder.incrementAndGet(), Math::max);
		try {
			OrderLockTemplateTests.sleep(this.bodyTime);
		}
		finally {
			this.insideAnyOrder.decrementAndGet();
			entered.forEach(AtomicInteger::decrementAndGet);
		}
	}

	/** A guarded body for {@code order}: counts itself in, sleeps the body time, counts itself out. */
	void body(Object order) {
		AtomicInteger forOrder = this.inside.computeIfAbsent(order, (o) -> new AtomicInteger());
		this.maxInsideOneOrder.accumulateAndGet(forOrder.incrementAndGet(), Math::max);
		this.maxInsideAnyOrder.accumulateAndGet(this.insideAnyOrder.incrementAndGet(), Math::max);
		try {
			OrderLockTemplateTests.sleep(this.bodyTime);
		}
		finally {
			this.insideAnyOrder.decrementAndGet();
			forOrder.decrementAndGet();
		}
	}

}
