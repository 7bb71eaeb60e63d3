package dev.orderlock.demo.race;

import java.net.URI;
import java.util.ArrayList;
import java.util.List;

import dev.orderlock.demo.OrderDemoApplication;

import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.core.env.Environment;

/**
 * Application instances for one race, started in this JVM on free ports, each a full Spring context with its own
 * web server, connection pool and {@code RedissonClient}, all pointed at the Redis and the database of the
 * application that starts them. Closing closes them all.
 */
final class RaceInstances implements AutoCloseable {

	/** Settings copied from the starting application, so the instances share its Redis, database and timings. */
	private static final List<String> SHARED = List.of("spring.data.redis.host", "spring.data.redis.port",
			"spring.data.redis.username", "spring.data.redis.password", "spring.data.redis.timeout",
			"spring.data.redis.connect-timeout", "spring.datasource.url", "spring.datasource.username",
			"spring.datasource.password", "demo.payment.latency", "order-lock.key-prefix", "order-lock.wait-time");

	private final List<ConfigurableApplicationContext> contexts = new ArrayList<>();

	private final List<URI> urls = new ArrayList<>();

	private RaceInstances() {
	}

	static RaceInstances start(Environment host, boolean lockEnabled, int count) {
		RaceInstances instances = new RaceInstances();
		try {
			for (int i = 0; i < count; i++) {
				ConfigurableApplicationContext context = new SpringApplicationBuilder(OrderDemoApplication.class)
					.run(arguments(host, lockEnabled));
				instances.contexts.add(context);
				instances.urls.add(URI.create("http://127.0.0.1:" + context.getEnvironment().getProperty("local.server.port")));
			}
			return instances;
		}
		catch (RuntimeException ex) {
			instances.close();
			throw ex;
		}
	}

	private static String[] arguments(Environment host, boolean lockEnabled) {
		List<String> args = new ArrayList<>(List.of("--server.port=0", "--spring.main.web-application-type=servlet",
				// Command-line arguments outrank environment variables: no inherited 'race' profile, no second race.
				"--spring.profiles.active=race-instance", "--order-lock.enabled=" + lockEnabled,
				"--demo.orders.timeout-job.enabled=false", "--demo.startup-hint=false",
				"--demo.embedded-redis.enabled=false", "--spring.flyway.enabled=false", "--spring.main.banner-mode=off",
				"--spring.main.log-startup-info=false"));
		for (String key : SHARED) {
			String value = host.getProperty(key);
			if (value != null) {
				args.add("--" + key + "=" + value);
			}
		}
		return args.toArray(String[]::new);
	}

	List<URI> urls() {
		return List.copyOf(this.urls);
	}

	@Override
	public void close() {
		for (ConfigurableApplicationContext context : this.contexts) {
			context.close();
		}
		this.contexts.clear();
	}

}
