package dev.orderlock.demo.race;

import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import dev.orderlock.demo.DemoInstance;
import dev.orderlock.demo.Http;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The race as the web page uses it: {@code POST /api/races} starts instances with the lock on and off on this
 * application's Redis and database, and {@code GET /api/races} lists the runs.
 */
class RaceApiTests {

	private static DemoInstance app;

	@BeforeAll
	static void start() {
		Map<String, String> settings = DemoInstance.defaults(DemoInstance.h2("race-api-tests"));
		settings.put("demo.payment.latency", "300ms");
		app = DemoInstance.start(settings);
	}

	@AfterAll
	static void stop() {
		app.close();
	}

	@Test
	void raceOverHttpRunsLockOnAndLockOffAndKeepsTheRun() {
		HttpResponse<String> response = Http.postJson(app.url("/api/races"), "{\"orders\": 10, \"instances\": 1}");

		assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
		Map<String, Object> run = Http.object(response);
		assertThat(run).containsEntry("orders", 10).containsEntry("instances", 1).containsEntry("latencyMillis", 300);
		@SuppressWarnings("unchecked")
		Map<String, Object> on = (Map<String, Object>) run.get("lockOn");
		@SuppressWarnings("unchecked")
		Map<String, Object> off = (Map<String, Object>) run.get("lockOff");
		assertThat(on).containsEntry("lockEnabled", true)
			.containsEntry("bothSucceeded", 0)
			.containsEntry("chargedThenCancelled", 0)
			.containsEntry("ledgerMismatches", 0)
			.containsEntry("errors", 0);
		assertThat(off).containsEntry("lockEnabled", false).containsEntry("orders", 10).containsEntry("errors", 0);
		assertThat((Integer) off.get("bothSucceeded")).as("lock off shows the bug: %s", off).isPositive();
		assertThat(timeline(on)).containsEntry("drawnOrders", 10).containsEntry("overlappingOrders", 0);
		assertThat((Integer) timeline(off).get("overlappingOrders")).as("%s", timeline(off)).isPositive();
		Map<String, Object> order = orders(off).stream()
			.filter((o) -> !((List<?>) o.get("overlaps")).isEmpty())
			.findFirst()
			.orElseThrow();
		@SuppressWarnings("unchecked")
		List<Map<String, Object>> calls = (List<Map<String, Object>>) order.get("calls");
		assertThat(calls).extracting((call) -> call.get("operation")).containsExactly("pay", "cancel");
		assertThat(calls.get(0)).containsKeys("instance", "status", "code", "sentMicros", "arrivedMicros",
				"startedMicros", "endedMicros", "leftMicros", "answeredMicros");
		assertThat(orders(on)).allSatisfy((o) -> assertThat((List<?>) o.get("overlaps")).isEmpty());

		List<Map<String, Object>> runs = Http.list(Http.get(app.url("/api/races")));
		assertThat(runs).hasSize(1);
		assertThat(runs.get(0)).containsEntry("at", run.get("at"));
	}

	@Test
	void anInstanceKeepsWhenItsCallsArrivedRanTheirBodyAndLeft() {
		long id = ((Number) Http.object(Http.postJson(app.url("/api/orders"),
				"{\"customerId\": \"c-t\", \"amountCents\": 500}")).get("id")).longValue();
		assertThat(Http.post(app.url("/api/orders/" + id + "/pay")).statusCode()).isEqualTo(200);
		assertThat(Http.post(app.url("/api/orders/" + id + "/cancel")).statusCode()).isEqualTo(409);

		List<Map<String, Object>> timings = Http.list(Http.get(app.url("/api/orders/" + id + "/timings")));

		assertThat(timings).extracting((t) -> t.get("operation")).containsExactly("pay", "cancel");
		Map<String, Object> pay = timings.get(0);
		long arrived = ((Number) pay.get("arrivedMicros")).longValue();
		long started = ((Number) pay.get("startedMicros")).longValue();
		long ended = ((Number) pay.get("endedMicros")).longValue();
		long left = ((Number) pay.get("leftMicros")).longValue();
		assertThat(arrived).isLessThanOrEqualTo(started);
		// The body holds the 300 ms charge at the gateway.
		assertThat(ended - started).isGreaterThanOrEqualTo(300_000);
		assertThat(ended).isLessThanOrEqualTo(left);
		assertThat(((Number) timings.get(1).get("startedMicros")).longValue()).isGreaterThanOrEqualTo(left);
		assertThat(Http.list(Http.get(app.url("/api/orders/" + (id + 1000) + "/timings")))).isEmpty();
	}

	@Test
	void raceWithBadSettingsIsRefused() {
		HttpResponse<String> response = Http.postJson(app.url("/api/races"), "{\"orders\": 0, \"instances\": 3}");

		assertThat(response.statusCode()).isEqualTo(400);
		assertThat(Http.object(response)).containsEntry("code", "INVALID_RACE");
	}

	@Test
	void webPageIsServed() {
		HttpResponse<String> page = Http.get(app.url("/"));

		assertThat(page.statusCode()).isEqualTo(200);
		assertThat(Http.contentType(page)).startsWith("text/html");
		assertThat(page.body()).contains("/api/races", "/actuator/orderlocks", "id=\"timeline\"");
	}

	@SuppressWarnings("unchecked")
	private static Map<String, Object> timeline(Map<String, Object> result) {
		return (Map<String, Object>) result.get("timeline");
	}

	@SuppressWarnings("unchecked")
	private static List<Map<String, Object>> orders(Map<String, Object> result) {
		return (List<Map<String, Object>>) timeline(result).get("orders");
	}

	@Test
	void tablePutsLockOnAndLockOffSideBySide() {
		RaceRun run = new RaceRun(java.time.Instant.now(), 50, 2, 300,
				new RaceResult(true, 2, 50, 30, 20, 0, 0, 0, 0, 0, 600),
				new RaceResult(false, 2, 50, 45, 5, 44, 1, 0, 0, 0, 400));

		String table = RaceTable.format(run);

		assertThat(table).contains("lock ON", "lock OFF")
			.containsPattern("both succeeded\\s+0\\s+44")
			.containsPattern("charged then cancelled\\s+0\\s+1")
			.contains("Lock off: 45 wrong outcomes in 50 orders");
	}

}
