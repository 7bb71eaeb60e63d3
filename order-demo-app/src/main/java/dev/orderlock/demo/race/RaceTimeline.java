package dev.orderlock.demo.race;

import java.util.ArrayList;
import java.util.List;

/**
 * When each call of a race ran, for the first {@value #DRAWN} orders: what the web page draws. Times are
 * microseconds since the moment the race released its requests, from the wall clock of the machine (the race client
 * and the instances read the same one when they run on one machine; across machines the axis is only as good as
 * their clock sync).
 *
 * @param drawnOrders how many orders are recorded here (the first ones of the race, at most {@value #DRAWN})
 * @param overlappingOrders how many of them had a {@code pay} and a {@code cancel} body running at the same time
 * @param orders one timeline per recorded order, in the race's order
 */
public record RaceTimeline(int drawnOrders, int overlappingOrders, List<OrderTimeline> orders) {

	/** At most this many orders of a race are recorded, to keep the runs kept in memory small. */
	public static final int DRAWN = 20;

	public RaceTimeline {
		orders = List.copyOf(orders);
	}

	/** No timeline (a result built without one). */
	static RaceTimeline none() {
		return new RaceTimeline(0, 0, List.of());
	}

	static RaceTimeline of(List<OrderTimeline> orders) {
		int overlapping = (int) orders.stream().filter((order) -> !order.overlaps().isEmpty()).count();
		return new RaceTimeline(orders.size(), overlapping, orders);
	}

	/**
	 * Where a {@code pay} and a {@code cancel} body of one order ran at the same time: the intersection of every
	 * pay body with every cancel body that is longer than zero (bodies that only touch do not overlap), earliest
	 * first. Calls whose body never started (lock busy, no timing from the instance) take no part.
	 */
	static List<Span> overlaps(List<Call> calls) {
		List<Span> found = new ArrayList<>();
		for (Call pay : calls) {
			if (!pay.operation().equals("pay") || pay.body() == null) {
				continue;
			}
			for (Call cancel : calls) {
				if (!cancel.operation().equals("cancel") || cancel.body() == null) {
					continue;
				}
				long from = Math.max(pay.body().fromMicros(), cancel.body().fromMicros());
				long to = Math.min(pay.body().toMicros(), cancel.body().toMicros());
				if (to > from) {
					found.add(new Span(from, to));
				}
			}
		}
		found.sort((a, b) -> Long.compare(a.fromMicros(), b.fromMicros()));
		return found;
	}

	/**
	 * One order's calls and where they overlapped.
	 *
	 * @param orderId the order
	 * @param calls its {@code pay} and {@code cancel}
	 * @param overlaps where a pay body and a cancel body ran at the same time ({@link RaceTimeline#overlaps})
	 */
	public record OrderTimeline(long orderId, List<Call> calls, List<Span> overlaps) {

		public OrderTimeline {
			calls = List.copyOf(calls);
			overlaps = List.copyOf(overlaps);
		}

		static OrderTimeline of(long orderId, List<Call> calls) {
			return new OrderTimeline(orderId, calls, RaceTimeline.overlaps(calls));
		}

	}

	/**
	 * One {@code pay} or {@code cancel} request of the race. The server times are null when the instance kept none
	 * (it has no {@code /timings}, or dropped them); {@code startedMicros}/{@code endedMicros} are null when the
	 * guarded body never started; the client times are null when the request never came back.
	 *
	 * @param operation {@code pay} or {@code cancel}
	 * @param instance which instance served it (0 for the first of the race's instances)
	 * @param status the HTTP status it answered (-1: no answer)
	 * @param code the problem's {@code code} when it was not a 200
	 * @param sentMicros when the race client sent it
	 * @param arrivedMicros when the instance's controller got it, before the lock was asked for
	 * @param startedMicros when its guarded body started: the lock held (when the lock is on)
	 * @param endedMicros when its guarded body ended, before the lock was released
	 * @param leftMicros when the instance's controller was done, after the release
	 * @param answeredMicros when the race client had the answer
	 */
	public record Call(String operation, int instance, int status, String code, Long sentMicros, Long arrivedMicros,
			Long startedMicros, Long endedMicros, Long leftMicros, Long answeredMicros) {

		/** The guarded body, or null if it never ran (or the instance kept no timing). */
		Span body() {
			return (this.startedMicros != null && this.endedMicros != null)
					? new Span(this.startedMicros, this.endedMicros) : null;
		}

	}

	/** A stretch of time, in microseconds since the race released its requests. */
	public record Span(long fromMicros, long toMicros) {
	}

}
