package dev.orderlock.demo;

import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

import dev.orderlock.testredis.TestRedis;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * With Redis down, pay and cancel answer 503 {@code LOCK_UNAVAILABLE} and do nothing (fail closed); reads keep
 * working. Uses a Redis of its own, since it stops it.
 */
class RedisOutageTests {

	private static TestRedis redis;

	private static DemoInstance app;

	@BeforeAll
	static void start() {
		redis = TestRedis.start();
		Map<String, String> settings = DemoInstance.defaults(DemoInstance.h2("redis-outage-tests"));
		settings.put("spring.data.redis.host", redis.host());
		settings.put("spring.data.redis.port", String.valueOf(redis.port()));
		settings.put("spring.data.redis.timeout", "500ms");
		settings.put("spring.data.redis.connect-timeout", "500ms");
		app = DemoInstance.start(settings);
	}

	@AfterAll
	static void stop() {
		app.close();
		redis.close();
	}

	@Test
	void payAndCancelAnswer503AndDoNothingWhileRedisIsDown() {
		HttpResponse<String> created = Http.postJson(app.url("/api/orders"),
				"{\"customerId\": \"c-1\", \"amountCents\": 1999}");
		long id = ((Number) Http.object(created).get("id")).longValue();

		redis.stop();
		try {
			long start = System.nanoTime();
			HttpResponse<String> pay = Http.post(app.url("/api/orders/" + id + "/pay"));
			HttpResponse<String> cancel = Http.post(app.url("/api/orders/" + id + "/cancel"));
			Duration took = Duration.ofNanos(System.nanoTime() - start);

			for (HttpResponse<String> response : java.util.List.of(pay, cancel)) {
				assertThat(response.statusCode()).as(response.body()).isEqualTo(503);
				assertThat(Http.contentType(response)).startsWith("application/problem+json");
				assertThat(Http.object(response)).containsEntry("code", "LOCK_UNAVAILABLE");
			}
			assertThat(took).as("an outage answers within seconds, not minutes").isLessThan(Duration.ofSeconds(30));
			assertThat(Http.object(Http.get(app.url("/api/orders/" + id)))).containsEntry("status", "PENDING_PAYMENT");
			assertThat(Http.list(Http.get(app.url("/api/orders/" + id + "/payments")))).as("no charge attempted")
				.isEmpty();
		}
		finally {
			redis.restart();
		}
	}

}
