package dev.orderlock.demo.order;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.SocketTimeoutException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Optional;
import java.util.Random;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.regex.Pattern;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.redisson.api.RedissonClient;
import org.redisson.api.options.KeysScanOptions;
import tools.jackson.databind.json.JsonMapper;

import dev.orderlock.demo.DemoInstance;
import dev.orderlock.demo.Http;
import dev.orderlock.demo.payment.Ledger;

import org.springframework.jdbc.core.simple.JdbcClient;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * A seeded, bounded fuzz test of the demo's HTTP API (issue 15): {@value #DEFAULT_REQUESTS} requests by default,
 * one per raw socket to the real embedded Tomcat, so that it can send what an HTTP client refuses to: garbage
 * methods and request lines, ids huge, negative, percent-encoded junk or raw control characters, junk query strings,
 * wildcard, garbage and huge {@code Content-Type} and {@code Accept} headers, broken chunked framing, mismatched
 * {@code Content-Length}, mutated JSON, bodies that are not UTF-8, deep nesting, megabyte strings, NUL, ESC and line
 * separators; mixed with valid traffic (create, pay, cancel, get, payments) on real orders.
 * <p>
 * Every answer: never 5xx; 4xx for the caller's mistakes; every non-2xx answer {@code application/problem+json} with a
 * non-empty {@code code} (a request line without a version is HTTP/0.9 to Tomcat, whose answer has no head: its body
 * must still be a 4xx problem); no raw control character in the head or a JSON body, and no run of more than
 * {@value #MAX_ECHOED} characters of what the fuzzer made (method, target, header values, body) repeated; no answer
 * contradicts the database (an order is stored only with a 201, money moves only with a payment's 200, an order
 * answered is the order stored, valid calls answer what the stored status implies). Afterwards the instance still
 * creates and pays an order, every order's money is consistent, no lock key is left in Redis and no key at all names
 * an order that does not exist.
 * <p>
 * Replay a failure with {@code -Dfuzz.seed=<seed>} (and {@code -Dfuzz.requests=<n>}); every violation names the
 * seed and the request's index.
 */
class HttpApiFuzzTests {

	/** The seed CI runs. */
	static final long DEFAULT_SEED = 0x15_F022_5EEDL;

	static final int DEFAULT_REQUESTS = 2000;

	/** The most of a caller's input an answer may repeat (ApiExceptionHandler's limit). */
	static final int MAX_ECHOED = 120;

	private static final int SHOWN = 20;

	/** Stops sending before the @Timeout, so that what was found is still reported. */
	private static final long BUDGET_NANOS = TimeUnit.SECONDS.toNanos(80);

	private static final String PREFIX = "fuzz-" + UUID.randomUUID();

	private static final JsonMapper json = JsonMapper.builder().build();

	private static final Pattern CUSTOMER_ID = Pattern.compile("\"customerId\":\"(?:[^\"\\\\]|\\\\.)*\"");

	private static final String[] CUSTOMERS = { "c-1", "c-42", "customer 7", "\uD83E\uDDFE\uD83D\uDCB3 customer",
			"caf\u00E9", "\u05DC\u05E7\u05D5\u05D7-42", "\u202Eevil", "{tag}*?[a]:'\"\\", "'; DROP TABLE orders; --",
			"x".repeat(100) };

	private static DemoInstance app;

	private static int port;

	private final long seed = Long.parseLong(System.getProperty("fuzz.seed", String.valueOf(DEFAULT_SEED)));

	private final int requests = Integer
		.parseInt(System.getProperty("fuzz.requests", String.valueOf(DEFAULT_REQUESTS)));

	private final Random random = new Random(this.seed);

	private final List<Long> ids = new ArrayList<>();

	private final List<String> violations = new ArrayList<>();

	private int violationCount;

	@BeforeAll
	static void start() {
		Map<String, String> settings = DemoInstance.defaults(DemoInstance.h2("http-api-fuzz-tests"));
		settings.put("order-lock.key-prefix", PREFIX);
		settings.put("order-lock.wait-time", "300ms");
		settings.put("demo.payment.latency", "2ms");
		// A body that reaches POST /api/races by accident (a dot segment, a matrix parameter) must not start a race:
		// with these defaults it is refused (400 INVALID_RACE).
		settings.put("demo.race.orders", "0");
		settings.put("demo.race.instances", "0");
		settings.put("logging.level.root", "WARN");
		settings.put("logging.level.dev.orderlock", "OFF");
		settings.put("logging.level.org.apache", "OFF");
		settings.put("logging.level.org.springframework.web", "OFF");
		app = DemoInstance.start(settings);
		port = app.url().getPort();
	}

	@AfterAll
	static void stop() {
		if (app != null) {
			app.close();
		}
	}

	@Test
	@Timeout(value = 120, unit = TimeUnit.SECONDS)
	void everyAnswerIsASuccessOrA4xxProblemAndAgreesWithTheDatabase() {
		System.out.println("HttpApiFuzzTests: seed " + this.seed + ", " + this.requests + " requests");
		long started = System.nanoTime();
		int sent = 0;
		for (int index = 0; index < this.requests; index++) {
			if (System.nanoTime() - started > BUDGET_NANOS) {
				violation(index, null, "stopped after " + index + " requests: over the time budget of "
						+ TimeUnit.NANOSECONDS.toSeconds(BUDGET_NANOS) + " s (a hanging answer?)");
				break;
			}
			Request request = next(index);
			Before before = before(request);
			Answer answer;
			try {
				answer = exchange(request);
			}
			catch (IOException ex) {
				violation(index, request, "no answer: " + ex);
				continue;
			}
			sent++;
			check(request, before, answer);
		}
		long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - started);
		System.out.println("HttpApiFuzzTests: " + sent + " answers in " + millis + " ms, " + this.ids.size()
				+ " orders created");
		afterAllOfIt();
		assertThat(this.violationCount).as(() -> summary()).isZero();
	}

	// ---- What is sent -----------------------------------------------------------------------------------------

	enum Operation {

		CREATE, PAY, CANCEL, GET, PAYMENTS

	}

	/** A valid call the model can predict: the operation, the order's id (or -1 for a create) and its body. */
	record Valid(Operation operation, long orderId, String customerId, long amountCents) {
	}

	/**
	 * One request as sent. {@code mistake}: the caller's mistake beyond doubt, so a 4xx; {@code hostile}: what the
	 * fuzzer made, that no answer may repeat at length.
	 */
	record Request(int index, String kind, boolean mistake, String method, String target, byte[] bytes,
			List<String> hostile, Valid valid) {
	}

	private Request next(int index) {
		int roll = this.random.nextInt(100);
		if (roll < 32 || this.ids.isEmpty()) {
			return valid(index);
		}
		if (roll < 47) {
			return fuzzPath(index);
		}
		if (roll < 55) {
			return fuzzRequestLine(index);
		}
		if (roll < 70) {
			return fuzzHeaders(index);
		}
		if (roll < 80) {
			return fuzzFraming(index);
		}
		return fuzzBody(index);
	}

	private Request valid(int index) {
		int roll = this.random.nextInt(100);
		if (this.ids.isEmpty() || roll < 30) {
			String customer = pick(CUSTOMERS);
			long amount = 1 + this.random.nextInt(100_000_000);
			byte[] body = orderBody(customer, amount).getBytes(StandardCharsets.UTF_8);
			List<String> headers = new ArrayList<>();
			headers.add("Content-Type: " + pick("application/json", "application/json;charset=UTF-8",
					"application/json; charset=utf-8", "APPLICATION/JSON"));
			optionalAccept(headers);
			Valid valid = new Valid(Operation.CREATE, -1, customer, amount);
			if (this.random.nextInt(10) == 0) {
				// Valid chunked framing: must work as well as a Content-Length.
				headers.add("Transfer-Encoding: chunked");
				return request(index, "valid create (chunked)", false, "POST", "/api/orders", headers,
						chunked(body, 1 + this.random.nextInt(16)), false, List.of(), valid);
			}
			return request(index, "valid create", false, "POST", "/api/orders", headers, body, true, List.of(), valid);
		}
		Operation operation = pick(Operation.PAY, Operation.CANCEL, Operation.GET, Operation.GET, Operation.PAYMENTS);
		long id = (this.random.nextInt(10) == 0) ? 1_000_000_000L + this.random.nextInt(1_000_000) : anyId();
		String target = "/api/orders/" + id + switch (operation) {
			case PAY -> "/pay";
			case CANCEL -> "/cancel";
			case PAYMENTS -> "/payments";
			default -> "";
		};
		String method = (operation == Operation.PAY || operation == Operation.CANCEL) ? "POST" : "GET";
		List<String> headers = new ArrayList<>();
		optionalAccept(headers);
		return request(index, "valid " + operation.name().toLowerCase(Locale.ROOT), false, method, target, headers,
				null, true, List.of(), new Valid(operation, id, null, 0));
	}

	private void optionalAccept(List<String> headers) {
		String accept = pick(null, null, "application/json", "*/*", "application/json, */*;q=0.5",
				"application/*", "application/json;q=0.9, application/problem+json");
		if (accept != null) {
			headers.add("Accept: " + accept);
		}
	}

	private Request fuzzPath(int index) {
		String method = pick("GET", "GET", "POST", "POST", "PUT", "DELETE", "PATCH", "HEAD", "OPTIONS");
		String base = pick("/api/orders/", "/api/orders/", "/api/orders/", "/api/orders/", "/api/orders", "/api/info",
				"/api/races", "/error", "/", "/index.html", "/api/", "//api//orders/", "/API/ORDERS/",
				"/api/orders/../orders/", "/api/./orders/", "/api/orders;x=y/", "/%2e%2e/api/orders/", "/api/orders%2F",
				"/actuator/health/", "/actuator/metrics/", "/actuator/orderlocks/", "/actuator/");
		boolean garbage = false;
		String id = "";
		int kind = this.random.nextInt(10);
		if (!this.ids.isEmpty() && kind < 3) {
			long real = anyId();
			id = pick(String.valueOf(real), "+" + real, "00" + real, "0x" + Long.toHexString(real),
					"%20" + real + "%0A", "%2B" + real, "0X" + Long.toHexString(real).toUpperCase(Locale.ROOT));
		}
		else if (kind < 9) {
			id = garbageId();
			garbage = true;
		}
		String suffix = pick("", "", "/pay", "/cancel", "/payments", "/timings", "/pay/", "/pay/x", "/PAY",
				";a=b/pay", ".json", "/..", "/./pay", "/%70ay", "/" + garbageId());
		String query = "";
		if (this.random.nextInt(10) < 4) {
			query = "?" + garbageQuery();
		}
		String target = base + id + suffix + query;
		if (method.equals("POST") && mightReachRaces(target)) {
			method = "GET";
		}
		// Only a path that names a resource by a real spelling can succeed; OPTIONS answers any mapped path, and an
		// order's timings are answered without a lookup (an empty list).
		boolean mistake = garbage && base.startsWith("/api/orders/") && !method.equals("OPTIONS")
				&& !suffix.startsWith("/..") && !suffix.startsWith("/%70") && !suffix.startsWith("/timings");
		return request(index, "path", mistake, method, target, headers(), null, true, List.of(method, target),
				null);
	}

	private String garbageId() {
		return switch (this.random.nextInt(12)) {
			case 0 -> "9".repeat(20 + this.random.nextInt(3000));
			case 1 -> "-" + (1 + this.random.nextInt(Integer.MAX_VALUE));
			case 2 -> pick("abc", "null", "NaN", "undefined", "1e3", "1_000", "1.0", "\u221E", "{1}", "*", "?x",
					"[]", "true", "%7B1%7D", "1,2", "--1", "0x", "0xZZ", "--");
			case 3 -> percentJunk();
			case 4 -> rawBytes(1 + this.random.nextInt(5), 0, 0x20) + "z";
			case 5 -> rawBytes(1 + this.random.nextInt(5), 0x7F, 0x100) + "z";
			case 6 -> utf8AsLatin1(pick("\uD83E\uDDFE", "\u00E9t\u00E9", "\u202E1", "\u2028", "\u0000", "\uFEFF1"))
					+ "z";
			case 7 -> "z".repeat(200 + this.random.nextInt(9000));
			case 8 -> percentJunk() + "9".repeat(1 + this.random.nextInt(30));
			case 9 -> "%25" + "41".repeat(1 + this.random.nextInt(10));
			case 10 -> pick("..%2f..%2f" + "z", "0".repeat(200 + this.random.nextInt(5000))
					+ (2_000_000_000L + this.random.nextInt(1_000_000)));
			default -> "%u0041z";
		};
	}

	/** Percent-encodings that never decode to a number: no digit, sign, space or hex prefix among them. */
	private String percentJunk() {
		StringBuilder junk = new StringBuilder();
		int count = 1 + this.random.nextInt(8);
		for (int i = 0; i < count; i++) {
			junk.append(pick("%00", "%2F", "%5C", "%25", "%C0%AF", "%FF", "%G1", "%", "%%", "%C3%28", "%ED%A0%80",
					"%E2%80%A8", "%1B", "%7F", "%0D%0A", "%3B", "%3F", "%23", "%2E", "%F0%9F%A7%BE", "%c3"));
		}
		return junk.append('z').toString();
	}

	private String garbageQuery() {
		return switch (this.random.nextInt(8)) {
			case 0 -> "a=" + "q".repeat(100 + this.random.nextInt(6000));
			case 1 -> "&&&==&=" + percentJunk();
			case 2 -> "orderId=" + garbageId();
			case 3 -> rawBytes(1 + this.random.nextInt(4), 0, 0x20);
			case 4 -> "a[]=1&a[x]=2&__proto__=1&constructor[prototype]=x";
			case 5 -> "x=" + utf8AsLatin1("\u2028\u0085\uD83E\uDDFE") + "%FF%FE";
			case 6 -> "#fragment";
			default -> "amountCents=1&customerId=c-1";
		};
	}

	private Request fuzzRequestLine(int index) {
		String method = pick("GETT", "get", "Post", "G\u0000T", "G ET", "", "\u00C4\u00D6\u00DC", "-", "PRI", "CONNECT",
				"TRACE", "PROPFIND", "M".repeat(100 + this.random.nextInt(9000)), token(1 + this.random.nextInt(20)),
				"POST\t", "GET\u001B[31m", "BREW", "SEARCH", "QUERY");
		String target = pick("/api/orders/" + anyIdText() + "/pay", "/api/orders", "*", "", "api/orders",
				"http://127.0.0.1:" + port + "/api/orders/" + anyIdText(), "example.com:443", "/api/orders/1 x",
				"/api/orders/" + anyIdText() + "\u0000", "/" + rawBytes(3, 0x80, 0x100));
		String version = pick("HTTP/1.1", "HTTP/1.1", "HTTP/1.1", "HTTP/1.0", "HTTP/1.2", "HTTP/2.0", "HTTP/9.9",
				"HTTP/1", "http/1.1", "HTTP/1.1 extra", "HTTX/1.1", "HTTP/1.1\u0000");
		// Tomcat splits the request line at tabs too (RFC 9112 3 allows it): "POST\t" is POST.
		boolean standardMethod = List.of("GET", "POST", "HEAD", "OPTIONS").contains(method.strip());
		// Every one of these lines is broken in its method, target or version.
		boolean mistake = !standardMethod || target.isEmpty()
				|| !target.startsWith("/") && !target.startsWith("http")
						&& !(method.equals("OPTIONS") && target.equals("*"))
				|| !version.startsWith("HTTP/1.");
		List<String> headers = headers();
		headers.add(0, "Host: 127.0.0.1:" + port);
		return raw(index, "request line", mistake, method, target, method + " " + target + " " + version, headers, null,
				true, List.of(method, target, version), null);
	}

	private Request fuzzHeaders(int index) {
		boolean create = this.random.nextBoolean();
		String method = create ? "POST" : "GET";
		String target = create ? "/api/orders" : "/api/orders/" + anyIdText();
		byte[] body = create ? orderBody(pick(CUSTOMERS), 1 + this.random.nextInt(100_000)).getBytes(
				StandardCharsets.UTF_8) : null;
		List<String> headers = new ArrayList<>();
		List<String> hostile = new ArrayList<>();
		boolean mistake = false;
		boolean host = true;
		String contentType = create ? "application/json" : null;
		switch (this.random.nextInt(5)) {
			case 0 -> {
				contentType = pick("", " ", "*/*", "application/*", "*/json", "application", "application/", "/json",
						"application/json;charset=", "application/json;charset=bogus",
						"application/json; charset=\"utf-8",
						"application/json;;;", "text/plain", "application/xml", "multipart/form-data; boundary=x",
						"application/x-www-form-urlencoded", "application/json, text/plain", "a/b/c",
						"application/json\u0000", "application/x-" + "x".repeat(100 + this.random.nextInt(6000)),
						"application/json;" + "p=v;".repeat(10 + this.random.nextInt(1500)),
						utf8AsLatin1("application/js\u00F6n"), "application/json; charset=ebcdic-cp-us",
						"application/json; charset=utf-32", "\u001B[0mapplication/json");
				hostile.add(contentType);
				// JSON with odd parameters (an unknown or empty charset) may be read as UTF-8: not surely a mistake.
				boolean acceptable = contentType.startsWith("application/json")
						&& !contentType.startsWith("application/json\u0000")
						&& !contentType.startsWith("application/json,");
				mistake = create && !acceptable || isWildcardOrGarbage(contentType) && !contentType.isBlank();
			}
			case 1 -> {
				String accept = pick("not a/type;;q=x", "*/*;q=2", "application/json;q=abc", "", ",,,",
						"application/xml", "text/html", "application/problem+json", "*",
						"a/" + "b".repeat(100 + this.random.nextInt(6000)),
						utf8AsLatin1("\u00FF/\u00FF"), "application/json;q=0", "application/json;" + "q=1;".repeat(500),
						"text/*, image/png;q=0.1", "application/json\u001B");
				headers.add("Accept: " + accept);
				hostile.add(accept);
				mistake = accept.equals("not a/type;;q=x") || accept.equals("application/json;q=abc");
			}
			case 2 -> {
				String value = pick("", "a".repeat(100 + this.random.nextInt(5000)) + ".example", "[::1]:1",
						"evil.example:99999", "bad host", "host\u0000", "127.0.0.1:" + port + ", other", "@", "\u00FF");
				host = false;
				if (!this.random.nextBoolean() || value.isEmpty()) {
					headers.add("Host: " + value);
					hostile.add(value);
				}
				if (this.random.nextInt(4) == 0) {
					headers.add("Host: 127.0.0.1:" + port);
				}
			}
			case 3 -> {
				String line = pick("X-Junk: " + rawBytes(3, 1, 0x20), "X-Fold: a\r\n folded", "NoColonHere",
						"X-Space : v", "X-" + "h".repeat(9000) + ": v", "X-Big: " + "v".repeat(20_000),
						": empty name", "X-\u00FF: v", "X-Esc: \u001B[2J",
						"X-Ok: " + utf8AsLatin1("\u2028\uD83E\uDDFE"));
				headers.add(line);
				hostile.add(line);
			}
			default -> {
				int count = 50 + this.random.nextInt(300);
				for (int i = 0; i < count; i++) {
					headers.add("X-H" + i + ": " + token(1 + this.random.nextInt(60)));
				}
			}
		}
		if (contentType != null) {
			headers.add("Content-Type: " + contentType);
		}
		if (host) {
			headers.add(0, "Host: 127.0.0.1:" + port);
		}
		hostile.add(method);
		hostile.add(target);
		return raw(index, "headers", mistake, method, target, method + " " + target + " HTTP/1.1", headers, body, true,
				hostile, null);
	}

	private static boolean isWildcardOrGarbage(String contentType) {
		String type = contentType.trim();
		return type.isEmpty() || type.startsWith("*") || type.startsWith("application/*") || !type.contains("/")
				|| type.endsWith("/") || type.startsWith("/") || type.startsWith("a/b/c");
	}

	private Request fuzzFraming(int index) {
		byte[] body = orderBody(pick(CUSTOMERS), 1 + this.random.nextInt(100_000)).getBytes(StandardCharsets.UTF_8);
		List<String> headers = new ArrayList<>();
		headers.add("Content-Type: application/json");
		boolean mistake = true;
		byte[] sent;
		switch (this.random.nextInt(14)) {
			case 0 -> {
				headers.add("Transfer-Encoding: chunked");
				sent = ascii("zz\r\n" + new String(body, StandardCharsets.ISO_8859_1) + "\r\n0\r\n\r\n");
			}
			case 1 -> {
				headers.add("Transfer-Encoding: chunked");
				sent = ascii(Integer.toHexString(body.length + 50) + "\r\n" + latin1(body));
			}
			case 2 -> {
				headers.add("Transfer-Encoding: chunked");
				// No last chunk: the body ends with the connection.
				sent = ascii(Integer.toHexString(body.length) + "\r\n" + latin1(body) + "\r\n");
			}
			case 3 -> {
				headers.add("Transfer-Encoding: chunked");
				sent = ascii(Integer.toHexString(body.length) + ";ext=" + "e".repeat(100 + this.random.nextInt(9000))
						+ "\r\n" + latin1(body) + "\r\n0\r\n\r\n");
				mistake = false;
			}
			case 4 -> {
				headers.add("Transfer-Encoding: chunked");
				sent = ascii("ffffffffffffffffffff\r\n" + latin1(body) + "\r\n0\r\n\r\n");
			}
			case 5 -> {
				headers.add("Transfer-Encoding: chunked");
				sent = ascii(Integer.toHexString(body.length) + "\r\n" + latin1(body) + "0\r\n\r\n");
			}
			case 6 -> {
				headers.add("Transfer-Encoding: chunked");
				sent = ascii("-5\r\n" + latin1(body) + "\r\n0\r\n\r\n");
			}
			case 7 -> {
				headers.add("Transfer-Encoding: chunked");
				sent = ascii(Integer.toHexString(body.length) + "\r\n" + latin1(body) + "\r\n0\r\nX-Trailer: "
						+ rawBytes(4, 1, 0x20) + "\r\n\r\n");
				mistake = false;
			}
			case 8 -> {
				headers.add("Transfer-Encoding: " + pick("gzip", "chunked, gzip", "identity", "xchunked",
						"chunked, chunked",
						"compress", "chunked;q=1", ""));
				sent = chunked(body, 8);
			}
			case 9 -> {
				// Both: the chunked framing wins (RFC 9112 6.3), so a well-formed body may be stored.
				headers.add("Transfer-Encoding: chunked");
				headers.add("Content-Length: " + body.length);
				sent = chunked(body, 8);
				mistake = false;
			}
			case 10 -> {
				headers.add("Content-Length: " + (body.length + 1 + this.random.nextInt(1000)));
				sent = body;
				mistake = false;
			}
			case 11 -> {
				headers.add("Content-Length: " + this.random.nextInt(body.length));
				sent = body;
				mistake = false;
			}
			case 12 -> {
				headers.add("Content-Length: " + pick("-1", "abc", "1, 2", "99999999999999999999", " ", "0x10", "+5",
						"1e3", "5 5"));
				sent = body;
			}
			default -> {
				headers.add("Content-Length: " + body.length);
				headers.add("Content-Length: " + (body.length + 3));
				sent = body;
			}
		}
		headers.add(0, "Host: 127.0.0.1:" + port);
		return raw(index, "framing", mistake, "POST", "/api/orders", "POST /api/orders HTTP/1.1", headers, sent, false,
				List.of(latin1(sent)), null);
	}

	private Request fuzzBody(int index) {
		String customer = pick(CUSTOMERS);
		long amount = 1 + this.random.nextInt(100_000);
		byte[] valid = orderBody(customer, amount).getBytes(StandardCharsets.UTF_8);
		byte[] body;
		boolean mistake = true;
		String contentType = "application/json";
		switch (this.random.nextInt(9)) {
			case 0, 1 -> {
				body = mutate(valid);
				mistake = strictUtf8(body) == null;
			}
			case 2 -> body = withInvalidUtf8(valid);
			case 3 -> {
				int depth = 200 + this.random.nextInt(50_000);
				String open = pick("[", "{\"a\":", "{\"customerId\":");
				String close = open.equals("[") ? "]" : "}";
				body = ascii(open.repeat(depth) + (this.random.nextBoolean() ? "1" + close.repeat(depth) : ""));
			}
			case 4 -> body = switch (this.random.nextInt(4)) {
				case 0 -> orderBody("c".repeat(101 + this.random.nextInt(1_000_000)), amount).getBytes(
						StandardCharsets.UTF_8);
				case 1 -> ascii("{\"customerId\": \"c-1\", \"amountCents\": "
						+ "9".repeat(20 + this.random.nextInt(100_000))
						+ "}");
				case 2 -> ascii("{\"" + "k".repeat(1000 + this.random.nextInt(200_000)) + "\": 1}");
				default -> ascii("{\"customerId\": \"" + "\\u0041".repeat(101 + this.random.nextInt(50_000))
						+ "\", \"amountCents\": 1}");
			};
			case 5 -> {
				// Control characters and line separators in the customer, raw and escaped: refused either way.
				String control = pick("\u0000", "\u001B[31m", "\u2028", "\u2029", "\u0085", "\r\nWARN forged", "\u007F",
						"\\u0000", "\\u001b[31m", "\\u2028", "\\n", "\\r\\nINFO forged", "\\u0085");
				String text = "{\"customerId\": \"c-" + control + "1\", \"amountCents\": 1}";
				body = text.getBytes(StandardCharsets.UTF_8);
			}
			case 6 -> {
				String amountText = pick("0", "-1", "100000001", "null", "19.99", "true", "1e2", "\"\"", "[]", "{}",
						"9223372036854775808", "-9223372036854775809", "NaN", "Infinity", "0x10", "01");
				body = ascii("{\"customerId\": \"c-1\", \"amountCents\": " + amountText + "}");
			}
			case 7 -> {
				body = pick(new byte[0], ascii(" ".repeat(1 + this.random.nextInt(100_000))), ascii("null"),
						ascii("[]"),
						ascii("{"), ascii("}"), ascii("\"\\"), ascii("/* */ {}"), ascii("{\"customerId\": \"c-1\",}"));
			}
			default -> {
				mistake = false;
				switch (this.random.nextInt(4)) {
					case 0 -> body = concat(new byte[] { (byte) 0xEF, (byte) 0xBB, (byte) 0xBF }, valid);
					case 1 -> {
						body = orderBody(customer, amount).getBytes(StandardCharsets.UTF_16);
						contentType = pick("application/json; charset=UTF-16", "application/json");
					}
					case 2 -> body = ascii("{\"customerId\": \"c-1\", \"amountCents\": 1, \"customerId\": \"c-2\"}");
					default -> body = ascii("{\"customerId\": \"c-1\", \"amountCents\": \"12\", \"extra\": "
							+ "[1, {\"x\": null}], \"status\": \"PAID\", \"id\": 1}");
				}
			}
		}
		List<String> headers = new ArrayList<>();
		headers.add("Content-Type: " + contentType);
		return request(index, "body", mistake, "POST", "/api/orders", headers, body, true,
				List.of(latin1(body), new String(body, StandardCharsets.UTF_8)), null);
	}

	private byte[] mutate(byte[] valid) {
		byte[] body = valid.clone();
		int steps = 1 + this.random.nextInt(4);
		for (int step = 0; step < steps; step++) {
			if (body.length == 0) {
				break;
			}
			int at = this.random.nextInt(body.length);
			byte[] insert = switch (this.random.nextInt(7)) {
				case 0 -> new byte[] { (byte) this.random.nextInt(256) };
				case 1 -> ascii(pick("{", "[", "\"", "\\", "\\u", "\\uD800", "null", ",", ":", "1e999", "-", "}", "]"));
				case 2 -> new byte[] { (byte) (int) pick(0, 0x1B, 0xFF, 0xC3, 0x80, 0x7F, 0x0A) };
				case 3 -> "\u2028".getBytes(StandardCharsets.UTF_8);
				default -> null;
			};
			if (insert != null) {
				body = concat(concat(Arrays.copyOf(body, at), insert),
						Arrays.copyOfRange(body, at, body.length));
			}
			else if (this.random.nextBoolean()) {
				int end = Math.min(body.length, at + 1 + this.random.nextInt(8));
				body = concat(Arrays.copyOf(body, at), Arrays.copyOfRange(body, end, body.length));
			}
			else {
				body = Arrays.copyOf(body, at);
			}
		}
		return body;
	}

	private byte[] withInvalidUtf8(byte[] valid) {
		int[][] sequences = { { 0xC3, 0x28 }, { 0xFF }, { 0xFE }, { 0xC0, 0xAF }, { 0xE0, 0x80, 0xAF },
				{ 0xED, 0xA0, 0x80 }, { 0xF4, 0x90, 0x80, 0x80 }, { 0xF8, 0x88, 0x80, 0x80, 0x80 }, { 0x80 },
				{ 0xE2, 0x82 }, { 0xC1, 0xBF } };
		int[] chosen = sequences[this.random.nextInt(sequences.length)];
		byte[] invalid = new byte[chosen.length];
		for (int i = 0; i < chosen.length; i++) {
			invalid[i] = (byte) chosen[i];
		}
		// Inside the customer's string mostly (where a lenient decoder would store a replacement character).
		String text = new String(valid, StandardCharsets.ISO_8859_1);
		int at = this.random.nextInt(4) == 0 ? this.random.nextInt(valid.length + 1) : text.indexOf("\"", 16);
		if (at < 0) {
			at = valid.length;
		}
		return concat(concat(Arrays.copyOf(valid, at), invalid),
				Arrays.copyOfRange(valid, at, valid.length));
	}

	// ---- Checks -------------------------------------------------------------------------------------------------

	/** What the database held before the request, to tell what the request changed. */
	record Before(long orders, long entries, Optional<Order> order, long net) {
	}

	private Before before(Request request) {
		Valid valid = request.valid();
		Optional<Order> order = (valid != null && valid.orderId() > 0) ? repository().find(valid.orderId())
				: Optional.empty();
		long net = order.isPresent() ? ledger().netChargedCents(valid.orderId()) : 0;
		return new Before(count("orders"), count("ledger_entries"), order, net);
	}

	private void check(Request request, Before before, Answer answer) {
		int index = request.index();
		if (answer.failure() != null) {
			violation(index, request, answer.failure());
			return;
		}
		int status = answer.status();
		if (status >= 500) {
			violation(index, request, "answered " + status + ": " + excerpt(answer.text(), 200));
		}
		if (request.mistake() && (status < 400 || status > 499)) {
			violation(index, request,
					"a caller's mistake answered " + status + ", not 4xx: " + excerpt(answer.text(), 120));
		}
		Object body = null;
		boolean isJson = answer.contentType().startsWith("application/json")
				|| answer.contentType().startsWith("application/problem+json");
		if (isJson && answer.body().length > 0) {
			try {
				body = json.readValue(answer.body(), Object.class);
			}
			catch (RuntimeException ex) {
				violation(index, request, "a JSON answer that does not parse: " + excerpt(answer.text(), 120));
			}
		}
		if (status >= 300) {
			checkProblem(request, answer, body);
		}
		checkText(request, answer, isJson);
		checkAgainstDatabase(request, before, answer, body);
	}

	private void checkProblem(Request request, Answer answer, Object body) {
		int index = request.index();
		if (!answer.contentType().startsWith("application/problem+json")) {
			violation(index, request, answer.status() + " as '" + excerpt(answer.contentType(), 60)
					+ "', not application/problem+json: " + excerpt(answer.text(), 120));
			return;
		}
		if (request.method().equals("HEAD")) {
			return;
		}
		if (!(body instanceof Map<?, ?> problem) || !(problem.get("code") instanceof String code) || code.isBlank()) {
			violation(index, request, answer.status() + " problem without a code: " + excerpt(answer.text(), 120));
			return;
		}
		if (problem.get("status") instanceof Number number && number.intValue() != answer.status()) {
			violation(index, request, "answered " + answer.status() + " with a problem of status " + number);
		}
	}

	private void checkText(Request request, Answer answer, boolean isJson) {
		int index = request.index();
		String head = answer.head();
		for (String line : head.split("\r\n", -1)) {
			int bad = firstControl(line, false);
			if (bad >= 0) {
				violation(index, request, "a control character (U+" + hex(line.charAt(bad)) + ") in the head: "
						+ excerpt(line, 120));
				break;
			}
		}
		String text = strictUtf8(answer.body());
		if (text == null) {
			violation(index, request, "a body that is not UTF-8: " + excerpt(latin1(answer.body()), 120));
			text = answer.text();
		}
		int bad = firstControl(text, !isJson);
		if (bad >= 0) {
			violation(index, request, "a control character (U+" + hex(text.charAt(bad)) + ") in the body: "
					+ excerpt(text.substring(Math.max(0, bad - 40)), 120));
		}
		String answered = head + "\n" + ((answer.status() < 300)
				? CUSTOMER_ID.matcher(text).replaceAll("\"customerId\":\"\"")
				: text);
		for (String part : request.hostile()) {
			for (String form : forms(part)) {
				String repeated = repeatedRun(answered, form, MAX_ECHOED + 1);
				if (repeated != null) {
					int at = answered.indexOf(repeated);
					violation(index, request, "repeats " + (MAX_ECHOED + 1) + "+ characters of the input: ..."
							+ excerpt(answered.substring(Math.max(0, at - 60)), 100));
					return;
				}
			}
		}
	}

	private void checkAgainstDatabase(Request request, Before before, Answer answer, Object body) {
		int index = request.index();
		int status = answer.status();
		long orders = count("orders");
		long entries = count("ledger_entries");
		if (orders != before.orders() + ((status == 201) ? 1 : 0)) {
			violation(index, request, "answered " + status + " and the orders went from " + before.orders() + " to "
					+ orders);
		}
		if (entries != before.entries() && !(status == 200 && body instanceof Map<?, ?> paid
				&& "PAID".equals(paid.get("status")))) {
			violation(index, request, "answered " + status + " and the ledger went from " + before.entries() + " to "
					+ entries);
		}
		if (status >= 200 && status < 300 && body instanceof Map<?, ?> answered
				&& answered.get("id") instanceof Number id
				&& answered.containsKey("status")) {
			Optional<Order> stored = repository().find(id.longValue());
			if (stored.isEmpty()) {
				violation(index, request, "answered order " + id + ", which is not stored");
			}
			else {
				Order order = stored.get();
				if (!order.status().name().equals(answered.get("status"))
						|| !order.customerId().equals(answered.get("customerId"))
						|| !(answered.get("amountCents") instanceof Number amount)
						|| amount.longValue() != order.amountCents()) {
					violation(index, request, "answered " + excerpt(answer.text(), 160) + " but stored is " + order);
				}
				if (status == 201) {
					if (!this.ids.contains(order.id())) {
						this.ids.add(order.id());
					}
					checkStored(request, order);
				}
			}
		}
		if (request.valid() != null) {
			checkValid(request, before, answer, body);
		}
	}

	/** What validation promises of every stored order, whatever body it came from. */
	private void checkStored(Request request, Order order) {
		String customer = order.customerId();
		if (customer.isBlank() || customer.length() > 100 || firstControl(customer, false) >= 0
				|| customer.contains("\uFFFD") || order.amountCents() < 1 || order.amountCents() > 100_000_000L) {
			violation(request.index(), request,
					"stored an order validation refuses: " + excerpt(order.toString(), 160));
		}
	}

	/** A valid call answers what the stored status before it implies, and leaves what its answer says. */
	private void checkValid(Request request, Before before, Answer answer, Object body) {
		Valid valid = request.valid();
		int index = request.index();
		int status = answer.status();
		String code = (body instanceof Map<?, ?> problem && problem.get("code") instanceof String text) ? text : null;
		if (valid.operation() == Operation.CREATE) {
			if (status != 201 || !(body instanceof Map<?, ?> created)
					|| !valid.customerId().equals(created.get("customerId"))
					|| !"PENDING_PAYMENT".equals(created.get("status"))
					|| !(created.get("amountCents") instanceof Number amount)
					|| amount.longValue() != valid.amountCents()) {
				violation(index, request, "a valid create answered " + status + ": " + excerpt(answer.text(), 160));
			}
			else if (!answer.header("location").endsWith("/api/orders/" + created.get("id"))) {
				violation(index, request, "created, with Location '" + excerpt(answer.header("location"), 80) + "'");
			}
			return;
		}
		if (before.order().isEmpty()) {
			if (status != 404 || !"ORDER_NOT_FOUND".equals(code)) {
				violation(index, request, "an unknown order answered " + status + " " + code);
			}
			return;
		}
		Order was = before.order().get();
		Order now = repository().find(valid.orderId()).orElseThrow();
		long net = ledger().netChargedCents(valid.orderId());
		boolean pending = was.status() == OrderStatus.PENDING_PAYMENT;
		String expected = switch (valid.operation()) {
			case PAY -> pending ? "200 PAID" : "409 ORDER_NOT_PAYABLE";
			case CANCEL -> pending ? "200 CANCELLED" : "409 ORDER_NOT_CANCELLABLE";
			default -> "200";
		};
		String got = status + ((status == 200 && body instanceof Map<?, ?> order) ? " " + order.get("status")
				: (code != null) ? " " + code : "");
		if (valid.operation() == Operation.GET) {
			got = String.valueOf(status);
			if (status == 200 && body instanceof Map<?, ?> order && !now.status().name().equals(order.get("status"))) {
				violation(index, request, "answered " + order.get("status") + " but the order is " + now.status());
			}
		}
		if (valid.operation() == Operation.PAYMENTS) {
			got = String.valueOf(status);
			int stored = ledger().entriesOf(valid.orderId()).size();
			if (status == 200 && (!(body instanceof List<?> list) || list.size() != stored)) {
				violation(index, request, "answered payments " + excerpt(answer.text(), 120) + " but the ledger has "
						+ stored + " entries");
			}
		}
		if (!got.equals(expected)) {
			violation(index, request, "a valid " + valid.operation() + " of a " + was.status() + " order answered "
					+ got + ", expected " + expected);
		}
		String after = switch (valid.operation()) {
			case PAY -> pending ? "PAID" : was.status().name();
			case CANCEL -> pending ? "CANCELLED" : was.status().name();
			default -> was.status().name();
		};
		long held = after.equals("PAID") ? was.amountCents() : 0;
		if (!now.status().name().equals(after) || net != held) {
			violation(index, request, "after " + got + " the order is " + now.status() + " with " + net
					+ " cents held (was " + was.status() + " with " + before.net() + ")");
		}
	}

	private void afterAllOfIt() {
		// Still up, and a normal order still creates and pays.
		Request create = request(this.requests, "final create", false, "POST", "/api/orders",
				List.of("Content-Type: application/json"), orderBody("c-final", 4321).getBytes(StandardCharsets.UTF_8),
				true, List.of(), new Valid(Operation.CREATE, -1, "c-final", 4321));
		Answer created = exchangeOrNull(create);
		if (created == null || created.status() != 201) {
			violation(this.requests, create, "the instance no longer creates an order: "
					+ ((created != null) ? created.status() + " " + excerpt(created.text(), 120) : "no answer"));
		}
		else {
			Object order = json.readValue(created.body(), Object.class);
			long id = ((Number) ((Map<?, ?>) order).get("id")).longValue();
			Request pay = request(this.requests + 1, "final pay", false, "POST", "/api/orders/" + id + "/pay",
					List.of(), null, true, List.of(), new Valid(Operation.PAY, id, null, 0));
			Answer paid = exchangeOrNull(pay);
			if (paid == null || paid.status() != 200 || !paid.text().contains("\"status\":\"PAID\"")) {
				violation(this.requests + 1, pay, "the instance no longer pays an order: "
						+ ((paid != null) ? paid.status() + " " + excerpt(paid.text(), 120) : "no answer"));
			}
		}
		// Money: a paid order holds exactly its amount, in one charge; any other order holds nothing.
		List<Long> stored = jdbc().sql("select id from orders order by id").query(Long.class).list();
		for (long id : stored) {
			Order order = repository().find(id).orElseThrow();
			long held = ledger().netChargedCents(id);
			int charges = ledger().unrefundedCharges(id).size();
			boolean paid = order.status() == OrderStatus.PAID;
			if (held != (paid ? order.amountCents() : 0) || charges != (paid ? 1 : 0)) {
				violation(-1, null, "order " + id + " is " + order.status() + " with " + held + " cents held in "
						+ charges + " charges (amount " + order.amountCents() + ")");
			}
		}
		// Redis: no lock left, and no key for an order that does not exist (a fenced lock's token key lives a day).
		RedissonClient redisson = app.bean(RedissonClient.class);
		List<String> keys = redisson.getKeys()
			.getKeysStream(KeysScanOptions.defaults().pattern("*" + PREFIX + "*"))
			.toList();
		for (String key : keys) {
			if (key.startsWith(PREFIX + ":")) {
				violation(-1, null, "a lock left in Redis: " + excerpt(key, 120));
				continue;
			}
			int at = key.indexOf(PREFIX + ":") + PREFIX.length() + 1;
			String name = key.substring(at).replaceFirst("}.*$", "");
			Long id = null;
			try {
				id = Long.parseLong(name);
			}
			catch (NumberFormatException ex) {
				// Reported below.
			}
			if (id == null || !stored.contains(id)) {
				violation(-1, null, "a key in Redis for an order that does not exist: " + excerpt(key, 120));
			}
		}
	}

	// ---- Raw HTTP ----------------------------------------------------------------------------------------------

	/**
	 * One answer as received: the head (status line and headers, as ISO-8859-1), the body (de-chunked), or why it
	 * could not be read.
	 */
	record Answer(int status, String head, Map<String, String> headers, byte[] body, String failure) {

		String contentType() {
			return header("content-type").toLowerCase(Locale.ROOT);
		}

		String header(String name) {
			return this.headers.getOrDefault(name, "");
		}

		String text() {
			return new String(this.body, StandardCharsets.UTF_8);
		}

	}

	private Answer exchangeOrNull(Request request) {
		try {
			Answer answer = exchange(request);
			return (answer.failure() == null) ? answer : null;
		}
		catch (IOException ex) {
			return null;
		}
	}

	private static Answer exchange(Request request) throws IOException {
		byte[] raw;
		try {
			raw = Http.exchangeRaw(port, request.bytes());
		}
		catch (SocketTimeoutException ex) {
			return new Answer(0, "", Map.of(), new byte[0], "no answer within 10 s");
		}
		return parse(raw, request.method().equals("HEAD"));
	}

	static Answer parse(byte[] raw, boolean head) {
		int from = 0;
		while (true) {
			if (from == 0 && raw.length > 0 && !latin1(raw).startsWith("HTTP/")) {
				// A request line without a version is HTTP/0.9 to Tomcat: the answer is the body alone, no head.
				return bare(raw);
			}
			int end = indexOf(raw, from, "\r\n\r\n");
			if (end < 0) {
				return new Answer(0, latin1(raw), Map.of(), new byte[0], "no complete HTTP head in "
						+ raw.length + " bytes: " + excerpt(latin1(raw), 120));
			}
			String text = new String(raw, from, end - from, StandardCharsets.ISO_8859_1);
			String[] lines = text.split("\r\n");
			String[] statusLine = lines[0].split(" ", 3);
			int status;
			try {
				status = Integer.parseInt(statusLine[1]);
			}
			catch (RuntimeException ex) {
				return new Answer(0, text, Map.of(), new byte[0], "no status line: " + excerpt(lines[0], 120));
			}
			if (!statusLine[0].equals("HTTP/1.1") && !statusLine[0].equals("HTTP/1.0")) {
				return new Answer(status, text, Map.of(), new byte[0], "answered as " + excerpt(statusLine[0], 40));
			}
			from = end + 4;
			if (status >= 100 && status < 200) {
				continue;
			}
			Map<String, String> headers = new LinkedHashMap<>();
			for (int i = 1; i < lines.length; i++) {
				int colon = lines[i].indexOf(':');
				if (colon > 0) {
					headers.put(lines[i].substring(0, colon).trim().toLowerCase(Locale.ROOT),
							lines[i].substring(colon + 1).trim());
				}
			}
			byte[] rest = Arrays.copyOfRange(raw, from, raw.length);
			byte[] body = rest;
			if (head || status == 204 || status == 304) {
				body = new byte[0];
			}
			else if (headers.getOrDefault("transfer-encoding", "").toLowerCase(Locale.ROOT).contains("chunked")) {
				body = dechunk(rest);
				if (body == null) {
					return new Answer(status, text, headers, new byte[0], "a broken chunked answer: "
							+ excerpt(latin1(rest), 120));
				}
			}
			else if (headers.containsKey("content-length")) {
				int length = Integer.parseInt(headers.get("content-length"));
				if (rest.length < length) {
					return new Answer(status, text, headers, rest, "a body shorter than its Content-Length");
				}
				body = Arrays.copyOf(rest, length);
			}
			return new Answer(status, text, headers, body, null);
		}
	}

	/** An HTTP/0.9 answer: its status as the problem in it says, else a success (the body is all there is). */
	private static Answer bare(byte[] raw) {
		try {
			if (json.readValue(raw, Object.class) instanceof Map<?, ?> problem && problem.get("code") != null
					&& problem.get("status") instanceof Number status) {
				return new Answer(status.intValue(), "", Map.of("content-type", "application/problem+json"), raw, null);
			}
		}
		catch (RuntimeException ex) {
			// Not a problem.
		}
		boolean isJson = raw.length > 0 && (raw[0] == '{' || raw[0] == '[');
		return new Answer(200, "", Map.of("content-type", isJson ? "application/json" : ""), raw, null);
	}

	private static byte[] dechunk(byte[] raw) {
		ByteArrayOutputStream body = new ByteArrayOutputStream();
		int at = 0;
		while (true) {
			int end = indexOf(raw, at, "\r\n");
			if (end < 0) {
				return null;
			}
			String size = new String(raw, at, end - at, StandardCharsets.ISO_8859_1).replaceFirst(";.*$", "").trim();
			int length;
			try {
				length = Integer.parseInt(size, 16);
			}
			catch (NumberFormatException ex) {
				return null;
			}
			at = end + 2;
			if (length == 0) {
				return body.toByteArray();
			}
			if (at + length > raw.length) {
				return null;
			}
			body.write(raw, at, length);
			at += length + 2;
		}
	}

	private Request request(int index, String kind, boolean mistake, String method, String target,
			List<String> headers, byte[] body, boolean contentLength, List<String> hostile, Valid valid) {
		List<String> all = new ArrayList<>(headers);
		all.add(0, "Host: 127.0.0.1:" + port);
		return raw(index, kind, mistake, method, target, method + " " + target + " HTTP/1.1", all, body, contentLength,
				hostile, valid);
	}

	/** A request with the given request line and exactly these headers (and Connection: close). */
	private Request raw(int index, String kind, boolean mistake, String method, String target, String line,
			List<String> headers, byte[] body, boolean contentLength, List<String> hostile, Valid valid) {
		StringBuilder head = new StringBuilder(line).append("\r\n");
		for (String header : headers) {
			head.append(header).append("\r\n");
		}
		if (contentLength && body != null) {
			head.append("Content-Length: ").append(body.length).append("\r\n");
		}
		head.append("Connection: close\r\n\r\n");
		byte[] bytes = ascii(head.toString());
		if (body != null) {
			bytes = concat(bytes, body);
		}
		return new Request(index, kind, mistake, method, target, bytes, hostile, valid);
	}

	private List<String> headers() {
		List<String> headers = new ArrayList<>();
		if (this.random.nextInt(4) == 0) {
			headers.add("Content-Type: application/json");
		}
		return headers;
	}

	// ---- Helpers -----------------------------------------------------------------------------------------------

	private long anyId() {
		return this.ids.isEmpty() ? 1 : this.ids.get(this.random.nextInt(this.ids.size()));
	}

	private String anyIdText() {
		return String.valueOf(anyId());
	}

	private boolean mightReachRaces(String target) {
		String lower = target.toLowerCase(Locale.ROOT);
		return lower.contains("rac") || lower.contains("%");
	}

	@SafeVarargs
	private <T> T pick(T... choices) {
		return choices[this.random.nextInt(choices.length)];
	}

	private String rawBytes(int count, int from, int to) {
		StringBuilder text = new StringBuilder();
		for (int i = 0; i < count; i++) {
			text.append((char) (from + this.random.nextInt(to - from)));
		}
		return text.toString();
	}

	private String token(int length) {
		String chars = "!#$%&'*+-.^_`|~0123456789abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ";
		StringBuilder text = new StringBuilder();
		for (int i = 0; i < length; i++) {
			text.append(chars.charAt(this.random.nextInt(chars.length())));
		}
		return text.toString();
	}

	private String orderBody(String customerId, long amountCents) {
		String customer = Http.jsonString(customerId);
		return this.random.nextBoolean() ? "{\"customerId\": " + customer + ", \"amountCents\": " + amountCents + "}"
				: "{\"amountCents\":" + amountCents + ",\"customerId\":" + customer + "}";
	}

	private byte[] chunked(byte[] body, int size) {
		ByteArrayOutputStream out = new ByteArrayOutputStream();
		for (int at = 0; at < body.length; at += size) {
			int length = Math.min(size, body.length - at);
			out.writeBytes(ascii(Integer.toHexString(length) + "\r\n"));
			out.write(body, at, length);
			out.writeBytes(ascii("\r\n"));
		}
		out.writeBytes(ascii("0\r\n\r\n"));
		return out.toByteArray();
	}

	private static byte[] ascii(String latin1) {
		return latin1.getBytes(StandardCharsets.ISO_8859_1);
	}

	private static String latin1(byte[] bytes) {
		return new String(bytes, StandardCharsets.ISO_8859_1);
	}

	/** The UTF-8 bytes of {@code text}, one char per byte, to put raw into a request line or header. */
	private static String utf8AsLatin1(String text) {
		return latin1(text.getBytes(StandardCharsets.UTF_8));
	}

	private static byte[] concat(byte[] first, byte[] second) {
		byte[] both = Arrays.copyOf(first, first.length + second.length);
		System.arraycopy(second, 0, both, first.length, second.length);
		return both;
	}

	/** {@code bytes} decoded as UTF-8, or null where they are not valid UTF-8 (no replacement characters). */
	private static String strictUtf8(byte[] bytes) {
		try {
			return StandardCharsets.UTF_8.newDecoder()
				.onMalformedInput(CodingErrorAction.REPORT)
				.onUnmappableCharacter(CodingErrorAction.REPORT)
				.decode(ByteBuffer.wrap(bytes))
				.toString();
		}
		catch (CharacterCodingException ex) {
			return null;
		}
	}

	private static int indexOf(byte[] bytes, int from, String what) {
		byte[] target = ascii(what);
		outer: for (int i = from; i <= bytes.length - target.length; i++) {
			for (int j = 0; j < target.length; j++) {
				if (bytes[i + j] != target[j]) {
					continue outer;
				}
			}
			return i;
		}
		return -1;
	}

	/** A part as it might come back: as sent (bytes as chars), decoded as UTF-8, percent-decoded. */
	private static List<String> forms(String part) {
		List<String> forms = new ArrayList<>();
		forms.add(part);
		String utf8 = new String(ascii(part), StandardCharsets.UTF_8);
		if (!utf8.equals(part)) {
			forms.add(utf8);
		}
		if (part.indexOf('%') >= 0) {
			forms.add(percentDecoded(part));
		}
		return forms;
	}

	private static String percentDecoded(String text) {
		ByteArrayOutputStream bytes = new ByteArrayOutputStream();
		for (int i = 0; i < text.length(); i++) {
			char c = text.charAt(i);
			if (c == '%' && i + 2 < text.length() && Character.digit(text.charAt(i + 1), 16) >= 0
					&& Character.digit(text.charAt(i + 2), 16) >= 0) {
				bytes.write(Integer.parseInt(text.substring(i + 1, i + 3), 16));
				i += 2;
			}
			else {
				bytes.write(c & 0xFF);
			}
		}
		return new String(bytes.toByteArray(), StandardCharsets.UTF_8);
	}

	/**
	 * A run of {@code window} characters of {@code part} that {@code answer} contains, or null: a rolling hash over
	 * both, so that a megabyte body costs one pass.
	 */
	static String repeatedRun(String answer, String part, int window) {
		if (answer.length() < window || part.length() < window) {
			return null;
		}
		long base = 1_000_003L;
		long top = 1;
		for (int i = 1; i < window; i++) {
			top *= base;
		}
		Map<Long, Integer> windows = new HashMap<>();
		long hash = 0;
		for (int i = 0; i < answer.length(); i++) {
			if (i >= window) {
				hash -= answer.charAt(i - window) * top;
			}
			hash = hash * base + answer.charAt(i);
			if (i >= window - 1) {
				windows.putIfAbsent(hash, i - window + 1);
			}
		}
		hash = 0;
		for (int i = 0; i < part.length(); i++) {
			if (i >= window) {
				hash -= part.charAt(i - window) * top;
			}
			hash = hash * base + part.charAt(i);
			if (i >= window - 1) {
				Integer at = windows.get(hash);
				if (at != null && answer.regionMatches(at, part, i - window + 1, window)) {
					return part.substring(i - window + 1, i + 1);
				}
			}
		}
		return null;
	}

	/** The first control character, or -1; {@code framing} allows tab, CR and LF (in an HTML page, say). */
	private static int firstControl(String text, boolean framing) {
		for (int i = 0; i < text.length(); i++) {
			char c = text.charAt(i);
			if (framing && (c == '\t' || c == '\r' || c == '\n')) {
				continue;
			}
			if (Character.isISOControl(c) || c == '\u2028' || c == '\u2029') {
				return i;
			}
		}
		return -1;
	}

	private static String hex(char c) {
		return String.format("%04X", (int) c);
	}

	/** A short excerpt with everything but printable ASCII escaped, for a failure message. */
	static String excerpt(String text, int max) {
		StringBuilder shown = new StringBuilder();
		for (int i = 0; i < text.length() && shown.length() < max; i++) {
			char c = text.charAt(i);
			if (c >= 0x20 && c < 0x7F && c != '\\') {
				shown.append(c);
			}
			else if (c == '\\') {
				shown.append("\\\\");
			}
			else if (c < 0x100) {
				shown.append(String.format("\\x%02X", (int) c));
			}
			else {
				shown.append(String.format("\\u%04X", (int) c));
			}
		}
		if (shown.length() >= max && text.length() > max) {
			shown.append("...(").append(text.length()).append(" chars)");
		}
		return shown.toString();
	}

	private void violation(int index, Request request, String what) {
		this.violationCount++;
		if (this.violations.size() < SHOWN) {
			String sent = "";
			if (request != null) {
				String text = latin1(request.bytes());
				int body = text.indexOf("\r\n\r\n");
				String header = request.kind().equals("headers") ? " | header: " + excerpt(request.hostile().get(0), 80)
						: "";
				String sentBody = (body >= 0 && body + 4 < text.length())
						? " | body: " + excerpt(text.substring(body + 4), 100) : "";
				sent = " | " + request.kind() + ": " + excerpt(text.substring(0, text.indexOf("\r\n")), 120) + header
						+ sentBody;
			}
			this.violations.add("seed " + this.seed + " #" + index + ": " + what + sent);
		}
	}

	private String summary() {
		return this.violationCount + " violations in " + this.requests + " requests (seed " + this.seed
				+ "; replay with -Dfuzz.seed=" + this.seed + " -Dfuzz.requests=" + this.requests + "), the first "
				+ this.violations.size() + ":\n  " + String.join("\n  ", this.violations);
	}

	private long count(String table) {
		return jdbc().sql("select count(*) from " + table).query(Long.class).single();
	}

	private static JdbcClient jdbc() {
		return app.bean(JdbcClient.class);
	}

	private static OrderRepository repository() {
		return app.bean(OrderRepository.class);
	}

	private static Ledger ledger() {
		return app.bean(Ledger.class);
	}

}
