package dev.orderlock.demo.order;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Instant;
import java.util.List;
import java.util.Map;
import java.util.OptionalLong;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;

import dev.orderlock.demo.DemoInstance;
import dev.orderlock.demo.Http;
import dev.orderlock.demo.payment.PaymentGateway;
import dev.orderlock.test.OtherInstance;
import dev.orderlock.testredis.TestRedis;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.tuple;

/**
 * The orders API over real HTTP, on one instance with the lock on, real Redis and an H2 database: the contract,
 * every bad-input case, the lock-busy answer, and the timeout job going through the lock.
 */
class OrderApiTests {

	private static DemoInstance app;

	private static OtherInstance otherInstance;

	@BeforeAll
	static void start() {
		Map<String, String> settings = DemoInstance.defaults(DemoInstance.h2("order-api-tests"));
		settings.put("order-lock.wait-time", "300ms");
		settings.put("demo.payment.latency", "50ms");
		// The job is on, as in production, but never fires by itself during the tests: they call it directly.
		settings.put("demo.orders.timeout-job.enabled", "true");
		settings.put("demo.orders.timeout-check-interval", "1h");
		app = DemoInstance.start(settings);
		otherInstance = OtherInstance.connect(TestRedis.shared(), "order-lock");
	}

	@AfterAll
	static void stop() {
		otherInstance.close();
		app.close();
	}

	@Test
	void createAnswers201WithLocationAndPendingOrder() {
		HttpResponse<String> response = Http.postJson(app.url("/api/orders"),
				"{\"customerId\": \"c-1\", \"amountCents\": 1999}");

		assertThat(response.statusCode()).isEqualTo(201);
		Map<String, Object> order = Http.object(response);
		assertThat(order).containsEntry("customerId", "c-1")
			.containsEntry("amountCents", 1999)
			.containsEntry("status", "PENDING_PAYMENT")
			.containsKeys("id", "createdAt", "updatedAt");
		String location = response.headers().firstValue("Location").orElseThrow();
		assertThat(location).isEqualTo("/api/orders/" + order.get("id"));
		assertThat(Http.object(Http.get(app.url(location)))).containsEntry("id", order.get("id"))
			.containsEntry("status", "PENDING_PAYMENT");
	}

	@Test
	void payChargesOnceAndMarksThePaidOrder() {
		long id = createOrder(2500);

		HttpResponse<String> paid = Http.post(app.url("/api/orders/" + id + "/pay"));

		assertThat(paid.statusCode()).isEqualTo(200);
		assertThat(Http.object(paid)).containsEntry("status", "PAID").containsEntry("amountCents", 2500);
		assertThat(status(id)).isEqualTo("PAID");
		List<Map<String, Object>> ledger = payments(id);
		assertThat(ledger).hasSize(1);
		assertThat(ledger.get(0)).containsEntry("type", "CHARGE").containsEntry("amountCents", 2500);
		assertThat(Instant.parse((String) ledger.get(0).get("at"))).isBefore(Instant.now().plusSeconds(1));
	}

	@Test
	void lockMetricsAreOnTheActuatorByMethodAndNeverByOrder() {
		long id = createOrder(2500);
		assertThat(Http.post(app.url("/api/orders/" + id + "/pay")).statusCode()).isEqualTo(200);

		HttpResponse<String> waits = Http.get(app.url("/actuator/metrics/order.lock.wait"
				+ "?tag=name:OrderService.pay&tag=outcome:acquired"));
		assertThat(waits.statusCode()).isEqualTo(200);
		assertThat(waits.body()).contains("\"COUNT\"").doesNotContain("\"" + id + "\"");
		assertThat(measurement(waits, "COUNT")).isGreaterThanOrEqualTo(1);
		HttpResponse<String> held = Http.get(app.url("/actuator/metrics/order.lock.held?tag=name:OrderService.pay"));
		assertThat(held.statusCode()).isEqualTo(200);
		assertThat(measurement(held, "COUNT")).isGreaterThanOrEqualTo(1);
		HttpResponse<String> lost = Http.get(app.url("/actuator/metrics/order.lock.lease.lost"));
		assertThat(lost.statusCode()).isEqualTo(200);
		assertThat(measurement(lost, "COUNT")).isZero();
	}

	@SuppressWarnings("unchecked")
	private static double measurement(HttpResponse<String> metric, String statistic) {
		return ((List<Map<String, Object>>) Http.object(metric).get("measurements")).stream()
			.filter((measurement) -> statistic.equals(measurement.get("statistic")))
			.map((measurement) -> ((Number) measurement.get("value")).doubleValue())
			.findFirst()
			.orElseThrow();
	}

	@Test
	void paymentWritesItsFencingTokenAndAnOlderTokenCannotOverwriteIt() {
		long id = createOrder(2500);
		assertThat(Http.post(app.url("/api/orders/" + id + "/pay")).statusCode()).isEqualTo(200);
		OrderRepository orders = app.bean(OrderRepository.class);
		long fence = orders.fence(id);
		assertThat(fence).as("the pay's fencing token, stored with PAID").isPositive();

		// What a cancel that got the lock before the payment, then was paused past its lease, would write now.
		Order stale = orders.find(id).orElseThrow();
		assertThat(orders.updateStatus(stale, OrderStatus.CANCELLED, null, Instant.now(), OptionalLong.of(fence - 1)))
			.isFalse();
		assertThat(status(id)).isEqualTo("PAID");
		assertThat(orders.fence(id)).isEqualTo(fence);
	}

	@Test
	void cancelMarksTheOrderCancelledWithoutMovingMoney() {
		long id = createOrder(1000);

		HttpResponse<String> cancelled = Http.post(app.url("/api/orders/" + id + "/cancel"));

		assertThat(cancelled.statusCode()).isEqualTo(200);
		assertThat(Http.object(cancelled)).containsEntry("status", "CANCELLED");
		assertThat(payments(id)).isEmpty();
	}

	@Test
	void cancelRefundsAChargeThatSlippedPastTheLock() {
		long id = createOrder(1500);
		// A charge the order's status does not know about: what a payment racing without the lock leaves behind.
		app.bean(PaymentGateway.class).charge(id, 1500);

		HttpResponse<String> cancelled = Http.post(app.url("/api/orders/" + id + "/cancel"));

		assertThat(cancelled.statusCode()).isEqualTo(200);
		assertThat(payments(id)).extracting(entry -> entry.get("type"), entry -> entry.get("amountCents"))
			.containsExactly(tuple("CHARGE", 1500), tuple("REFUND", 1500));
	}

	@Test
	void payAdoptsTheChargeOfAPaymentThatCrashedInsteadOfChargingTwice() {
		long id = createOrder(1500);
		// What a payment whose instance died after the gateway took the money leaves behind; here two of them.
		app.bean(PaymentGateway.class).charge(id, 1500);
		app.bean(PaymentGateway.class).charge(id, 1500);

		HttpResponse<String> paid = Http.post(app.url("/api/orders/" + id + "/pay"));

		assertThat(paid.statusCode()).as(paid.body()).isEqualTo(200);
		assertThat(Http.object(paid)).containsEntry("status", "PAID");
		assertThat(payments(id)).extracting(entry -> entry.get("type"), entry -> entry.get("amountCents"))
			.as("one charge adopted, the other refunded, none added")
			.containsExactly(tuple("CHARGE", 1500), tuple("CHARGE", 1500), tuple("REFUND", 1500));
	}

	@Test
	void paidOrderCannotBeCancelled() {
		long id = createOrder(1000);
		Http.post(app.url("/api/orders/" + id + "/pay"));

		HttpResponse<String> cancel = Http.post(app.url("/api/orders/" + id + "/cancel"));

		assertProblem(cancel, 409, "ORDER_NOT_CANCELLABLE");
		assertThat(Http.object(cancel)).containsEntry("orderStatus", "PAID");
		assertThat(status(id)).isEqualTo("PAID");
		assertThat(payments(id)).hasSize(1);
	}

	@Test
	void cancelledOrderCannotBePaid() {
		long id = createOrder(1000);
		Http.post(app.url("/api/orders/" + id + "/cancel"));

		HttpResponse<String> pay = Http.post(app.url("/api/orders/" + id + "/pay"));

		assertProblem(pay, 409, "ORDER_NOT_PAYABLE");
		assertThat(status(id)).isEqualTo("CANCELLED");
		assertThat(payments(id)).isEmpty();
	}

	@Test
	void paidOrderIsNotChargedTwice() {
		long id = createOrder(1000);
		Http.post(app.url("/api/orders/" + id + "/pay"));

		assertProblem(Http.post(app.url("/api/orders/" + id + "/pay")), 409, "ORDER_NOT_PAYABLE");
		assertThat(payments(id)).hasSize(1);
	}

	@Test
	void payAndCancelAnswer409WhileTheOrdersLockIsHeldElsewhere() {
		long id = createOrder(1000);

		withLockHeld(id, () -> {
			HttpResponse<String> busy = Http.post(app.url("/api/orders/" + id + "/pay"));
			assertProblem(busy, 409, "ORDER_LOCKED");
			assertThat(((Number) Http.object(busy).get("orderId")).longValue()).isEqualTo(id);
			assertProblem(Http.post(app.url("/api/orders/" + id + "/cancel")), 409, "ORDER_LOCKED");
		});

		assertThat(status(id)).isEqualTo("PENDING_PAYMENT");
		assertThat(payments(id)).isEmpty();
		assertThat(Http.post(app.url("/api/orders/" + id + "/pay")).statusCode()).isEqualTo(200);
	}

	@Test
	void timeoutJobCancelsUnpaidOrdersThroughTheSameLock() {
		long expired = createOrder(1000);
		long busy = createOrder(1000);
		long paid = createOrder(1000);
		Http.post(app.url("/api/orders/" + paid + "/pay"));
		OrderTimeoutJob job = app.bean(OrderTimeoutJob.class);

		withLockHeld(busy, () -> job.cancelUnpaidCreatedBefore(Instant.now().plusSeconds(1)));

		assertThat(status(expired)).isEqualTo("CANCELLED");
		assertThat(status(busy)).as("its lock was held: skipped until the next round").isEqualTo("PENDING_PAYMENT");
		assertThat(status(paid)).isEqualTo("PAID");
		assertThat(job.cancelUnpaidCreatedBefore(Instant.now().plusSeconds(1))).isGreaterThanOrEqualTo(1);
		assertThat(status(busy)).isEqualTo("CANCELLED");
	}

	@Test
	void timeoutJobLeavesRecentOrdersAlone() {
		long recent = createOrder(1000);

		app.bean(OrderTimeoutJob.class).cancelUnpaidCreatedBefore(Instant.now().minusSeconds(60));

		assertThat(status(recent)).isEqualTo("PENDING_PAYMENT");
	}

	static Stream<Arguments> badRequests() {
		String orders = "/api/orders";
		String json = "application/json";
		return Stream.of(
				Arguments.of("malformed JSON", "POST", orders, json, "{\"customerId\": ", 400, "MALFORMED_REQUEST"),
				Arguments.of("empty body", "POST", orders, json, "", 400, "MALFORMED_REQUEST"),
				Arguments.of("JSON null", "POST", orders, json, "null", 400, "MALFORMED_REQUEST"),
				Arguments.of("JSON array", "POST", orders, json, "[]", 400, "MALFORMED_REQUEST"),
				Arguments.of("missing customerId", "POST", orders, json, "{\"amountCents\": 1999}", 400,
						"INVALID_ORDER"),
				Arguments.of("blank customerId", "POST", orders, json, "{\"customerId\": \" \", \"amountCents\": 1}",
						400, "INVALID_ORDER"),
				Arguments.of("too long customerId", "POST", orders, json,
						"{\"customerId\": \"" + "c".repeat(101) + "\", \"amountCents\": 1}", 400, "INVALID_ORDER"),
				Arguments.of("missing amount", "POST", orders, json, "{\"customerId\": \"c-1\"}", 400, "INVALID_ORDER"),
				Arguments.of("null amount", "POST", orders, json, "{\"customerId\": \"c-1\", \"amountCents\": null}",
						400, "INVALID_ORDER"),
				Arguments.of("negative amount", "POST", orders, json, "{\"customerId\": \"c-1\", \"amountCents\": -1}",
						400, "INVALID_ORDER"),
				Arguments.of("zero amount", "POST", orders, json, "{\"customerId\": \"c-1\", \"amountCents\": 0}", 400,
						"INVALID_ORDER"),
				Arguments.of("amount not a number", "POST", orders, json,
						"{\"customerId\": \"c-1\", \"amountCents\": \"lots\"}", 400, "MALFORMED_REQUEST"),
				Arguments.of("amount overflowing a long", "POST", orders, json,
						"{\"customerId\": \"c-1\", \"amountCents\": 99999999999999999999}", 400, "MALFORMED_REQUEST"),
				Arguments.of("wrong content type", "POST", orders, "text/plain", "customerId=c-1", 415,
						"UNSUPPORTED_MEDIA_TYPE"),
				Arguments.of("no content type", "POST", orders, null, "{\"customerId\": \"c-1\"}", 415,
						"UNSUPPORTED_MEDIA_TYPE"),
				Arguments.of("unknown order", "GET", "/api/orders/987654321", null, null, 404, "ORDER_NOT_FOUND"),
				Arguments.of("pay unknown order", "POST", "/api/orders/987654321/pay", null, null, 404,
						"ORDER_NOT_FOUND"),
				Arguments.of("cancel unknown order", "POST", "/api/orders/987654321/cancel", null, null, 404,
						"ORDER_NOT_FOUND"),
				Arguments.of("payments of unknown order", "GET", "/api/orders/987654321/payments", null, null, 404,
						"ORDER_NOT_FOUND"),
				Arguments.of("id not a number", "GET", "/api/orders/abc", null, null, 400, "MALFORMED_REQUEST"),
				Arguments.of("pay id not a number", "POST", "/api/orders/abc/pay", null, null, 400,
						"MALFORMED_REQUEST"),
				Arguments.of("id overflowing a long", "GET", "/api/orders/99999999999999999999", null, null, 400,
						"MALFORMED_REQUEST"),
				Arguments.of("unsupported method", "DELETE", "/api/orders/1", null, null, 405, "METHOD_NOT_ALLOWED"),
				Arguments.of("unknown path", "GET", "/api/nothing-here", null, null, 404, "NOT_FOUND"));
	}

	@ParameterizedTest(name = "{0}")
	@MethodSource("badRequests")
	void badInputIsA4xxProblemNeverAStackTrace(String description, String method, String path, String contentType,
			String body, int status, String code) {
		HttpRequest.Builder request = HttpRequest.newBuilder(app.url(path))
			.method(method, (body != null) ? HttpRequest.BodyPublishers.ofString(body)
					: HttpRequest.BodyPublishers.noBody());
		if (contentType != null) {
			request.header("Content-Type", contentType);
		}

		HttpResponse<String> response = Http.send(request);

		assertProblem(response, status, code);
		assertThat(response.body()).doesNotContain("Exception").doesNotContain("\tat ").doesNotContain("dev.orderlock");
	}

	private static void assertProblem(HttpResponse<String> response, int status, String code) {
		assertThat(response.statusCode()).as(response.body()).isEqualTo(status);
		assertThat(Http.contentType(response)).startsWith("application/problem+json");
		assertThat(Http.object(response)).containsEntry("code", code).containsEntry("status", status);
	}

	/** Holds the order's lock as another instance would (order-lock-test's OtherInstance) while running. */
	private static void withLockHeld(long orderId, Runnable action) {
		try (OtherInstance.Hold hold = otherInstance.hold(String.valueOf(orderId))) {
			action.run();
		}
	}

	private static long createOrder(long amountCents) {
		HttpResponse<String> response = Http.postJson(app.url("/api/orders"),
				"{\"customerId\": \"c-test\", \"amountCents\": " + amountCents + "}");
		assertThat(response.statusCode()).isEqualTo(201);
		return ((Number) Http.object(response).get("id")).longValue();
	}

	private static String status(long id) {
		return (String) Http.object(Http.get(app.url("/api/orders/" + id))).get("status");
	}

	private static List<Map<String, Object>> payments(long id) {
		HttpResponse<String> response = Http.get(app.url("/api/orders/" + id + "/payments"));
		assertThat(response.statusCode()).isEqualTo(200);
		return Http.list(response);
	}

}
