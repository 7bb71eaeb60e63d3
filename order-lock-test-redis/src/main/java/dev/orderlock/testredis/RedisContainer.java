package dev.orderlock.testredis;

import java.time.Duration;
import java.util.List;

import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.utility.DockerImageName;

/**
 * Redis 7 in a Testcontainers container, used when a Docker engine answers.
 */
final class RedisContainer extends TestRedis {

	private static final DockerImageName IMAGE = DockerImageName.parse("redis:7-alpine");

	private final GenericContainer<?> container;

	private int port;

	private RedisContainer(GenericContainer<?> container) {
		this.container = container;
	}

	static boolean dockerAnswers() {
		try {
			return DockerClientFactory.instance().isDockerAvailable();
		}
		catch (RuntimeException ex) {
			return false;
		}
	}

	static RedisContainer launch() {
		// A fixed host port (not a random mapping) keeps the address across stop()/restart(), as an outage would.
		int hostPort = freePort();
		GenericContainer<?> container = new GenericContainer<>(IMAGE).withExposedPorts(6379)
			.withCommand("redis-server", "--save", "", "--appendonly", "no");
		container.setPortBindings(List.of(hostPort + ":6379"));
		container.start();
		RedisContainer redis = new RedisContainer(container);
		redis.port = container.getMappedPort(6379);
		return redis;
	}

	@Override
	public String host() {
		return this.container.getHost();
	}

	@Override
	public int port() {
		return this.port;
	}

	@Override
	public void stop() {
		DockerClientFactory.instance()
			.client()
			.stopContainerCmd(this.container.getContainerId())
			.exec();
	}

	@Override
	public void restart() {
		DockerClientFactory.instance()
			.client()
			.startContainerCmd(this.container.getContainerId())
			.exec();
		awaitPing(host(), this.port, Duration.ofSeconds(20), null);
	}

	@Override
	public void close() {
		this.container.stop();
	}

}
