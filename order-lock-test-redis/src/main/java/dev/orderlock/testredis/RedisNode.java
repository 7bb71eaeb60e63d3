package dev.orderlock.testredis;

import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.IntFunction;
import java.util.function.IntSupplier;
import java.util.function.Supplier;
import java.util.stream.Stream;

/**
 * One {@code redis-server} process of a group (primary, replica, sentinel or cluster node), its output in
 * {@code <name>.log} in the group's directory, so that a failure can say where to look.
 */
final class RedisNode {

	private static final Duration START_TIMEOUT = Duration.ofSeconds(20);

	final String name;

	final int port;

	final Path log;

	private final Process process;

	private RedisNode(String name, int port, Path log, Process process) {
		this.name = name;
		this.port = port;
		this.log = log;
		this.process = process;
	}

	/**
	 * Starts {@code binary} with the arguments for a free port and waits for PING.
	 * @param ports picks a port, e.g. {@link TestRedis#freePort()}
	 * @param arguments the arguments after the binary for a given port
	 */
	static RedisNode start(File binary, Path dir, String name, IntSupplier ports, IntFunction<List<String>> arguments) {
		Path log = dir.resolve(name + ".log");
		IllegalStateException last = null;
		// A free port can be taken between probing and binding; a few tries make that race harmless.
		for (int attempt = 0; attempt < 5; attempt++) {
			int port = ports.getAsInt();
			List<String> command = new ArrayList<>();
			command.add(binary.getAbsolutePath());
			command.addAll(arguments.apply(port));
			Process process;
			try {
				process = new ProcessBuilder(command).directory(dir.toFile())
					.redirectErrorStream(true)
					.redirectOutput(log.toFile())
					.start();
			}
			catch (IOException ex) {
				throw new IllegalStateException("Cannot run " + command, ex);
			}
			try {
				TestRedis.awaitPing("127.0.0.1", port, START_TIMEOUT, process);
				return new RedisNode(name, port, log, process);
			}
			catch (IllegalStateException ex) {
				process.destroyForcibly();
				last = new IllegalStateException(name + " (" + String.join(" ", command) + ") did not come up: "
						+ ex.getMessage() + "; see its log " + log, ex);
			}
		}
		throw last;
	}

	boolean isAlive() {
		return this.process.isAlive();
	}

	/** SIGKILL: no shutdown, no last words to replicas or sentinels, as when a machine dies. */
	void kill() {
		this.process.destroyForcibly();
		try {
			this.process.waitFor(10, TimeUnit.SECONDS);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
	}

	@Override
	public String toString() {
		return this.name + " on 127.0.0.1:" + this.port + " (log " + this.log + ")";
	}

	/** Polls {@code condition} until it holds; else fails naming {@code what} (which should name the log). */
	static void await(Duration timeout, BooleanSupplier condition, Supplier<String> what) {
		long deadline = System.nanoTime() + timeout.toNanos();
		while (!condition.getAsBoolean()) {
			if (System.nanoTime() > deadline) {
				throw new IllegalStateException(what.get() + " within " + timeout);
			}
			TestRedis.sleep(Duration.ofMillis(50));
		}
	}

	/** Kills every node and deletes the directory; never fails, it runs in {@code close()}. */
	static void killAllAndDelete(List<RedisNode> nodes, Path dir) {
		nodes.forEach(RedisNode::kill);
		delete(dir);
	}

	private static void delete(Path dir) {
		try (Stream<Path> paths = Files.walk(dir)) {
			paths.sorted(Comparator.reverseOrder()).map(Path::toFile).forEach(File::delete);
		}
		catch (IOException | UncheckedIOException ex) {
			// A temp directory left behind is not worth failing a test for.
		}
	}

	static Path tempDir(String prefix) {
		try {
			return Files.createTempDirectory(prefix);
		}
		catch (IOException ex) {
			throw new IllegalStateException("Cannot create a working directory for " + prefix, ex);
		}
	}

}
