package dev.orderlock.demo.redis;

import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.util.Map;

import org.junit.jupiter.api.Test;

import dev.orderlock.demo.DemoInstance;
import dev.orderlock.demo.Http;

import org.springframework.boot.SpringApplication;
import org.springframework.core.env.MapPropertySource;
import org.springframework.core.env.StandardEnvironment;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * Dev mode: with no Redis configured the application starts a redis-server of its own, locks with it, and stops it
 * on shutdown; with one configured it starts nothing.
 */
class EmbeddedRedisTests {

	@Test
	void withoutRedisSettingsTheAppStartsItsOwnRedisAndStopsItOnShutdown() {
		Map<String, String> settings = DemoInstance.defaults(DemoInstance.h2("embedded-redis-tests"));
		settings.remove("spring.data.redis.host");
		settings.remove("spring.data.redis.port");
		settings.remove("demo.embedded-redis.enabled");
		String host;
		int port;
		try (DemoInstance app = DemoInstance.start(settings)) {
			host = app.environment().getProperty("spring.data.redis.host");
			port = app.environment().getProperty("spring.data.redis.port", Integer.class);
			// 127.0.0.1 for a redis-server process; where the tests run on Docker, Testcontainers' host for the
			// container (localhost, or the bridge's gateway when the JVM itself runs in a container).
			assertThat(host).isNotBlank();
			assertThat(port).isNotEqualTo(6379);
			assertThat(listens(host, port)).isTrue();

			long id = ((Number) Http.object(Http.postJson(app.url("/api/orders"),
					"{\"customerId\": \"c-1\", \"amountCents\": 1999}")).get("id")).longValue();
			assertThat(Http.post(app.url("/api/orders/" + id + "/pay")).statusCode()).isEqualTo(200);
		}
		assertThat(listens(host, port)).as("stopped with the application").isFalse();
	}

	@Test
	void configuredRedisIsLeftAlone() {
		for (String setting : new String[] { "spring.data.redis.host", "spring.data.redis.url",
				"spring.redis.redisson.config" }) {
			StandardEnvironment environment = new StandardEnvironment();
			environment.getPropertySources().addFirst(new MapPropertySource("test", Map.of(setting, "x")));

			new EmbeddedRedisEnvironmentPostProcessor((log) -> log.get())
				.postProcessEnvironment(environment, new SpringApplication());

			assertThat(environment.getPropertySources().contains("embeddedRedis")).as(setting).isFalse();
		}
	}

	@Test
	void disabledEmbeddedRedisStartsNothing() {
		StandardEnvironment environment = new StandardEnvironment();
		environment.getPropertySources()
			.addFirst(new MapPropertySource("test", Map.of("demo.embedded-redis.enabled", "false")));

		new EmbeddedRedisEnvironmentPostProcessor((log) -> log.get())
			.postProcessEnvironment(environment, new SpringApplication());

		assertThat(environment.containsProperty("spring.data.redis.host")).isFalse();
	}

	private static boolean listens(String host, int port) {
		try (Socket socket = new Socket()) {
			socket.connect(new InetSocketAddress(host, port), 500);
			return true;
		}
		catch (IOException ex) {
			return false;
		}
	}

}
