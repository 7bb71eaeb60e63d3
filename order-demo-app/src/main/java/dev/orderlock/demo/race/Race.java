package dev.orderlock.demo.race;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

import tools.jackson.databind.DeserializationFeature;
import tools.jackson.databind.json.JsonMapper;

/**
 * The race itself, as a plain HTTP client of running instances: creates the orders, fires {@code pay} and
 * {@code cancel} for every order at the same moment (each request on its own thread, all released by one latch; with
 * two instances an order's pay goes to one and its cancel to the other), then reads every order and its ledger back
 * and counts. Knows nothing of the server's internals, so it races any deployment, e.g. two {@code java -jar}
 * instances. Fails with {@link IllegalStateException} when an instance does not answer as the API promises.
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
			go.countDown();
			List<Answer> payAnswers = collect(pays);
			List<Answer> cancelAnswers = collect(cancels);
			long millis = TimeUnit.NANOSECONDS.toMillis(System.nanoTime() - start);
			return count(lockEnabled, instances, ids, payAnswers, cancelAnswers, millis);
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
		try {
			HttpResponse<String> response = this.http.send(request, HttpResponse.BodyHandlers.ofString());
			String code = (response.statusCode() == 200) ? null
					: this.json.readValue(response.body(), ProblemView.class).code();
			return new Answer(response.statusCode(), code);
		}
		catch (IOException | RuntimeException ex) {
			return new Answer(-1, ex.toString());
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
				answers.add(new Answer(-1, ex.toString()));
			}
		}
		return answers;
	}

	/** An HTTP answer: status and, for a problem, its code. */
	private record Answer(int status, String code) {

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

}
