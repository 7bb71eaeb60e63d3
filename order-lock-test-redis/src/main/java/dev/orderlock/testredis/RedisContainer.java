package dev.orderlock.testredis;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import com.github.dockerjava.api.DockerClient;
import com.github.dockerjava.api.exception.NotFoundException;
import com.github.dockerjava.api.exception.NotModifiedException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.ContainerLaunchException;
import org.testcontainers.containers.GenericContainer;
import org.testcontainers.containers.wait.strategy.Wait;
import org.testcontainers.utility.DockerImageName;

/**
 * Redis 7 in a Testcontainers container, used when a Docker engine answers.
 * <p>
 * The image is pulled once, up front, when the engine does not have it: where no registry is reachable that fails
 * at once with {@link TestRedis#imageUnavailable} (how to force the process or build the image), instead of
 * Testcontainers retrying the pull for minutes and then failing with a message about Docker in general.
 */
final class RedisContainer extends TestRedis {

	private static final Logger logger = LoggerFactory.getLogger(RedisContainer.class);

	/** On every container, valued with the JVM's working directory (the module, under Maven): for counting them. */
	static final String LABEL = "dev.orderlock.test-redis";

	private static final Duration PULL_TIMEOUT = Duration.ofMinutes(2);

	/** Below the tests' own 60 s timeouts, so that a container that never listens fails with its reason. */
	private static final Duration STARTUP_TIMEOUT = Duration.ofSeconds(30);

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

	static RedisContainer launch(String image) {
		DockerImageName name = DockerImageName.parse(image);
		ensureImage(name);
		// A fixed host port (not a random mapping) keeps the address across stop()/restart(), as an outage would.
		int hostPort = freePort();
		// Protected mode off, as in the official image (which is built with it off): connections arrive from the
		// Docker bridge, not from loopback, and an image built from a distribution's redis-server has it on.
		GenericContainer<?> container = new GenericContainer<>(name).withExposedPorts(6379)
			.withLabel(LABEL, System.getProperty("user.dir", "?"))
			.withCommand("redis-server", "--save", "", "--appendonly", "no", "--protected-mode", "no")
			.waitingFor(Wait.forListeningPort().withStartupTimeout(STARTUP_TIMEOUT));
		container.setPortBindings(List.of(hostPort + ":6379"));
		try {
			container.start();
		}
		catch (ContainerLaunchException ex) {
			throw new IllegalStateException("The Redis container of " + image + " did not listen on 6379 within "
					+ STARTUP_TIMEOUT + ". Testcontainers checks the port inside the container with sh, cat, awk and "
					+ "grep: an image without them never passes. Use an official image, build one with "
					+ ".ci/testcontainers-check, or set " + MODE + "=process to use a redis-server process.", ex);
		}
		RedisContainer redis = new RedisContainer(container);
		redis.port = container.getMappedPort(6379);
		logger.info("Started {} in container {} on {}:{}", image, container.getContainerId(), redis.host(),
				redis.port);
		return redis;
	}

	/** The image from the engine, else pulled once; else {@link TestRedis#imageUnavailable}. */
	private static void ensureImage(DockerImageName name) {
		DockerClient client = DockerClientFactory.instance().client();
		try {
			client.inspectImageCmd(name.asCanonicalNameString()).exec();
			return;
		}
		catch (NotFoundException ex) {
			// not here: pull it
		}
		try {
			boolean done = client.pullImageCmd(name.getUnversionedPart())
				.withTag(name.getVersionPart())
				.start()
				.awaitCompletion(PULL_TIMEOUT.toMillis(), TimeUnit.MILLISECONDS);
			if (!done) {
				throw imageUnavailable(name.asCanonicalNameString(), "the pull did not finish within " + PULL_TIMEOUT,
						null);
			}
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw imageUnavailable(name.asCanonicalNameString(), "interrupted while pulling", ex);
		}
		catch (RuntimeException ex) {
			throw imageUnavailable(name.asCanonicalNameString(), String.valueOf(ex.getMessage()).strip(), ex);
		}
	}

	@Override
	public String host() {
		return this.container.getHost();
	}

	@Override
	public int port() {
		return this.port;
	}

	/** Stops the container, keeping it and its port binding; nothing if it is stopped already. */
	@Override
	public void stop() {
		try {
			DockerClientFactory.instance().client().stopContainerCmd(this.container.getContainerId()).exec();
		}
		catch (NotModifiedException ex) {
			// stopped already, as RedisProcess.stop() allows
		}
	}

	/** Starts the stopped container again (same port); nothing if it runs, as RedisProcess.restart() allows. */
	@Override
	public void restart() {
		try {
			DockerClientFactory.instance().client().startContainerCmd(this.container.getContainerId()).exec();
		}
		catch (NotModifiedException ex) {
			// running already
		}
		awaitPing(host(), this.port, Duration.ofSeconds(20), null);
	}

	@Override
	public void close() {
		this.container.stop();
	}

}
