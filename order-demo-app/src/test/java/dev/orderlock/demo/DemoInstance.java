package dev.orderlock.demo;

import java.net.URI;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import dev.orderlock.testredis.TestRedis;

import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * One real instance of the demo application for a test: its own Spring context, Tomcat on a free port and
 * {@code RedissonClient}, on the shared test Redis and the given database. Settings are passed as command-line
 * arguments, so they win over {@code application.properties}; nothing depends on a Redis on 6379.
 */
public final class DemoInstance implements AutoCloseable {

	private final ConfigurableApplicationContext context;

	private final URI url;

	private DemoInstance(ConfigurableApplicationContext context) {
		this.context = context;
		this.url = URI.create("http://127.0.0.1:" + context.getEnvironment().getProperty("local.server.port"));
	}

	/** Settings every test instance starts from: shared test Redis, a short gateway latency, no background job. */
	public static Map<String, String> defaults(String databaseUrl) {
		TestRedis redis = TestRedis.shared();
		Map<String, String> settings = new LinkedHashMap<>();
		settings.put("server.port", "0");
		settings.put("spring.datasource.url", databaseUrl);
		settings.put("spring.data.redis.host", redis.host());
		settings.put("spring.data.redis.port", String.valueOf(redis.port()));
		settings.put("demo.payment.latency", "100ms");
		settings.put("demo.orders.timeout-job.enabled", "false");
		settings.put("demo.startup-hint", "false");
		settings.put("demo.embedded-redis.enabled", "false");
		settings.put("spring.main.banner-mode", "off");
		return settings;
	}

	/** A named in-memory H2 database that lives as long as the JVM, shared by the instances given the same name. */
	public static String h2(String name) {
		return "jdbc:h2:mem:" + name + ";DB_CLOSE_DELAY=-1";
	}

	public static DemoInstance start(Map<String, String> settings) {
		List<String> args = new ArrayList<>();
		settings.forEach((key, value) -> args.add("--" + key + "=" + value));
		return new DemoInstance(new SpringApplicationBuilder(OrderDemoApplication.class).run(args.toArray(String[]::new)));
	}

	public URI url() {
		return this.url;
	}

	public URI url(String path) {
		return this.url.resolve(path);
	}

	public org.springframework.core.env.Environment environment() {
		return this.context.getEnvironment();
	}

	public <T> T bean(Class<T> type) {
		return this.context.getBean(type);
	}

	@Override
	public void close() {
		this.context.close();
	}

}
