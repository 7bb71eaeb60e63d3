package dev.orderlock.testredis;

import java.io.File;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.embedded.core.ExecutableProvider;

/**
 * A {@code redis-server} child process on a free port: the binary on {@code PATH}, else embedded-redis's.
 */
final class RedisProcess extends TestRedis {

	private static final Logger logger = LoggerFactory.getLogger(RedisProcess.class);

	private static final Duration START_TIMEOUT = Duration.ofSeconds(20);

	private final File binary;

	private final int port;

	private final Path workDir;

	private Process process;

	private RedisProcess(File binary, int port, Path workDir) {
		this.binary = binary;
		this.port = port;
		this.workDir = workDir;
	}

	static RedisProcess launch() {
		return launch(binary());
	}

	/** The {@code redis-server} on {@code PATH}, else embedded-redis's. */
	static File binary() {
		File binary = binaryOnPath();
		return (binary != null) ? binary : embeddedBinary();
	}

	static RedisProcess launch(File binary) {
		IllegalStateException last = null;
		// A free port can be taken between probing and binding; a few tries make that race harmless.
		for (int attempt = 0; attempt < 5; attempt++) {
			try {
				RedisProcess redis = new RedisProcess(binary, freePort(), Files.createTempDirectory("order-lock-redis"));
				redis.restart();
				logger.info("Started redis-server {} on 127.0.0.1:{}", binary, redis.port);
				return redis;
			}
			catch (IOException ex) {
				throw new IllegalStateException("Cannot create a working directory for redis-server", ex);
			}
			catch (IllegalStateException ex) {
				last = ex;
			}
		}
		throw new IllegalStateException("Could not start " + binary + " on a free port", last);
	}

	static File binaryOnPath() {
		String path = System.getenv("PATH");
		if (path != null) {
			for (String dir : path.split(File.pathSeparator)) {
				File candidate = new File(dir, "redis-server");
				if (candidate.canExecute()) {
					return candidate;
				}
			}
		}
		return null;
	}

	static File embeddedBinary() {
		try {
			File shipped = ExecutableProvider.newJarResourceProvider().get();
			shipped.setExecutable(true);
			return shipped;
		}
		catch (IOException | RuntimeException ex) {
			throw new IllegalStateException("No redis-server on PATH and the one shipped in embedded-redis "
					+ "could not be extracted for this OS; install redis-server or start Docker", ex);
		}
	}

	@Override
	public String host() {
		return "127.0.0.1";
	}

	@Override
	public int port() {
		return this.port;
	}

	@Override
	public synchronized void restart() {
		if (this.process != null && this.process.isAlive()) {
			return;
		}
		List<String> command = List.of(this.binary.getAbsolutePath(), "--port", String.valueOf(this.port), "--bind",
				"127.0.0.1", "--save", "", "--appendonly", "no", "--daemonize", "no", "--dir",
				this.workDir.toString());
		try {
			this.process = new ProcessBuilder(command).redirectErrorStream(true)
				.redirectOutput(this.workDir.resolve("redis.log").toFile())
				.start();
		}
		catch (IOException ex) {
			throw new IllegalStateException("Cannot run " + command, ex);
		}
		try {
			awaitPing(host(), this.port, START_TIMEOUT, this.process);
		}
		catch (IllegalStateException ex) {
			this.process.destroyForcibly();
			throw ex;
		}
	}

	@Override
	public synchronized void stop() {
		if (this.process == null) {
			return;
		}
		this.process.destroy();
		try {
			if (!this.process.waitFor(10, TimeUnit.SECONDS)) {
				this.process.destroyForcibly().waitFor(10, TimeUnit.SECONDS);
			}
		}
		catch (InterruptedException ex) {
			this.process.destroyForcibly();
			Thread.currentThread().interrupt();
		}
		this.process = null;
	}

	@Override
	public void close() {
		stop();
	}

}
