package dev.orderlock.test;

import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.utility.DockerImageName;

/**
 * A Redis 7 container ({@code redis:7-alpine}, no persistence) for Spring Boot's own way of wiring a test to a
 * container: {@code @Container @ServiceConnection static OrderLockRedisContainer redis = new OrderLockRedisContainer();}
 * (with Testcontainers' JUnit extension), or a {@code @Bean @ServiceConnection(name = "redis")} method in a
 * {@code @TestConfiguration}, whose container Spring Boot starts and stops (a bean needs the name: Boot does not look
 * into a bean's image to recognise it). Boot then takes it for a Redis and hands its address to the application as {@code DataRedisConnectionDetails}, which
 * Redisson's auto-configuration uses.
 * <p>
 * Needs Docker. {@link #start()} fails with an {@link IllegalStateException} saying so when no Docker engine answers,
 * and, when one answers but the container cannot be started (the image cannot be pulled, say), one that says that
 * and how to get past it: pull the image beforehand, or use {@link AutoConfigureTestRedis} with
 * {@code ORDER_LOCK_TEST_REDIS=process}, which needs no Docker.
 */
public class OrderLockRedisContainer extends GenericContainer<OrderLockRedisContainer> {

	/** Redis's port inside the container. */
	public static final int REDIS_PORT = 6379;

	public OrderLockRedisContainer() {
		super(DockerImageName.parse(KitRedis.IMAGE));
		withExposedPorts(REDIS_PORT);
		// Protected mode off, as in the official image: connections arrive from Docker's bridge, not from loopback,
		// and an image built from a distribution's redis-server has it on.
		withCommand("redis-server", "--save", "", "--appendonly", "no", "--protected-mode", "no");
	}

	/** The address in Redisson's form, e.g. {@code redis://localhost:53123}; only once started. */
	public String address() {
		return "redis://" + getHost() + ":" + getMappedPort(REDIS_PORT);
	}

	@Override
	public void start() {
		boolean dockerAnswers;
		try {
			dockerAnswers = DockerClientFactory.instance().isDockerAvailable();
		}
		catch (RuntimeException ex) {
			dockerAnswers = false;
		}
		if (!dockerAnswers) {
			throw new IllegalStateException("OrderLockRedisContainer needs Docker, and no Docker engine answers here. "
					+ "Use @AutoConfigureTestRedis instead: it runs a redis-server process when there is no Docker.");
		}
		try {
			super.start();
		}
		catch (RuntimeException ex) {
			throw KitRedis.explain(ex, "use @AutoConfigureTestRedis with ORDER_LOCK_TEST_REDIS=process, which runs "
					+ "a redis-server process and needs no Docker");
		}
	}

}
