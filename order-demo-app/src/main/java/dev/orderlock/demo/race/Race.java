package dev.orderlock.demo.race;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.Function;

import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.json.JsonMapper;

/**
 * The race itself, as a plain HTTP client of running instances: creates the orders, fires {@code pay} and
 * {@code cancel} for every order at the same moment (each request on its own thread, all released by one latch; with
 * two instances an order's pay goes to one and its cancel to the other), then reads every order and its ledger back
 * and counts. For the first {@value RaceTimeline#DRAWN} orders it also reads back each instance's timings of the
 * calls ({@code GET /api/orders/{id}/timings}) to draw when each waited and ran. Knows nothing of the server's
 * internals beyond the API, so it races any deployment, e.g. two {@code java -jar} instances. Fails with
 * {@link IllegalStateException} when an instance does not answer as the API promises.
 */
public final class Race {

	private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(60);

	private final HttpClient http = HttpClient.newBuilder()
		.version(HttpClient.Version.HTTP_1_1)
		.connectTimeout(Duration.ofSeconds(5))
		.build();

	private final JsonMapper json = JsonMapper.builder()
		.disable(DeserializationFeature.FAIL_ON_UNKNOWN_PROPERTIES)
		.build();

	/**
	 * Races {@code orders} orders against {@code instances} (base URLs such as {@code http://localhost:8080}).
	 * @param lockEnabled only recorded in the result: the instances decide whether they lock
	 */
	public RaceResult run(boolean lockEnabled, List<URI> instances, int orders) {
		List<Long> ids = new ArrayList<>(orders);
		for (int i = 0; i < orders; i++) {
			ids.add(createOrder(instances.get(i % instances.size()), i));
		}
		ExecutorService pool = Executors.newFixedThreadPool(2 * orders);
		try {
			CountDownLatch ready = new CountDownLatch(2 * orders);
			CountDownLatch go = new CountDownLatch(1);
			List<Future<Answer>> pays = new ArrayList<>(orders);
			List<Future<Answer>> cancels = new ArrayList<>(orders);
			for (int i = 0; i < orders; i++) {
				long id = ids.get(i);
				URI payAt = instances.get(i % instances.size());
				URI cancelAt = instances.get((i + 1) % instances.size());
				pays.add(pool.submit(() -> fire(ready, go, payAt.resolve("/api/orders/" + id + "/pay"))));
				cancels.add(pool.submit(() -> fire(ready, go, cancelAt.resolve("/api/orders/" + id + "/cancel"))));
			}
			await(ready);
			long start = System.nanoTime();
			long startMicros = epochMicros();
			go.countDown();
			List<Answer> payAnswers = collect(pays);
			List<Answer> cancelAnswers = collect(cancels);
			long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
			RaceResult counted = count(lockEnabled, instances, ids, payAnswers, cancelAnswers, millis);
			RaceTimeline timeline = timeline(instances, ids, payAnswers, cancelAnswers, startMicros);
			return new RaceResult(counted.lockEnabled(), counted.instances(), counted.orders(), counted.paid(),
					counted.cancelled(), counted.bothSucceeded(), counted.chargedThenCancelled(),
					counted.ledgerMismatches(), counted.lockBusy(), counted.errors(), counted.millis(), timeline);
		}
		finally {
			pool.shutdownNow();
		}
	}

	/** Whether an instance runs with the lock on, as its {@code GET /api/info} says. */
	public boolean lockEnabled(URI instance) {
		return get(instance.resolve("/api/info"), InfoView.class).orderLockEnabled();
	}

	private RaceResult count(boolean lockEnabled, List<URI> instances, List<Long> ids, List<Answer> pays,
			List<Answer> cancels, long millis) {
		URI reader = instances.get(0);
		int paid = 0;
		int cancelled = 0;
		int bothSucceeded = 0;
		int chargedThenCancelled = 0;
		int mismatches = 0;
		int busy = 0;
		int errors = 0;
		for (int i = 0; i < ids.size(); i++) {
			long id = ids.get(i);
			Answer pay = pays.get(i);
			Answer cancel = cancels.get(i);
			OrderView order = get(reader.resolve("/api/orders/" + id), OrderView.class);
			LedgerView[] ledger = get(reader.resolve("/api/orders/" + id + "/payments"), LedgerView[].class);
			boolean charged = false;
			long net = 0;
			for (LedgerView entry : ledger) {
				charged |= entry.type().equals("CHARGE");
				net += entry.type().equals("CHARGE") ? entry.amountCents() : -entry.amountCents();
			}
			paid += order.status().equals("PAID") ? 1 : 0;
			cancelled += order.status().equals("CANCELLED") ? 1 : 0;
			bothSucceeded += (pay.ok() && cancel.ok()) ? 1 : 0;
			chargedThenCancelled += (order.status().equals("CANCELLED") && charged) ? 1 : 0;
			mismatches += (net != (order.status().equals("PAID") ? order.amountCents() : 0)) ? 1 : 0;
			busy += (pay.busy() ? 1 : 0) + (cancel.busy() ? 1 : 0);
			errors += (pay.error() ? 1 : 0) + (cancel.error() ? 1 : 0);
		}
		return new RaceResult(lockEnabled, instances.size(), ids.size(), paid, cancelled, bothSucceeded,
				chargedThenCancelled, mismatches, busy, errors, millis);
	}

	/**
	 * The first orders' calls, with the instances' timings of each (the instance that served a call is the only one
	 * that knows when its body ran), relative to {@code startMicros}.
	 */
	private RaceTimeline timeline(List<URI> instances, List<Long> ids, List<Answer> pays, List<Answer> cancels,
			long startMicros) {
		List<RaceTimeline.OrderTimeline> orders = new ArrayList<>();
		for (int i = 0; i < Math.min(ids.size(), RaceTimeline.DRAWN); i++) {
			long id = ids.get(i);
			int payAt = i % instances.size();
			int cancelAt = (i + 1) % instances.size();
			List<RaceTimeline.Call> calls = List.of(
					call("pay", payAt, pays.get(i), timing(instances.get(payAt), id, "pay"), startMicros),
					call("cancel", cancelAt, cancels.get(i), timing(instances.get(cancelAt), id, "cancel"),
							startMicros));
			orders.add(RaceTimeline.OrderTimeline.of(id, calls));
		}
		return RaceTimeline.of(orders);
	}

	private static RaceTimeline.Call call(String operation, int instance, Answer answer, TimingView timing,
			long startMicros) {
		return new RaceTimeline.Call(operation, instance, answer.status(), answer.code(),
				minus(answer.sentMicros(), startMicros), relative(timing, TimingView::arrivedMicros, startMicros),
				relative(timing, TimingView::startedMicros, startMicros),
				relative(timing, TimingView::endedMicros, startMicros),
				relative(timing, TimingView::leftMicros, startMicros), minus(answer.answeredMicros(), startMicros));
	}

	private static Long relative(TimingView timing, Function<TimingView, Long> time,
			long startMicros) {
		return minus((timing != null) ? time.apply(timing) : null, startMicros);
	}

	private static Long minus(Long micros, long startMicros) {
		return (micros != null) ? micros - startMicros : null;
	}

	/**
	 * The instance's latest timing of the order's {@code operation}; null when it has none (an instance without the
	 * endpoint answers 404: the call is then drawn from the client's times only).
	 */
	private TimingView timing(URI instance, long id, String operation) {
		URI uri = instance.resolve("/api/orders/" + id + "/timings");
		HttpResponse<String> response = send(HttpRequest.newBuilder(uri).timeout(REQUEST_TIMEOUT).GET().build());
		if (response.statusCode() == 404) {
			return null;
		}
		if (response.statusCode() != 200) {
			throw new IllegalStateException("GET " + uri + " answered " + response.statusCode() + ": "
					+ response.body());
		}
		TimingView found = null;
		for (TimingView timing : this.json.readValue(response.body(), TimingView[].class)) {
			if (timing.operation().equals(operation)) {
				found = timing;
			}
		}
		return found;
	}

	private static long epochMicros() {
		Instant now = Instant.now();
		return now.getEpochSecond() * 1_000_000L + now.getNano() / 1_000;
	}

	private long createOrder(URI instance, int n) {
		HttpRequest request = HttpRequest.newBuilder(instance.resolve("/api/orders"))
			.timeout(REQUEST_TIMEOUT)
			.header("Content-Type", "application/json")
			.POST(HttpRequest.BodyPublishers.ofString("{\"customerId\":\"race-" + n + "\",\"amountCents\":" + (1000 + n)
					+ "}"))
			.build();
		HttpResponse<String> response = send(request);
		if (response.statusCode() != 201) {
			throw new IllegalStateException("Creating an order on " + instance + " answered " + response.statusCode()
					+ ": " + response.body());
		}
		return this.json.readValue(response.body(), OrderView.class).id();
	}

	private Answer fire(CountDownLatch ready, CountDownLatch go, URI uri) throws InterruptedException {
		ready.countDown();
		go.await();
		HttpRequest request = HttpRequest.newBuilder(uri)
			.timeout(REQUEST_TIMEOUT)
			.POST(HttpRequest.BodyPublishers.noBody())
			.build();
		long sent = epochMicros();
		try {
			HttpResponse<String> response = this.http.send(request, HttpResponse.BodyHandlers.ofString());
			long answered = epochMicros();
			String code = (response.statusCode() == 200) ? null
					: this.json.readValue(response.body(), ProblemView.class).code();
			return new Answer(response.statusCode(), code, sent, answered);
		}
		catch (IOException | RuntimeException ex) {
			return new Answer(-1, ex.toString(), sent, epochMicros());
		}
	}

	private <T> T get(URI uri, Class<T> type) {
		HttpResponse<String> response = send(HttpRequest.newBuilder(uri).timeout(REQUEST_TIMEOUT).GET().build());
		if (response.statusCode() != 200) {
			throw new IllegalStateException("GET " + uri + " answered " + response.statusCode() + ": "
					+ response.body());
		}
		return this.json.readValue(response.body(), type);
	}

	private HttpResponse<String> send(HttpRequest request) {
		try {
			return this.http.send(request, HttpResponse.BodyHandlers.ofString());
		}
		catch (IOException ex) {
			throw new IllegalStateException(request.method() + " " + request.uri() + " failed: " + ex, ex);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new IllegalStateException("Interrupted during the race", ex);
		}
	}

	private static void await(CountDownLatch latch) {
		try {
			if (!latch.await(30, TimeUnit.SECONDS)) {
				throw new IllegalStateException("The race's request threads did not all start within 30s");
			}
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new IllegalStateException("Interrupted during the race", ex);
		}
	}

	private static List<Answer> collect(List<Future<Answer>> futures) {
		List<Answer> answers = new ArrayList<>(futures.size());
		for (Future<Answer> future : futures) {
			try {
				answers.add(future.get(REQUEST_TIMEOUT.toSeconds() + 5, TimeUnit.SECONDS));
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
				throw new IllegalStateException("Interrupted during the race", ex);
			}
			catch (Exception ex) {
				answers.add(new Answer(-1, ex.toString(), null, null));
			}
		}
		return answers;
	}

	/** An HTTP answer: status and, for a problem, its code; when it was sent and answered (epoch micros). */
	private record Answer(int status, String code, Long sentMicros, Long answeredMicros) {

		boolean ok() {
			return this.status == 200;
		}

		boolean busy() {
			return this.status == 409 && "ORDER_LOCKED".equals(this.code);
		}

		/** Anything but success or a clean refusal (409: not payable/cancellable any more, or busy). */
		boolean error() {
			return this.status != 200 && this.status != 409;
		}

	}

	private record OrderView(long id, String status, long amountCents) {
	}

	private record LedgerView(String type, long amountCents) {
	}

	private record ProblemView(String code) {
	}

	private record InfoView(boolean orderLockEnabled) {
	}

	private record TimingView(String operation, long arrivedMicros, Long startedMicros, Long endedMicros,
			Long leftMicros) {
	}

}
