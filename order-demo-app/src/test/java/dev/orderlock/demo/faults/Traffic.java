package dev.orderlock.demo.faults;

import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.Semaphore;
import java.util.function.ToLongFunction;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Collectors;

import org.springframework.jdbc.core.simple.JdbcClient;

/**
 * Pay and cancel requests sent to demo processes, each answer recorded with when it was sent and answered, and
 * the rules every answer must keep: no 5xx but a deliberate 503, and never both a payment and a cancellation of one
 * order answered 200 (the customer told "cancelled" and charged).
 */
final class Traffic {

	/** Status of a request that got no HTTP answer at all (its instance was killed, say). */
	static final int NO_ANSWER = -1;

	/** The answers a call may get in any fault; {@link #NO_ANSWER} when its instance died under it. */
	private static final Set<Integer> ALLOWED = Set.of(200, 201, 404, 409, 503, NO_ANSWER);

	private static final Pattern CODE = Pattern.compile("\"code\"\\s*:\\s*\"([A-Z_]+)\"");

	private static final Pattern ID = Pattern.compile("\"id\"\\s*:\\s*(\\d+)");

	private final HttpClient client = HttpClient.newBuilder()
		.version(HttpClient.Version.HTTP_1_1)
		.connectTimeout(Duration.ofSeconds(5))
		.build();

	private final Semaphore inFlight;

	private final List<Call> calls = Collections.synchronizedList(new ArrayList<>());

	/** @param maxInFlight how many requests may be open at once (beyond it, sending waits) */
	Traffic(int maxInFlight) {
		this.inFlight = new Semaphore(maxInFlight);
	}

	CompletableFuture<Call> pay(DemoProcess instance, long orderId) {
		return send(instance, "pay", orderId);
	}

	CompletableFuture<Call> cancel(DemoProcess instance, long orderId) {
		return send(instance, "cancel", orderId);
	}

	/** {@code GET /api/orders/{id}}: takes no lock, recorded as operation {@code read}. */
	CompletableFuture<Call> read(DemoProcess instance, long orderId) {
		return send(instance, "read", orderId, HttpRequest.newBuilder(instance.url("/api/orders/" + orderId)).GET());
	}

	/**
	 * {@code POST /api/orders}: takes no lock, recorded as operation {@code create} with the new order's id (0 when
	 * it was not created).
	 */
	CompletableFuture<Call> create(DemoProcess instance, String customerId, long amountCents) {
		String json = "{\"customerId\":\"" + customerId + "\",\"amountCents\":" + amountCents + "}";
		return send(instance, "create", Traffic::orderId, HttpRequest.newBuilder(instance.url("/api/orders"))
			.header("Content-Type", "application/json")
			.POST(HttpRequest.BodyPublishers.ofString(json)));
	}

	CompletableFuture<Call> send(DemoProcess instance, String operation, long orderId) {
		return send(instance, operation, orderId,
				HttpRequest.newBuilder(instance.url("/api/orders/" + orderId + "/" + operation))
					.POST(HttpRequest.BodyPublishers.noBody()));
	}

	private CompletableFuture<Call> send(DemoProcess instance, String operation, long orderId,
			HttpRequest.Builder builder) {
		return send(instance, operation, (body) -> orderId, builder);
	}

	/** As above, the order's id read from the answer's body (a created order's is known only then). */
	private CompletableFuture<Call> send(DemoProcess instance, String operation, ToLongFunction<String> orderIdOf,
			HttpRequest.Builder builder) {
		this.inFlight.acquireUninterruptibly();
		HttpRequest request = builder.timeout(Duration.ofSeconds(90)).build();
		long sent = System.nanoTime();
		return this.client.sendAsync(request, HttpResponse.BodyHandlers.ofString()).handle((response, failure) -> {
			this.inFlight.release();
			Call call = (response != null)
					? new Call(operation, orderIdOf.applyAsLong(response.body()), instance.name(),
							response.statusCode(), code(response.body()), sent, System.nanoTime(), response.body())
					: new Call(operation, orderIdOf.applyAsLong(""), instance.name(), NO_ANSWER, "NO_ANSWER", sent,
							System.nanoTime(), String.valueOf(failure));
			this.calls.add(call);
			return call;
		});
	}

	/**
	 * Fires each order's pay on one instance and its cancel on the other at the same moment, alternating which
	 * instance pays and which request goes first so that neither side always wins, and waits for every answer.
	 */
	void race(List<Long> orderIds, DemoProcess first, DemoProcess second) {
		List<CompletableFuture<Call>> sent = new ArrayList<>();
		for (int i = 0; i < orderIds.size(); i++) {
			long id = orderIds.get(i);
			DemoProcess payer = (i % 2 == 0) ? first : second;
			DemoProcess canceller = (i % 2 == 0) ? second : first;
			if (i % 4 < 2) {
				sent.add(pay(payer, id));
				sent.add(cancel(canceller, id));
			}
			else {
				sent.add(cancel(canceller, id));
				sent.add(pay(payer, id));
			}
		}
		CompletableFuture.allOf(sent.toArray(CompletableFuture[]::new)).join();
	}

	List<Call> calls() {
		synchronized (this.calls) {
			return List.copyOf(this.calls);
		}
	}

	/**
	 * Answers that break the rules: any status but 200, 201, 404, 409 and 503 (a 500 {@code LOCK_LOST} for a payment
	 * that went through, say), or an order both paid and cancelled with 200.
	 */
	List<String> violations() {
		List<String> violations = new ArrayList<>();
		Map<Long, List<Call>> byOrder = new TreeMap<>();
		for (Call call : calls()) {
			if (!ALLOWED.contains(call.status())) {
				violations.add("order " + call.orderId() + ": " + call.operation() + " on " + call.instance()
						+ " answered " + call.status() + " " + call.body());
			}
			byOrder.computeIfAbsent(call.orderId(), (id) -> new ArrayList<>()).add(call);
		}
		byOrder.forEach((orderId, ofOrder) -> {
			boolean paid = ofOrder.stream().anyMatch((call) -> call.operation().equals("pay") && call.status() == 200);
			boolean cancelled = ofOrder.stream()
				.anyMatch((call) -> call.operation().equals("cancel") && call.status() == 200);
			if (paid && cancelled) {
				violations.add("order " + orderId + ": both pay and cancel answered 200");
			}
		});
		return violations;
	}

	/**
	 * Answers the database contradicts, for every order this traffic called: told paid (200) but not {@code PAID},
	 * told cancelled but not {@code CANCELLED}, or {@code PAID}/{@code CANCELLED} while every call that could have
	 * done it was answered as a failure (a call whose instance died under it may have done it: no answer, no claim).
	 */
	List<String> contradictions(JdbcClient jdbc) {
		Map<Long, String> statuses = new TreeMap<>();
		MoneyCheck.outcomes(jdbc).forEach((outcome) -> statuses.put(outcome.orderId(), outcome.status()));
		List<String> contradictions = new ArrayList<>();
		calls().stream().collect(Collectors.groupingBy(Call::orderId, TreeMap::new, Collectors.toList()))
			.forEach((orderId, ofOrder) -> {
				String status = statuses.get(orderId);
				checkAgainst(orderId, status, ofOrder, "pay", "PAID", contradictions);
				checkAgainst(orderId, status, ofOrder, "cancel", "CANCELLED", contradictions);
			});
		return contradictions;
	}

	private static void checkAgainst(long orderId, String status, List<Call> ofOrder, String operation,
			String outcome, List<String> contradictions) {
		List<Call> calls = ofOrder.stream().filter((call) -> call.operation().equals(operation)).toList();
		boolean told = calls.stream().anyMatch(Call::ok);
		boolean unknown = calls.stream().anyMatch((call) -> call.status() == NO_ANSWER);
		if (told && !outcome.equals(status)) {
			contradictions.add("order " + orderId + ": " + operation + " answered 200, but the order is " + status);
		}
		if (!told && !unknown && !calls.isEmpty() && outcome.equals(status)) {
			contradictions.add("order " + orderId + " is " + status + ", but its " + operation + " was answered "
					+ calls.stream().map((call) -> call.status() + " " + call.code()).toList());
		}
	}

	/** How many answers of each status and code, e.g. {@code 200=1000, 409 ORDER_NOT_PAYABLE=1000}. */
	Map<String, Long> tally() {
		return tally(calls());
	}

	static Map<String, Long> tally(List<Call> calls) {
		return calls.stream()
			.collect(Collectors.groupingBy((call) -> call.status() + ((call.code() != null) ? " " + call.code() : ""),
					TreeMap::new, Collectors.counting()));
	}

	private static long orderId(String body) {
		Matcher matcher = ID.matcher(body);
		return matcher.find() ? Long.parseLong(matcher.group(1)) : 0;
	}

	private static String code(String body) {
		Matcher matcher = CODE.matcher(body);
		return matcher.find() ? matcher.group(1) : null;
	}

	/** One request and its answer; times are {@link System#nanoTime()}. */
	record Call(String operation, long orderId, String instance, int status, String code, long sentAt,
			long answeredAt, String body) {

		boolean ok() {
			return this.status == 200;
		}

	}

	/** Blocks for a call's answer. */
	static Call await(CompletableFuture<Call> call) {
		try {
			return call.get();
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new IllegalStateException(ex);
		}
		catch (ExecutionException ex) {
			throw new IllegalStateException(ex.getCause());
		}
	}

}
