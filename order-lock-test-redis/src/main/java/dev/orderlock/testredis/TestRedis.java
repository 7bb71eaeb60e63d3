package dev.orderlock.testredis;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.Locale;

/**
 * A real Redis server on a free loopback port, started for the caller and stopped with {@link #close()}.
 * <p>
 * Where it comes from, in this order: a Docker engine that answers (Testcontainers, image {@code redis:7-alpine});
 * otherwise a {@code redis-server} process, using the binary on {@code PATH}, else the one shipped inside
 * {@code com.github.codemonstur:embedded-redis}. The environment variable or system property
 * {@code ORDER_LOCK_TEST_REDIS} ({@code docker} or {@code process}) forces one of them. Tests never rely on a Redis
 * that happens to listen on 6379. {@code ORDER_LOCK_TEST_REDIS_IMAGE} (environment or system property) names another
 * image than {@code redis:7-alpine}, e.g. one from a mirror.
 * <p>
 * Fails with an {@link IllegalStateException} naming what it tried when no Redis could be started; in particular when
 * Docker answers but the image can be neither found nor pulled: no silent fallback to a process then, since the
 * Docker path would go untested unnoticed (docs/testing-with-docker.md).
 */
public abstract class TestRedis implements AutoCloseable {

	static final String MODE = "ORDER_LOCK_TEST_REDIS";

	private static final String IMAGE = "ORDER_LOCK_TEST_REDIS_IMAGE";

	static final String DEFAULT_IMAGE = "redis:7-alpine";

	private static TestRedis shared;

	private static Boolean serverProcessRuns;

	/** Starts a new Redis; the caller owns it and closes it. */
	public static TestRedis start() {
		String mode = setting(MODE, "auto").toLowerCase(Locale.ROOT);
		if (!mode.equals("process") && DockerProbe.dockerAnswers()) {
			return DockerProbe.startContainer(setting(IMAGE, DEFAULT_IMAGE));
		}
		if (mode.equals("docker")) {
			throw new IllegalStateException(DockerProbe.testcontainersPresent()
					? MODE + "=docker, but no Docker engine answers"
					: MODE + "=docker, but Testcontainers (org.testcontainers:testcontainers) is not on the class "
							+ "path; add it with test scope");
		}
		return RedisProcess.launch();
	}

	/** The system property, else the environment variable, else the default. */
	static String setting(String name, String otherwise) {
		String value = System.getProperty(name, System.getenv(name));
		return (value != null && !value.isBlank()) ? value.strip() : otherwise;
	}

	/**
	 * The failure when Docker answers but has not got the image and cannot pull it (no registry reachable): says
	 * so, and how to go on: force the process, or build the image locally.
	 */
	static IllegalStateException imageUnavailable(String image, String reason, Throwable cause) {
		return new IllegalStateException("A Docker engine answers, but the Redis image " + image + " could not be "
				+ "pulled (" + reason + "). Set " + MODE + "=process (environment variable or system property) to "
				+ "use a redis-server process instead, or build the image locally: .ci/testcontainers-check builds "
				+ DEFAULT_IMAGE + " from this machine's redis-server (docs/testing-with-docker.md).", cause);
	}

	/** One Redis for the whole JVM, started on first use and stopped when the JVM exits. */
	public static synchronized TestRedis shared() {
		if (shared == null) {
			TestRedis redis = start();
			Runtime.getRuntime().addShutdownHook(new Thread(redis::close, "test-redis-shutdown"));
			shared = redis;
		}
		return shared;
	}

	/**
	 * Whether a {@code redis-server} process can run here at all (on {@code PATH}, else embedded-redis's): what
	 * {@link RedisSentinelGroup} and {@link RedisClusterGroup} need. Tests of those topologies skip only when not.
	 */
	public static synchronized boolean serverProcessRuns() {
		if (serverProcessRuns == null) {
			try (RedisProcess probe = RedisProcess.launch()) {
				serverProcessRuns = true;
			}
			catch (IllegalStateException ex) {
				serverProcessRuns = false;
			}
		}
		return serverProcessRuns;
	}

	public abstract String host();

	public abstract int port();

	/** The address in Redisson's form, e.g. {@code redis://127.0.0.1:53123}. */
	public String address() {
		return "redis://" + host() + ":" + port();
	}

	/** Stops the server; a later {@link #restart()} brings it back on the same port (an outage, for tests). */
	public abstract void stop();

	/** Starts a stopped server again on the same port. */
	public abstract void restart();

	@Override
	public abstract void close();

	/** Whether a PING on a fresh connection answers PONG within the timeout. */
	public boolean answersPing(Duration timeout) {
		return ping(host(), port(), timeout);
	}

	static boolean ping(String host, int port, Duration timeout) {
		try (Socket socket = new Socket()) {
			socket.connect(new InetSocketAddress(host, port), (int) timeout.toMillis());
			socket.setSoTimeout((int) timeout.toMillis());
			OutputStream out = socket.getOutputStream();
			out.write("PING\r\n".getBytes(StandardCharsets.US_ASCII));
			out.flush();
			InputStream in = socket.getInputStream();
			byte[] reply = in.readNBytes(7);
			return new String(reply, StandardCharsets.US_ASCII).equals("+PONG\r\n");
		}
		catch (IOException ex) {
			return false;
		}
	}

	static void awaitPing(String host, int port, Duration timeout, Process process) {
		long deadline = System.nanoTime() + timeout.toNanos();
		while (System.nanoTime() < deadline) {
			if (ping(host, port, Duration.ofMillis(200))) {
				return;
			}
			if (process != null && !process.isAlive()) {
				throw new IllegalStateException("redis-server exited with code " + process.exitValue()
						+ " before answering on port " + port);
			}
			sleep(Duration.ofMillis(20));
		}
		throw new IllegalStateException("Redis on " + host + ":" + port + " did not answer PING within " + timeout);
	}

	/** A local port nothing listens on right now (another process may take it before the caller binds it). */
	public static int freePort() {
		try (ServerSocket socket = new ServerSocket(0)) {
			return socket.getLocalPort();
		}
		catch (IOException ex) {
			throw new IllegalStateException("No free local port", ex);
		}
	}

	static void sleep(Duration duration) {
		try {
			Thread.sleep(duration.toMillis());
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new IllegalStateException("Interrupted while waiting for Redis", ex);
		}
	}

}
