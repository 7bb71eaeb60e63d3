package dev.orderlock;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicBoolean;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.Timeout;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Redis unreachable: the guarded code does not run, the caller learns it promptly and distinctly from "busy", and
 * locking works again once Redis is back, without a restart.
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

}
