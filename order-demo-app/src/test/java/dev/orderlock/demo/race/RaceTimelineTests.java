package dev.orderlock.demo.race;

import java.util.List;

import org.junit.jupiter.api.Test;

import dev.orderlock.demo.race.RaceTimeline.Call;
import dev.orderlock.demo.race.RaceTimeline.OrderTimeline;
import dev.orderlock.demo.race.RaceTimeline.Span;

import static org.assertj.core.api.Assertions.assertThat;

/** Where pay and cancel of one order ran at the same time, computed from their guarded bodies. */
class RaceTimelineTests {

	@Test
	void cancelInsideThePaymentOverlapsForItsWholeBody() {
		List<Span> overlaps = RaceTimeline.overlaps(List.of(body("pay", 1_000, 301_000), body("cancel", 5_000, 9_000)));

		assertThat(overlaps).containsExactly(new Span(5_000, 9_000));
	}

	@Test
	void bodiesThatCrossOverlapWhereBothRan() {
		assertThat(RaceTimeline.overlaps(List.of(body("cancel", 0, 50_000), body("pay", 40_000, 340_000))))
			.containsExactly(new Span(40_000, 50_000));
	}

	@Test
	void oneAfterTheOtherDoesNotOverlapEvenWhenTheyTouch() {
		assertThat(RaceTimeline.overlaps(List.of(body("pay", 0, 300_000), body("cancel", 300_000, 302_000))))
			.isEmpty();
		assertThat(RaceTimeline.overlaps(List.of(body("cancel", 0, 2_000), body("pay", 2_500, 302_500)))).isEmpty();
	}

	@Test
	void twoCallsOfTheSameOperationAreNoRace() {
		assertThat(RaceTimeline.overlaps(List.of(body("pay", 0, 300_000), body("pay", 10_000, 310_000)))).isEmpty();
		assertThat(RaceTimeline.overlaps(List.of(body("cancel", 0, 3_000), body("cancel", 1_000, 4_000)))).isEmpty();
	}

	@Test
	void aCallWhoseBodyNeverRanTakesNoPart() {
		Call gaveUp = new Call("cancel", 1, 409, "ORDER_LOCKED", 0L, 900L, null, null, 5_000_000L, 5_001_000L);
		Call noTimings = new Call("cancel", 1, 200, null, 0L, null, null, null, null, 3_000L);

		assertThat(RaceTimeline.overlaps(List.of(body("pay", 0, 300_000), gaveUp, noTimings))).isEmpty();
	}

	@Test
	void everyPayCancelPairCountsEarliestFirst() {
		List<Call> calls = List.of(body("pay", 100_000, 200_000), body("cancel", 150_000, 400_000),
				body("pay", 0, 50_000), body("cancel", 10_000, 20_000));

		assertThat(RaceTimeline.overlaps(calls)).containsExactly(new Span(10_000, 20_000),
				new Span(150_000, 200_000));
	}

	@Test
	void timelineCountsTheOrdersThatOverlapped() {
		OrderTimeline raced = OrderTimeline.of(1, List.of(body("pay", 0, 300_000), body("cancel", 100, 2_000)));
		OrderTimeline apart = OrderTimeline.of(2, List.of(body("pay", 0, 300_000), body("cancel", 300_500, 301_000)));

		RaceTimeline timeline = RaceTimeline.of(List.of(raced, apart));

		assertThat(timeline.drawnOrders()).isEqualTo(2);
		assertThat(timeline.overlappingOrders()).isEqualTo(1);
		assertThat(raced.overlaps()).containsExactly(new Span(100, 2_000));
		assertThat(apart.overlaps()).isEmpty();
	}

	private static Call body(String operation, long from, long to) {
		return new Call(operation, 0, 200, null, from - 500, from - 200, from, to, to + 300, to + 800);
	}

}
