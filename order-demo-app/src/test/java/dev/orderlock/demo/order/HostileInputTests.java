package dev.orderlock.demo.order;

import java.io.IOException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.MethodOrderer;
import org.junit.jupiter.api.Order;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestMethodOrder;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.redisson.api.RLock;
import org.redisson.api.RedissonClient;
import org.redisson.api.options.KeysScanOptions;

import dev.orderlock.demo.DemoInstance;
import dev.orderlock.demo.Http;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What a hostile or careless client sends, beyond {@link OrderApiTests}' bad-input cases: JSON of the wrong shape,
 * bodies of megabytes, odd content types, ids that are no ids or name no order, control characters and any Unicode
 * in the customer. Every answer is a 4xx problem detail with a {@code code}; valid Unicode is kept exactly; and after
 * all of it no lock is left in Redis and a normal order still pays. On an instance with its own key prefix, so that
 * the Redis check sees only this class's locks.
 */
@TestMethodOrder(MethodOrderer.OrderAnnotation.class)
class HostileInputTests {

	private static final String PREFIX = "hostile-" + UUID.randomUUID();

	private static DemoInstance app;

	@BeforeAll
	static void start() {
		Map<String, String> settings = DemoInstance.defaults(DemoInstance.h2("hostile-input-tests"));
		settings.put("order-lock.key-prefix", PREFIX);
		settings.put("order-lock.wait-time", "300ms");
		settings.put("demo.payment.latency", "10ms");
		app = DemoInstance.start(settings);
	}

	@AfterAll
	static void stop() {
		app.close();
	}

	static Stream<Arguments> hostileRequests() {
		String orders = "/api/orders";
		String json = "application/json";
		return Stream.of(
				Arguments.of("customerId an object", "POST", orders, json,
						"{\"customerId\": {\"id\": \"c-1\"}, \"amountCents\": 1}", 400, "MALFORMED_REQUEST"),
				Arguments.of("customerId an array", "POST", orders, json,
						"{\"customerId\": [\"c-1\"], \"amountCents\": 1}", 400, "MALFORMED_REQUEST"),
				Arguments.of("amount a fraction", "POST", orders, json,
						"{\"customerId\": \"c-1\", \"amountCents\": 19.99}", 400, "MALFORMED_REQUEST"),
				Arguments.of("amount a boolean", "POST", orders, json,
						"{\"customerId\": \"c-1\", \"amountCents\": true}", 400, "MALFORMED_REQUEST"),
				Arguments.of("amount an object", "POST", orders, json,
						"{\"customerId\": \"c-1\", \"amountCents\": {\"value\": 1}}", 400, "MALFORMED_REQUEST"),
				Arguments.of("JSON string", "POST", orders, json, "\"c-1\"", 400, "MALFORMED_REQUEST"),
				Arguments.of("JSON number", "POST", orders, json, "42", 400, "MALFORMED_REQUEST"),
				Arguments.of("empty object", "POST", orders, json, "{}", 400, "INVALID_ORDER"),
				Arguments.of("trailing garbage", "POST", orders, json,
						"{\"customerId\": \"c-1\", \"amountCents\": 1} DROP TABLE orders", 400, "MALFORMED_REQUEST"),
				Arguments.of("two documents", "POST", orders, json,
						"{\"customerId\": \"c-1\", \"amountCents\": 1}{\"customerId\": \"c-2\", \"amountCents\": 2}",
						400, "MALFORMED_REQUEST"),
				Arguments.of("unterminated string", "POST", orders, json, "{\"customerId\": \"c-1", 400,
						"MALFORMED_REQUEST"),
				Arguments.of("deeply nested", "POST", orders, json, "[".repeat(5000) + "]".repeat(5000), 400,
						"MALFORMED_REQUEST"),
				Arguments.of("invalid unicode escape", "POST", orders, json,
						"{\"customerId\": \"\\uZZZZ\", \"amountCents\": 1}", 400, "MALFORMED_REQUEST"),
				Arguments.of("XML", "POST", orders, "application/xml",
						"<order><customerId>c-1</customerId><amountCents>1</amountCents></order>", 415,
						"UNSUPPORTED_MEDIA_TYPE"),
				Arguments.of("form", "POST", orders, "application/x-www-form-urlencoded",
						"customerId=c-1&amountCents=1", 415, "UNSUPPORTED_MEDIA_TYPE"),
				Arguments.of("content type garbage", "POST", orders, "not a/type;;", "{}", 415,
						"UNSUPPORTED_MEDIA_TYPE"),
				Arguments.of("customerId with a line break", "POST", orders, json,
						"{\"customerId\": \"c-1\\nWARN forged\", \"amountCents\": 1}", 400, "INVALID_ORDER"),
				Arguments.of("customerId with NUL", "POST", orders, json,
						"{\"customerId\": \"c-1\\u0000\", \"amountCents\": 1}", 400, "INVALID_ORDER"),
				Arguments.of("customerId with an escape sequence", "POST", orders, json,
						"{\"customerId\": \"\\u001b[31mc-1\", \"amountCents\": 1}", 400, "INVALID_ORDER"),
				Arguments.of("customerId with a line separator", "POST", orders, json,
						"{\"customerId\": \"c-1\\u2028c-2\", \"amountCents\": 1}", 400, "INVALID_ORDER"),
				Arguments.of("negative id", "GET", "/api/orders/-1", null, null, 404, "ORDER_NOT_FOUND"),
				Arguments.of("pay negative id", "POST", "/api/orders/-1/pay", null, null, 404, "ORDER_NOT_FOUND"),
				Arguments.of("cancel negative id", "POST", "/api/orders/-1/cancel", null, null, 404, "ORDER_NOT_FOUND"),
				Arguments.of("payments of negative id", "GET", "/api/orders/-1/payments", null, null, 404,
						"ORDER_NOT_FOUND"),
				Arguments.of("pay id zero", "POST", "/api/orders/0/pay", null, null, 404, "ORDER_NOT_FOUND"),
				Arguments.of("pay largest id", "POST", "/api/orders/9223372036854775807/pay", null, null, 404,
						"ORDER_NOT_FOUND"),
				Arguments.of("cancel smallest id", "POST", "/api/orders/-9223372036854775808/cancel", null, null, 404,
						"ORDER_NOT_FOUND"),
				Arguments.of("pay id overflowing a long", "POST", "/api/orders/9223372036854775808/pay", null, null,
						400, "MALFORMED_REQUEST"),
				Arguments.of("cancel id overflowing a long", "POST", "/api/orders/99999999999999999999/cancel", null,
						null, 400, "MALFORMED_REQUEST"),
				Arguments.of("payments id overflowing a long", "GET", "/api/orders/99999999999999999999/payments", null,
						null, 400, "MALFORMED_REQUEST"),
				Arguments.of("cancel id not a number", "POST", "/api/orders/abc/cancel", null, null, 400,
						"MALFORMED_REQUEST"),
				Arguments.of("payments id not a number", "GET", "/api/orders/abc/payments", null, null, 400,
						"MALFORMED_REQUEST"),
				Arguments.of("id a fraction", "POST", "/api/orders/1.5/pay", null, null, 400, "MALFORMED_REQUEST"),
				// Spring reads "0x10" and " 16 " as 16: the same order, and the same lock (see below).
				Arguments.of("id in hex", "POST", "/api/orders/0x3ADE68B1/pay", null, null, 404, "ORDER_NOT_FOUND"),
				Arguments.of("id with a glob", "POST", "/api/orders/*/pay", null, null, 400, "MALFORMED_REQUEST"),
				Arguments.of("id with a hash tag", "POST", "/api/orders/%7B1%7D/pay", null, null, 400,
						"MALFORMED_REQUEST"),
				Arguments.of("id with a line break", "POST", "/api/orders/987654321%0A/pay", null, null, 404,
						"ORDER_NOT_FOUND"),
				// Rejected by Tomcat before Spring MVC: answered by ProblemErrorReportValve.
				Arguments.of("id with NUL", "POST", "/api/orders/1%00/pay", null, null, 400, "MALFORMED_REQUEST"),
				Arguments.of("id with an encoded slash", "POST", "/api/orders/1%2F2/pay", null, null, 400,
						"MALFORMED_REQUEST"),
				Arguments.of("id an emoji", "POST", "/api/orders/%F0%9F%A7%BE/pay", null, null, 400,
						"MALFORMED_REQUEST"),
				Arguments.of("id of a thousand digits", "POST", "/api/orders/" + "9".repeat(1000) + "/pay", null, null,
						400, "MALFORMED_REQUEST"),
				// Issue 15, round two.
				Arguments.of("wildcard content type on races", "POST", "/api/races", "*/*", "{}", 415,
						"UNSUPPORTED_MEDIA_TYPE"),
				Arguments.of("wildcard subtype on orders", "POST", orders, "application/*", "{}", 415,
						"UNSUPPORTED_MEDIA_TYPE"),
				Arguments.of("the error page itself", "GET", "/error", null, null, 404, "NOT_FOUND"),
				// The actuator answers these 404 without a body: BodilessErrorFilter gives them one.
				Arguments.of("a health group that does not exist", "GET", "/actuator/health/no-such-group", null, null,
						404, "NOT_FOUND"),
				Arguments.of("a metric that does not exist", "GET", "/actuator/metrics/no.such.metric", null, null, 404,
						"NOT_FOUND"),
				// Tomcat throws when asked for parameters it cannot decode (was a 500 wherever they are read).
				Arguments.of("a query string that is not UTF-8", "GET",
						"/actuator/metrics/jvm.threads.live?tag=%ED%A0%80", null, null, 400, "MALFORMED_REQUEST"),
				Arguments.of("unsupported method", "DELETE", orders, null, null, 405, "METHOD_NOT_ALLOWED"),
				Arguments.of("unsupported method on an order", "PUT", "/api/orders/1", json, "{}", 405,
						"METHOD_NOT_ALLOWED"));
	}

	@ParameterizedTest(name = "{0}")
	@MethodSource("hostileRequests")
	@Order(1)
	void hostileRequestIsA4xxProblemNeverAStackTrace(String description, String method, String path,
			String contentType, String body, int status, String code) {
		HttpRequest.Builder request = HttpRequest.newBuilder(app.url(path))
			.method(method, (body != null) ? HttpRequest.BodyPublishers.ofString(body)
					: HttpRequest.BodyPublishers.noBody());
		if (contentType != null) {
			request.header("Content-Type", contentType);
		}

		assertProblem(Http.send(request), status, code);
	}

	@Test
	@Order(1)
	void customerIdOfFiveMegabytesIsRejected() {
		String body = "{\"customerId\": \"" + "c".repeat(5_000_000) + "\", \"amountCents\": 1}";

		assertProblem(Http.postJson(app.url("/api/orders"), body), 400, "INVALID_ORDER");
	}

	@Test
	@Order(1)
	void bodyOfFiveMegabytesOfWhiteSpaceOrGarbageIsRejected() {
		assertProblem(Http.postJson(app.url("/api/orders"), " ".repeat(5_000_000)), 400, "MALFORMED_REQUEST");
		assertProblem(Http.postJson(app.url("/api/orders"), "{\"customerId\": " + "x".repeat(5_000_000) + "}"), 400,
				"MALFORMED_REQUEST");
	}

	@ParameterizedTest(name = "{0}")
	@ValueSource(strings = { "\uD83E\uDDFE\uD83D\uDCB3 customer", "\u05DC\u05E7\u05D5\u05D7-42", "caf\u0065\u0301",
			"caf\u00E9", "\u202Eevil", "\uD83D\uDC68\u200D\uD83D\uDC69\u200D\uD83D\uDC67", "{tag}*?[a]:'\"\\",
			"'; DROP TABLE orders; --" })
	@Order(1)
	void unicodeCustomerIdIsKeptExactlyAndItsOrderPays(String customerId) {
		String body = "{\"customerId\": " + Http.jsonString(customerId) + ", \"amountCents\": 1234}";

		HttpResponse<String> created = Http.postJson(app.url("/api/orders"), body);

		assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
		long id = ((Number) Http.object(created).get("id")).longValue();
		assertThat(Http.object(Http.get(app.url("/api/orders/" + id)))).containsEntry("customerId", customerId);
		assertThat(Http.post(app.url("/api/orders/" + id + "/pay")).statusCode()).isEqualTo(200);
	}

	@Test
	@Order(1)
	void anotherSpellingOfAnOrdersIdTakesTheSameLock() throws Exception {
		long id = createOrder();
		RLock lock = app.bean(RedissonClient.class).getLock(PREFIX + ":" + id);
		CountDownLatch locked = new CountDownLatch(1);
		CountDownLatch release = new CountDownLatch(1);
		// Held by another thread, as another instance would.
		CompletableFuture<Void> holder = CompletableFuture.runAsync(() -> {
			lock.lock();
			try {
				locked.countDown();
				release.await(30, TimeUnit.SECONDS);
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
			}
			finally {
				lock.unlock();
			}
		});
		assertThat(locked.await(10, TimeUnit.SECONDS)).isTrue();
		try {
			for (String spelling : List.of("0x" + Long.toHexString(id), "%20" + id + "%0A", "+" + id, "00" + id)) {
				HttpResponse<String> busy = Http.post(app.url("/api/orders/" + spelling + "/pay"));
				assertProblem(busy, 409, "ORDER_LOCKED");
				assertThat(((Number) Http.object(busy).get("orderId")).longValue()).as(spelling).isEqualTo(id);
			}
		}
		finally {
			release.countDown();
			holder.get(10, TimeUnit.SECONDS);
		}
		assertThat(Http.post(app.url("/api/orders/0x" + Long.toHexString(id) + "/pay")).statusCode()).isEqualTo(200);
		assertThat(Http.list(Http.get(app.url("/api/orders/" + id + "/payments")))).hasSize(1);
	}

	@Test
	@Order(1)
	void jsonThatIsNotValidUtf8IsRefusedNotStoredAltered() {
		byte[] prefix = "{\"customerId\": \"c-".getBytes(StandardCharsets.UTF_8);
		byte[] suffix = "\", \"amountCents\": 1}".getBytes(StandardCharsets.UTF_8);
		// Overlong (C0 AF and E0 80 AF are "/") and past U+10FFFF: found by HttpApiFuzzTests, Jackson decoded them.
		for (byte[] invalid : new byte[][] { { (byte) 0xC3, (byte) 0x28 }, { (byte) 0xFF }, { (byte) 0xED, (byte) 0xA0,
				(byte) 0x80 }, { (byte) 0xC0, (byte) 0xAF }, { (byte) 0xE0, (byte) 0x80, (byte) 0xAF },
				{ (byte) 0xF4, (byte) 0x90, (byte) 0x80, (byte) 0x80 } }) {
			byte[] body = new byte[prefix.length + invalid.length + suffix.length];
			System.arraycopy(prefix, 0, body, 0, prefix.length);
			System.arraycopy(invalid, 0, body, prefix.length, invalid.length);
			System.arraycopy(suffix, 0, body, prefix.length + invalid.length, suffix.length);
			HttpResponse<String> response = Http.send(HttpRequest.newBuilder(app.url("/api/orders"))
				.header("Content-Type", "application/json")
				.POST(HttpRequest.BodyPublishers.ofByteArray(body)));
			assertProblem(response, 400, "MALFORMED_REQUEST");
		}
	}

	@Test
	@Order(1)
	void aMalformedAcceptHeaderIsA4xxProblem() {
		HttpResponse<String> response = Http.send(HttpRequest.newBuilder(app.url("/api/orders/1"))
			.header("Accept", "not a/type;;q=x"));
		assertThat(response.statusCode()).as(response.body()).isBetween(400, 499);
		assertThat(Http.contentType(response)).startsWith("application/problem+json");
		assertThat(Http.object(response)).containsKey("code");
	}

	@Test
	@Order(1)
	void aHeadOfAnActuatorResourceThatDoesNotExistIsA404ProblemWithoutABody() {
		HttpResponse<String> response = Http.send(HttpRequest.newBuilder(app.url("/actuator/health/no-such-group"))
			.method("HEAD", HttpRequest.BodyPublishers.noBody()));
		assertThat(response.statusCode()).isEqualTo(404);
		assertThat(Http.contentType(response)).startsWith("application/problem+json");
		assertThat(response.body()).isEmpty();
	}

	@Test
	@Order(1)
	void anAnswerRepeatsAtMostAShortEscapedExcerptOfTheInput() {
		HttpResponse<String> response = Http.send(HttpRequest.newBuilder(app.url("/api/orders"))
			.header("Content-Type", "application/x-" + "a".repeat(5000))
			.POST(HttpRequest.BodyPublishers.ofString("{}")));
		assertProblem(response, 415, "UNSUPPORTED_MEDIA_TYPE");
		assertThat(response.body().length()).as("no kilobytes of the caller's content type").isLessThan(1000);
	}

	@Test
	@Order(1)
	void aLongPathIsNotRepeatedAsTheProblemsInstance() {
		// Found by HttpApiFuzzTests: Spring fills a missing instance in with the whole path, and 5,000 leading zeros
		// still name an order.
		for (String path : new String[] { "/api/orders/" + "0".repeat(5000) + "2000000001/pay",
				"/api/orders/" + "0".repeat(5000) + "2000000001", "/api/" + "0".repeat(5000) }) {
			HttpResponse<String> response = Http.send(HttpRequest.newBuilder(app.url(path))
				.POST(HttpRequest.BodyPublishers.noBody()));
			assertThat(response.statusCode()).as(response.body()).isBetween(400, 499);
			assertThat(response.body()).doesNotContain("0".repeat(121)).hasSizeLessThan(1000);
		}
		assertProblem(Http.get(app.url("/api/orders/" + "0".repeat(5000) + "2000000001")), 404, "ORDER_NOT_FOUND");
	}

	/** Found by HttpApiFuzzTests: Location was built from the Host header, repeated it, and failed on a bad port. */
	@Test
	@Order(1)
	void theHostHeaderIsNeitherRepeatedInTheLocationNorA500() throws IOException {
		String body = "{\"customerId\": \"c-host\", \"amountCents\": 1}";
		for (String host : new String[] { "a".repeat(2000) + ".example", "evil.example:99999", "[::1]:1" }) {
			String answer = rawExchange("POST /api/orders HTTP/1.1\r\nHost: " + host + "\r\nConnection: close\r\n"
					+ "Content-Type: application/json\r\nContent-Length: " + body.length() + "\r\n\r\n" + body);
			assertThat(answer).as(host).startsWith("HTTP/1.1 201").contains("Location: /api/orders/")
				.doesNotContain("a".repeat(121));
		}
	}

	static Stream<Arguments> whatTomcatDoesNotImplementIsA400ProblemNotA5xx() {
		String host = "Host: 127.0.0.1\r\nConnection: close\r\n";
		return Stream.of(
				Arguments.of("unknown transfer coding", "POST /api/orders HTTP/1.1\r\n" + host
						+ "Content-Type: application/json\r\nTransfer-Encoding: gzip\r\n\r\n0\r\n\r\n"),
				Arguments.of("identity transfer coding", "POST /api/orders HTTP/1.1\r\n" + host
						+ "Content-Type: application/json\r\nTransfer-Encoding: identity\r\n\r\n{}"),
				Arguments.of("CONNECT", "CONNECT example.com:443 HTTP/1.1\r\n" + host + "\r\n"),
				Arguments.of("HTTP/1.2", "GET /api/orders/1 HTTP/1.2\r\n" + host + "\r\n"),
				Arguments.of("HTTP/9.9", "GET /api/orders/1 HTTP/9.9\r\n" + host + "\r\n"));
	}

	/** Found by HttpApiFuzzTests: Tomcat answered these 501 and 505, before the application sees the request. */
	@ParameterizedTest(name = "{0}")
	@MethodSource
	@Order(1)
	void whatTomcatDoesNotImplementIsA400ProblemNotA5xx(String description, String request) throws IOException {
		String answer = rawExchange(request);
		String head = answer.substring(0, Math.max(0, answer.indexOf("\r\n\r\n")));
		assertThat(head).as(answer).startsWith("HTTP/1.1 400").containsIgnoringCase(
				"Content-Type: application/problem+json");
		assertThat(answer).contains("\"code\":\"MALFORMED_REQUEST\"");
	}

	@Test
	@Order(1)
	void payOrCancelOfAnUnknownOrderLeavesNothingInRedis() {
		RedissonClient redisson = app.bean(RedissonClient.class);
		for (String path : new String[] { "/api/orders/777000111/pay", "/api/orders/777000112/cancel" }) {
			assertProblem(Http.post(app.url(path)), 404, "ORDER_NOT_FOUND");
		}
		assertThat(redisson.getKeys().getKeysStream(KeysScanOptions.defaults().pattern("*77700011*")))
			.as("keys left in Redis by orders that do not exist").isEmpty();
	}

	@Test
	@Order(2)
	void afterAllOfItNoLockIsLeftAndANormalOrderStillPays() {
		RedissonClient redisson = app.bean(RedissonClient.class);
		assertThat(redisson.getKeys().getKeysStream(KeysScanOptions.defaults().pattern(PREFIX + ":*")))
			.as("lock keys left in Redis")
			.isEmpty();
		assertThat(redisson.getKeys().countExists(PREFIX + ":-1", PREFIX + ":0", PREFIX + ":9223372036854775807"))
			.isZero();

		long id = createOrder();
		HttpResponse<String> paid = Http.post(app.url("/api/orders/" + id + "/pay"));
		assertThat(paid.statusCode()).as(paid.body()).isEqualTo(200);
		assertThat(Http.object(paid)).containsEntry("status", "PAID");
		assertThat(Http.list(Http.get(app.url("/api/orders/" + id + "/payments")))).hasSize(1);
	}

	private static void assertProblem(HttpResponse<String> response, int status, String code) {
		String shown = (response.body().length() > 500) ? response.body().substring(0, 500) : response.body();
		assertThat(response.statusCode()).as(shown).isEqualTo(status);
		assertThat(Http.contentType(response)).as(shown).startsWith("application/problem+json");
		assertThat(Http.object(response)).containsEntry("code", code).containsEntry("status", status);
		assertThat(response.body()).doesNotContain("Exception").doesNotContain("\tat ").doesNotContain("dev.orderlock");
	}

	/** A request HttpClient refuses to send, on a connection of its own; the whole answer as ISO-8859-1. */
	private static String rawExchange(String request) throws IOException {
		byte[] answer = Http.exchangeRaw(app.url().getPort(), request.getBytes(StandardCharsets.ISO_8859_1));
		return new String(answer, StandardCharsets.ISO_8859_1);
	}

	private static long createOrder() {
		HttpResponse<String> created = Http.postJson(app.url("/api/orders"),
				"{\"customerId\": \"c-normal\", \"amountCents\": 999}");
		assertThat(created.statusCode()).isEqualTo(201);
		return ((Number) Http.object(created).get("id")).longValue();
	}

}
