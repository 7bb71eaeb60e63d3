package dev.orderlock;

import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.redisson.Redisson;
import org.redisson.api.RedissonClient;
import org.redisson.config.Config;
import org.redisson.config.ConstantDelay;
import reactor.core.publisher.Mono;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Redis unreachable: the guarded code does not run, the caller learns it promptly and distinctly from "busy", and
 * locking works again once Redis is back, without a restart. {@code order-lock.redis-timeout} bounds the wait for a
 * Redis that does not answer, whatever Redisson's own timeout and retries are.
 */
@Timeout(90)
class RedisOutageTests {

	private static OwnRedis own;

	@BeforeAll
	static void start() {
		own = OwnRedis.start();
	}

	@AfterAll
	static void stop() {
		own.close();
	}

	@Test
	void redisDownFailsClosedPromptlyAndRecoversWhenItIsBack() {
		OrderLockTemplate template = new OrderLockTemplate(own.client(), TestClients.uniquePrefix(), Duration.ofSeconds(1));
		assertThat(template.execute("42", () -> "before")).isEqualTo("before");

		own.redis().stop();
		AtomicBoolean ran = new AtomicBoolean();
		long start = System.nanoTime();
		assertThatThrownBy(() -> template.execute("42", () -> ran.getAndSet(true)))
			.isInstanceOfSatisfying(OrderLockUnavailableException.class, (ex) -> {
				assertThat(ex.getKey()).isEqualTo("42");
				assertThat(ex.getMessage()).contains("Redis is unavailable").contains("was not run");
			});
		Duration took = Duration.ofNanos(System.nanoTime() - start);
		assertThat(ran).isFalse();
		// Bounded by the wait time plus Redisson's timeout and retries (500ms, 1 retry, 200ms delay here).
		assertThat(took).isLessThan(Duration.ofSeconds(15));

		own.redis().restart();
		long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
		String after = null;
		while (after == null && System.nanoTime() < deadline) {
			try {
				after = template.execute("42", () -> "after");
			}
			catch (OrderLockUnavailableException ex) {
				OrderLockTemplateTests.sleep(Duration.ofMillis(200));
			}
		}
		assertThat(after).isEqualTo("after");
	}

	@Test
	void redisTimeoutBoundsTheWaitForAnUnresponsiveRedisWhateverRedissonsRetries() throws Exception {
		// A stopped Redis refuses connections and fails fast; the wait that needs a bound is for one that accepts
		// commands and does not answer (a hung server, a network partition): CLIENT PAUSE makes exactly that.
		try (OwnRedis mine = OwnRedis.start()) {
			RedissonClient patient = patientClient(mine);
			try {
				String prefix = TestClients.uniquePrefix();
				OrderLockTemplate unbounded = new OrderLockTemplate(patient, prefix, Duration.ZERO);
				OrderLockTemplate bounded = new OrderLockTemplate(patient, prefix, Duration.ZERO);
				bounded.setRedisTimeout(Duration.ofMillis(500));
				assertThat(bounded.execute("41", () -> "before")).isEqualTo("before");

				pauseAllClients(mine, Duration.ofSeconds(8));
				AtomicBoolean ran = new AtomicBoolean();
				Duration boundedTook = timed(
						() -> assertThatThrownBy(() -> bounded.execute("42", () -> ran.getAndSet(true)))
							.isInstanceOf(OrderLockUnavailableException.class)
							.hasMessageContaining("order-lock.redis-timeout"));
				Duration unboundedTook = timed(
						() -> assertThatThrownBy(() -> unbounded.execute("43", () -> ran.getAndSet(true)))
							.isInstanceOf(OrderLockUnavailableException.class));
				assertThat(ran).isFalse();
				assertThat(boundedTook).isGreaterThanOrEqualTo(Duration.ofMillis(450))
					.isLessThan(Duration.ofMillis(1500));
				// Redisson alone: its 2s response timeout (a command already sent is not retried).
				assertThat(unboundedTook).as("control: Redisson's own bound")
					.isGreaterThanOrEqualTo(Duration.ofMillis(1900));

				long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
				String after = null;
				while (after == null && System.nanoTime() < deadline) {
					try {
						after = bounded.execute("44", () -> "after");
					}
					catch (OrderLockUnavailableException ex) {
						OrderLockTemplateTests.sleep(Duration.ofMillis(200));
					}
				}
				assertThat(after).isEqualTo("after");
			}
			finally {
				patient.shutdown();
			}
		}
	}

	@Test
	void aSilentRedisFailsTheCallWithinTheRedisTimeoutNotAfterTheWaitTime() throws Exception {
		// A 5 s wait time is for an order another call holds; a Redis that does not answer at all must not hold the
		// caller (a request thread) for it: the first attempt does not wait, and only it is bounded by the timeout.
		try (OwnRedis mine = OwnRedis.start()) {
			RedissonClient patient = patientClient(mine);
			try {
				OrderLockTemplate bounded = new OrderLockTemplate(patient, TestClients.uniquePrefix(),
						Duration.ofSeconds(5));
				bounded.setRedisTimeout(Duration.ofMillis(500));
				assertThat(bounded.execute("60", () -> "before")).isEqualTo("before");

				pauseAllClients(mine, Duration.ofSeconds(8));
				AtomicBoolean ran = new AtomicBoolean();
				Duration oneTook = timed(() -> assertThatThrownBy(() -> bounded.execute("61", () -> ran.getAndSet(true)))
					.isInstanceOf(OrderLockUnavailableException.class)
					.hasMessageContaining("order-lock.redis-timeout"));
				Duration severalTook = timed(() -> assertThatThrownBy(
						() -> bounded.execute(List.of("62", "63"), () -> ran.getAndSet(true)))
					.isInstanceOf(OrderLockUnavailableException.class));
				Duration asyncTook = timed(() -> assertThatThrownBy(() -> new ReactiveOrderLockTemplate(bounded)
					.execute(LockRequest.of("64"), (lock) -> Mono.fromSupplier(() -> ran.getAndSet(true)))
					.block()).isInstanceOf(OrderLockUnavailableException.class));
				assertThat(ran).isFalse();
				assertThat(oneTook).as("one order, blocking").isBetween(Duration.ofMillis(450), Duration.ofMillis(1500));
				assertThat(severalTook).as("several orders").isLessThan(Duration.ofMillis(1500));
				assertThat(asyncTook).as("Mono").isLessThan(Duration.ofMillis(1500));
			}
			finally {
				patient.shutdown();
			}
		}
	}

	@Test
	void withARedisTimeoutABusyOrderIsStillWaitedForAcrossInstances() throws Exception {
		try (OwnRedis mine = OwnRedis.start()) {
			RedissonClient other = TestClients.newClient(mine.redis());
			String prefix = TestClients.uniquePrefix();
			OrderLockTemplate first = new OrderLockTemplate(mine.client(), prefix, Duration.ofSeconds(5));
			OrderLockTemplate second = new OrderLockTemplate(other, prefix, Duration.ofSeconds(5));
			first.setRedisTimeout(Duration.ofMillis(300));
			second.setRedisTimeout(Duration.ofMillis(300));
			CompletableFuture<Void> release = new CompletableFuture<>();
			CompletableFuture<String> holder = CompletableFuture.supplyAsync(() -> first.execute("70", () -> {
				release.join();
				return "held";
			}));
			while (!mine.client().getLock(prefix + ":70").isLocked()) {
				Thread.sleep(10);
			}
			CompletableFuture<String> blocking = CompletableFuture.supplyAsync(() -> second.execute("70", () -> "one"));
			CompletableFuture<String> async = new ReactiveOrderLockTemplate(second)
				.execute(LockRequest.of("70"), (lock) -> Mono.just("async"))
				.toFuture();
			Thread.sleep(1000);
			assertThat(blocking).as("still waiting past the Redis timeout: the order is busy, Redis answers").isNotDone();
			assertThat(async).isNotDone();
			release.complete(null);
			assertThat(holder.get(10, TimeUnit.SECONDS)).isEqualTo("held");
			assertThat(blocking.get(10, TimeUnit.SECONDS)).isEqualTo("one");
			assertThat(async.get(10, TimeUnit.SECONDS)).isEqualTo("async");
			other.shutdown();
		}
	}

	@Test
	void redisTimeoutBoundsTheReleaseOfWorkThatEndedWhileRedisHung() throws Exception {
		try (OwnRedis mine = OwnRedis.start()) {
			RedissonClient patient = patientClient(mine);
			try {
				String prefix = TestClients.uniquePrefix();
				OrderLockTemplate bounded = new OrderLockTemplate(patient, prefix, Duration.ZERO);
				bounded.setRedisTimeout(Duration.ofMillis(500));
				OrderLockTemplate unbounded = new OrderLockTemplate(patient, prefix, Duration.ZERO);

				Duration boundedRelease = releaseTimeOfWorkThatHangsRedis(bounded, mine, "45");
				awaitAnswering(bounded, "46");
				Duration unboundedRelease = releaseTimeOfWorkThatHangsRedis(unbounded, mine, "47");

				// The work's result stands either way (the release failure is logged, the lock lapses on its own).
				assertThat(boundedRelease).isGreaterThanOrEqualTo(Duration.ofMillis(450))
					.isLessThan(Duration.ofMillis(1500));
				assertThat(unboundedRelease).as("control: Redisson's own 2 s timeout")
					.isGreaterThanOrEqualTo(Duration.ofMillis(1900));
			}
			finally {
				patient.shutdown();
			}
		}
	}

	@Test
	void redisTimeoutBoundsSeveralOrdersAndAsynchronousCallsAndRedisDownIsNeverBusy() throws Exception {
		try (OwnRedis mine = OwnRedis.start()) {
			RedissonClient patient = patientClient(mine);
			try {
				OrderLockTemplate bounded = new OrderLockTemplate(patient, TestClients.uniquePrefix(), Duration.ZERO);
				bounded.setRedisTimeout(Duration.ofMillis(500));
				assertThat(bounded.execute(List.of("50", "51"), () -> "before")).isEqualTo("before");

				pauseAllClients(mine, Duration.ofSeconds(8));
				AtomicBoolean ran = new AtomicBoolean();
				Duration severalTook = timed(() -> assertThatThrownBy(
						() -> bounded.execute(List.of("52", "53"), () -> ran.getAndSet(true)))
					.isInstanceOf(OrderLockUnavailableException.class)
					.hasMessageContaining("order-lock.redis-timeout"));
				Duration asyncTook = timed(() -> assertThatThrownBy(() -> bounded
					.executeAsync(LockRequest.of(List.of("54", "55")),
							(lock) -> CompletableFuture.completedFuture(ran.getAndSet(true)))
					.join()).isInstanceOf(OrderLockUnavailableException.class));
				assertThat(ran).isFalse();
				assertThat(severalTook).isLessThan(Duration.ofMillis(1500));
				assertThat(asyncTook).isLessThan(Duration.ofMillis(1500));
			}
			finally {
				patient.shutdown();
			}
			mine.redis().stop();
			OrderLockTemplate down = new OrderLockTemplate(mine.client(), TestClients.uniquePrefix(),
					Duration.ofMillis(300));
			down.setRedisTimeout(Duration.ofMillis(500));
			assertThatThrownBy(() -> down.execute(List.of("56", "57"), () -> "ran"))
				.as("a stopped Redis with several orders: unavailable, not busy")
				.isInstanceOf(OrderLockUnavailableException.class);
		}
	}

	@Test
	void redisTimeoutBoundsTheReleaseOfAsynchronousWork() throws Exception {
		try (OwnRedis mine = OwnRedis.start()) {
			RedissonClient patient = patientClient(mine);
			try {
				OrderLockTemplate bounded = new OrderLockTemplate(patient, TestClients.uniquePrefix(), Duration.ZERO);
				bounded.setRedisTimeout(Duration.ofMillis(500));
				long[] workEnded = new long[1];
				CompletableFuture<String> work = bounded.executeAsync("58", () -> CompletableFuture.supplyAsync(() -> {
					try {
						pauseAllClients(mine, Duration.ofSeconds(3));
					}
					catch (Exception ex) {
						throw new IllegalStateException(ex);
					}
					workEnded[0] = System.nanoTime();
					return "done";
				}));
				assertThat(work.get(10, TimeUnit.SECONDS)).isEqualTo("done");
				assertThat(Duration.ofNanos(System.nanoTime() - workEnded[0]))
					.isGreaterThanOrEqualTo(Duration.ofMillis(450))
					.isLessThan(Duration.ofMillis(1500));
			}
			finally {
				patient.shutdown();
			}
		}
	}

	/** Runs work that makes Redis hang (CLIENT PAUSE 3 s) and measures from its end to the call's return. */
	private static Duration releaseTimeOfWorkThatHangsRedis(OrderLockTemplate template, OwnRedis redis, String key) {
		long[] workEnded = new long[1];
		String result = template.execute(key, () -> {
			try {
				pauseAllClients(redis, Duration.ofSeconds(3));
			}
			catch (Exception ex) {
				throw new IllegalStateException(ex);
			}
			workEnded[0] = System.nanoTime();
			return "done";
		});
		assertThat(result).isEqualTo("done");
		return Duration.ofNanos(System.nanoTime() - workEnded[0]);
	}

	private static void awaitAnswering(OrderLockTemplate template, String key) {
		long deadline = System.nanoTime() + Duration.ofSeconds(30).toNanos();
		while (System.nanoTime() < deadline) {
			try {
				template.execute(key, () -> "answering");
				return;
			}
			catch (OrderLockUnavailableException ex) {
				OrderLockTemplateTests.sleep(Duration.ofMillis(200));
			}
		}
		throw new AssertionError("Redis did not answer again within 30 s");
	}

	/** Redis keeps accepting commands but answers none until the pause ends. */
	private static void pauseAllClients(OwnRedis redis, Duration pause) throws Exception {
		String millis = String.valueOf(pause.toMillis());
		String command = "*3\r\n$6\r\nCLIENT\r\n$5\r\nPAUSE\r\n$" + millis.length() + "\r\n" + millis + "\r\n";
		try (Socket socket = new Socket(redis.redis().host(), redis.redis().port())) {
			socket.setSoTimeout(5000);
			socket.getOutputStream().write(command.getBytes(StandardCharsets.US_ASCII));
			socket.getOutputStream().flush();
			byte[] reply = new byte[5];
			assertThat(socket.getInputStream().readNBytes(reply, 0, 5)).isEqualTo(5);
			assertThat(new String(reply, StandardCharsets.US_ASCII)).isEqualTo("+OK\r\n");
		}
	}

	private static Duration timed(Runnable action) {
		long start = System.nanoTime();
		action.run();
		return Duration.ofNanos(System.nanoTime() - start);
	}

	private static RedissonClient patientClient(OwnRedis redis) {
		Config config = new Config();
		config.useSingleServer()
			.setAddress(redis.redis().address())
			.setConnectTimeout(2000)
			.setTimeout(2000)
			.setRetryAttempts(1)
			.setRetryDelay(new ConstantDelay(Duration.ofSeconds(1)));
		return Redisson.create(config);
	}

}
