package dev.orderlock;

import java.util.ArrayList;
import java.util.List;

import dev.orderlock.testredis.TestRedis;

import org.springframework.boot.WebApplicationType;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * Two Spring Boot applications in one JVM, each with its own RedissonClient (so its own lock owner id), sharing
 * one test Redis: two "instances" of the same service.
 */
final class TwoInstances implements AutoCloseable {

	final ConfigurableApplicationContext first;

	final ConfigurableApplicationContext second;

	private TwoInstances(ConfigurableApplicationContext first, ConfigurableApplicationContext second) {
		this.first = first;
		this.second = second;
	}

	static TwoInstances start(Class<?> application, String... properties) {
		return new TwoInstances(startOne(application, properties), startOne(application, properties));
	}

	private static ConfigurableApplicationContext startOne(Class<?> application, String... properties) {
		List<String> all = new ArrayList<>(List.of(properties));
		all.add("spring.data.redis.host=" + TestRedis.shared().host());
		all.add("spring.data.redis.port=" + TestRedis.shared().port());
		all.add("spring.main.banner-mode=off");
		return new SpringApplicationBuilder(application).web(WebApplicationType.NONE)
			.logStartupInfo(false)
			.properties(all.toArray(String[]::new))
			.run();
	}

	@Override
	public void close() {
		this.first.close();
		this.second.close();
	}

}
