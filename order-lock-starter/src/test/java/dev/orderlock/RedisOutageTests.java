package dev.orderlock;

import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;
import org.redisson.Redisson;
import org.redisson.api.RedissonClient;
import org.redisson.config.Config;
import org.redisson.config.ConstantDelay;

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
