package dev.orderlock.demo.redis;

import java.util.List;
import java.util.Map;

import org.apache.commons.logging.Log;

import dev.orderlock.testredis.TestRedis;

import org.springframework.boot.EnvironmentPostProcessor;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.context.event.ApplicationFailedEvent;
import org.springframework.boot.logging.DeferredLogFactory;
import org.springframework.context.ApplicationEvent;
import org.springframework.context.ApplicationListener;
import org.springframework.context.event.ContextClosedEvent;
import org.springframework.core.Ordered;
import org.springframework.core.env.ConfigurableEnvironment;
import org.springframework.core.env.MapPropertySource;

/**
 * Dev mode on a fresh machine: when no Redis is configured, starts a real {@code redis-server} on a free port (the
 * one on {@code PATH}, else the binary shipped in embedded-redis) before the {@code RedissonClient} is built, points
 * {@code spring.data.redis.host}/{@code port} at it, and stops it when the application context closes or fails to
 * start.
 * <p>
 * "Configured" means any of {@code spring.data.redis.host}, {@code .url}, {@code .sentinel.master},
 * {@code .cluster.nodes}, or Redisson's own {@code spring.redis.redisson.config}/{@code .file}; then nothing is started.
 * {@code demo.embedded-redis.enabled=false} turns it off (Redisson then tries localhost:6379). Fails the start-up with
 * {@link TestRedis}'s {@link IllegalStateException} when no redis-server can be run on this machine.
 */
public class EmbeddedRedisEnvironmentPostProcessor implements EnvironmentPostProcessor, Ordered {

	private static final List<String> REDIS_SETTINGS = List.of("spring.data.redis.host", "spring.data.redis.url",
			"spring.data.redis.sentinel.master", "spring.data.redis.cluster.nodes", "spring.redis.redisson.config",
			"spring.redis.redisson.file");

	private final Log logger;

	public EmbeddedRedisEnvironmentPostProcessor(DeferredLogFactory logFactory) {
		this.logger = logFactory.getLog(EmbeddedRedisEnvironmentPostProcessor.class);
	}

	@Override
	public int getOrder() {
		// After application.properties and profiles are loaded: their Redis settings decide.
		return Ordered.LOWEST_PRECEDENCE;
	}

	@Override
	public void postProcessEnvironment(ConfigurableEnvironment environment, SpringApplication application) {
		if (!environment.getProperty("demo.embedded-redis.enabled", Boolean.class, true)) {
			return;
		}
		for (String setting : REDIS_SETTINGS) {
			if (environment.containsProperty(setting)) {
				return;
			}
		}
		TestRedis redis = TestRedis.start();
		environment.getPropertySources()
			.addFirst(new MapPropertySource("embeddedRedis",
					Map.of("spring.data.redis.host", redis.host(), "spring.data.redis.port", redis.port())));
		application.addListeners(new StopOnShutdown(redis));
		this.logger.info("No Redis configured (spring.data.redis.host): started an embedded redis-server on "
				+ redis.host() + ":" + redis.port() + " for this run; it stops with the application.");
	}

	/** Stops the embedded server with the application, also when the start-up fails. */
	private record StopOnShutdown(TestRedis redis) implements ApplicationListener<ApplicationEvent> {

		@Override
		public void onApplicationEvent(ApplicationEvent event) {
			if (event instanceof ContextClosedEvent || event instanceof ApplicationFailedEvent) {
				this.redis.close();
			}
		}

	}

}
