package dev.orderlock.demo.race;

import java.net.URI;
import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import dev.orderlock.demo.DemoInstance;
import dev.orderlock.demo.Http;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The race with two application instances (two Spring contexts, each with its own {@code RedissonClient}, one shared
 * database, one Redis): no wrong outcome with the lock, and the very same race with {@code order-lock.enabled=false}
 * shows them, which proves this test can fail.
 */
class TwoInstanceRaceTests {

	private static final int ORDERS = 30;

	private static Pair locked;

	@BeforeAll
	static void startLockedPair() {
		locked = Pair.start(true);
	}

	@AfterAll
	static void stopLockedPair() {
		locked.close();
	}

	@Test
	void withTheLockNoOrderIsBothCancelledAndPaid() {
		Race race = new Race();
		assertThat(race.lockEnabled(locked.first().url())).isTrue();

		RaceResult result = race.run(true, locked.urls(), ORDERS);

		assertThat(result.errors()).as("unexpected answers: %s", result).isZero();
		assertThat(result.bothSucceeded()).as("%s", result).isZero();
		assertThat(result.chargedThenCancelled()).as("%s", result).isZero();
		assertThat(result.ledgerMismatches()).as("%s", result).isZero();
		assertThat(result.paid() + result.cancelled()).as("every order ended in a final state").isEqualTo(ORDERS);
	}

	@Test
	void withoutTheLockTheSameRaceProducesWrongOutcomes() {
		try (Pair pair = Pair.start(false)) {
			Race race = new Race();
			assertThat(race.lockEnabled(pair.first().url())).isFalse();

			RaceResult result = race.run(false, pair.urls(), ORDERS);

			assertThat(result.errors()).as("unexpected answers: %s", result).isZero();
			assertThat(result.violations()).as("lock off must show the bug: %s", result).isPositive();
			assertThat(result.bothSucceeded()).as("%s", result).isPositive();
		}
	}

	@Test
	void withTheLockTheTimelineShowsNoOverlapButTheWaitTheLockAdds() {
		RaceResult result = new Race().run(true, locked.urls(), ORDERS);

		RaceTimeline timeline = result.timeline();
		assertThat(timeline.drawnOrders()).isEqualTo(RaceTimeline.DRAWN);
		assertThat(timeline.orders()).hasSize(RaceTimeline.DRAWN);
		for (RaceTimeline.OrderTimeline order : timeline.orders()) {
			assertThat(order.calls()).extracting(RaceTimeline.Call::operation).containsExactly("pay", "cancel");
			assertThat(order.calls()).extracting(RaceTimeline.Call::instance).containsExactlyInAnyOrder(0, 1);
			for (RaceTimeline.Call call : order.calls()) {
				// Every call got the lock in the end (wait-time 5s), so each has a body, inside its request.
				assertThat(call.startedMicros()).as("%s", call).isNotNull();
				assertThat(call.sentMicros()).as("%s", call).isNotNegative();
				assertThat(call.arrivedMicros()).as("%s", call).isLessThanOrEqualTo(call.startedMicros());
				assertThat(call.startedMicros()).as("%s", call).isLessThanOrEqualTo(call.endedMicros());
				assertThat(call.endedMicros()).as("%s", call).isLessThanOrEqualTo(call.leftMicros());
				assertThat(call.leftMicros()).as("%s", call).isLessThanOrEqualTo(call.answeredMicros());
			}
			assertThat(order.overlaps()).as("pay and cancel of order %d ran at the same time: %s", order.orderId(),
					order.calls()).isEmpty();
		}
		assertThat(timeline.overlappingOrders()).isZero();
		// Where the payment got the lock first, the cancel waited for most of its 400 ms at the gateway.
		long longestWait = timeline.orders().stream().flatMap((order) -> order.calls().stream())
			.mapToLong((call) -> call.startedMicros() - call.arrivedMicros()).max().orElseThrow();
		assertThat(longestWait).as("the wait the lock adds, in µs").isGreaterThan(200_000);
	}

	@Test
	void withoutTheLockTheTimelineShowsPayAndCancelRunningAtTheSameTime() {
		try (Pair pair = Pair.start(false)) {
			RaceResult result = new Race().run(false, pair.urls(), ORDERS);

			RaceTimeline timeline = result.timeline();
			assertThat(timeline.drawnOrders()).isEqualTo(RaceTimeline.DRAWN);
			assertThat(timeline.overlappingOrders()).as("%s", timeline).isPositive();
			for (RaceTimeline.OrderTimeline order : timeline.orders()) {
				// Both answered 200 only if each read the order before the other wrote it: their bodies overlapped.
				boolean bothSucceeded = order.calls().stream().allMatch((call) -> call.status() == 200);
				if (bothSucceeded) {
					assertThat(order.overlaps()).as("order %d: %s", order.orderId(), order.calls()).isNotEmpty();
				}
			}
		}
	}

	@Test
	void cancelOnOneInstanceWaitsForThePaymentOnTheOtherThenRefuses() throws Exception {
		URI a = locked.urls().get(0);
		URI b = locked.urls().get(1);
		long id = ((Number) Http.object(Http.postJson(a.resolve("/api/orders"),
				"{\"customerId\": \"c-1\", \"amountCents\": 1999}")).get("id")).longValue();

		CompletableFuture<HttpResponse<String>> pay = CompletableFuture
			.supplyAsync(() -> Http.post(a.resolve("/api/orders/" + id + "/pay")));
		// The payment takes 400 ms at the gateway; the cancel arrives in the middle of it.
		TimeUnit.MILLISECONDS.sleep(150);
		HttpResponse<String> cancel = Http.post(b.resolve("/api/orders/" + id + "/cancel"));

		assertThat(pay.get(10, TimeUnit.SECONDS).statusCode()).isEqualTo(200);
		assertThat(cancel.statusCode()).as(cancel.body()).isEqualTo(409);
		assertThat(Http.object(cancel)).containsEntry("code", "ORDER_NOT_CANCELLABLE")
			.containsEntry("orderStatus", "PAID");
		List<Map<String, Object>> ledger = Http.list(Http.get(b.resolve("/api/orders/" + id + "/payments")));
		assertThat(ledger).extracting(entry -> entry.get("type")).containsExactly("CHARGE");
	}

	/** Two instances on one fresh database and the shared test Redis. */
	private record Pair(DemoInstance first, DemoInstance second) implements AutoCloseable {

		static Pair start(boolean lockEnabled) {
			Map<String, String> settings = DemoInstance.defaults(DemoInstance.h2("race-" + UUID.randomUUID()));
			settings.put("order-lock.enabled", String.valueOf(lockEnabled));
			settings.put("demo.payment.latency", "400ms");
			DemoInstance first = DemoInstance.start(settings);
			try {
				// Flyway has migrated the shared database already; the second instance only validates it.
				return new Pair(first, DemoInstance.start(settings));
			}
			catch (RuntimeException ex) {
				first.close();
				throw ex;
			}
		}

		List<URI> urls() {
			return List.of(this.first.url(), this.second.url());
		}

		@Override
		public void close() {
			this.second.close();
			this.first.close();
		}

	}

}
