package dev.orderlock.demo.faults;

import java.io.IOException;
import java.net.ConnectException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.Paths;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import dev.orderlock.testredis.TestRedis;

/**
 * One instance of the demo application as its own JVM process, started from the application's jar (the artifact
 * users deploy), with settings as command-line arguments and its output in {@code target/faults/<name>.log}.
 * <p>
 * The faults it can suffer are the real ones: {@link #kill()} is {@code SIGKILL} (no shutdown hook, no
 * {@code finally}, no lock release), {@link #pause()} is {@code SIGSTOP} (every thread frozen, the lock's watchdog
 * too) until {@link #resume()}.
 */
final class DemoProcess implements AutoCloseable {

	private static final Duration START_TIMEOUT = Duration.ofSeconds(120);

	private static final HttpClient probe = HttpClient.newBuilder()
		.version(HttpClient.Version.HTTP_1_1)
		.connectTimeout(Duration.ofSeconds(2))
		.build();

	private final String name;

	private final Process process;

	private final URI url;

	private final Path log;

	private DemoProcess(String name, Process process, URI url, Path log) {
		this.name = name;
		this.process = process;
		this.url = url;
		this.log = log;
	}

	/** Starts an instance and returns once it answers HTTP. */
	static DemoProcess start(String name, Map<String, String> settings) {
		return start(name, settings, List.of());
	}

	/** As {@link #start(String, Map)}, with JVM options such as {@code -Dspring.aot.enabled=true}. */
	static DemoProcess start(String name, Map<String, String> settings, List<String> jvmOptions) {
		int port = TestRedis.freePort();
		List<String> command = new ArrayList<>(List.of(javaBinary(), "-Xmx256m", "-XX:+UseSerialGC",
				"-Dorder-demo.instance=" + name));
		command.addAll(jvmOptions);
		command.addAll(List.of("-jar", jar().toString(), "--server.port=" + port));
		settings.forEach((key, value) -> command.add("--" + key + "=" + value));
		Path log = logDirectory().resolve(name + ".log");
		try {
			Process process = new ProcessBuilder(command).redirectErrorStream(true)
				.redirectOutput(log.toFile())
				.start();
			DemoProcess demo = new DemoProcess(name, process, URI.create("http://127.0.0.1:" + port), log);
			demo.awaitHttp();
			return demo;
		}
		catch (IOException ex) {
			throw new IllegalStateException("Cannot run " + command, ex);
		}
	}

	String name() {
		return this.name;
	}

	URI url(String path) {
		return this.url.resolve(path);
	}

	long pid() {
		return this.process.pid();
	}

	Path log() {
		return this.log;
	}

	/** {@code kill -9}: the process ends at once, holding whatever it held. */
	void kill() {
		this.process.destroyForcibly();
		try {
			this.process.waitFor(30, TimeUnit.SECONDS);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
		}
	}

	/** {@code kill -STOP}: every thread stops where it is, as in a long GC pause or a frozen VM. */
	void pause() {
		signal("STOP");
	}

	/** {@code kill -CONT}: carries on where it stopped, unaware of the time that passed. */
	void resume() {
		signal("CONT");
	}

	boolean isAlive() {
		return this.process.isAlive();
	}

	/** Graceful stop (SIGTERM), forced after a while. */
	@Override
	public void close() {
		if (!this.process.isAlive()) {
			return;
		}
		resume();
		this.process.destroy();
		try {
			if (!this.process.waitFor(20, TimeUnit.SECONDS)) {
				kill();
			}
		}
		catch (InterruptedException ex) {
			kill();
			Thread.currentThread().interrupt();
		}
	}

	private void signal(String signal) {
		try {
			Process kill = new ProcessBuilder("kill", "-" + signal, String.valueOf(this.process.pid())).start();
			if (!kill.waitFor(10, TimeUnit.SECONDS) || kill.exitValue() != 0) {
				throw new IllegalStateException("kill -" + signal + " " + this.process.pid() + " failed");
			}
		}
		catch (IOException ex) {
			throw new IllegalStateException("Cannot run kill -" + signal, ex);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new IllegalStateException("Interrupted while sending SIG" + signal, ex);
		}
	}

	private void awaitHttp() {
		long deadline = System.nanoTime() + START_TIMEOUT.toNanos();
		HttpRequest health = HttpRequest.newBuilder(url("/actuator/health")).timeout(Duration.ofSeconds(5)).build();
		while (System.nanoTime() < deadline) {
			if (!this.process.isAlive()) {
				throw new IllegalStateException("Demo instance " + this.name + " exited with code "
						+ this.process.exitValue() + " before answering; see " + this.log);
			}
			try {
				// Any answer will do: with Redis down on purpose, health may say 503.
				probe.send(health, HttpResponse.BodyHandlers.discarding());
				return;
			}
			catch (ConnectException ex) {
				// Not listening yet.
			}
			catch (IOException ex) {
				// Listening but not answering yet.
			}
			catch (InterruptedException ex) {
				Thread.currentThread().interrupt();
				throw new IllegalStateException("Interrupted while starting " + this.name, ex);
			}
			FaultSettings.sleep(Duration.ofMillis(200));
		}
		close();
		throw new IllegalStateException("Demo instance " + this.name + " did not answer HTTP within " + START_TIMEOUT
				+ "; see " + this.log);
	}

	private static String javaBinary() {
		return ProcessHandle.current().info().command().orElse(
				Paths.get(System.getProperty("java.home"), "bin", "java").toString());
	}

	/** The repackaged application jar: set by Failsafe ({@code demo.jar}), else looked up in {@code target}. */
	static Path jar() {
		String configured = System.getProperty("demo.jar");
		if (configured != null) {
			return Paths.get(configured);
		}
		try (var files = Files.list(Paths.get("target"))) {
			return files.filter((file) -> file.getFileName().toString().matches("order-demo-app-.*\\.jar"))
				.findFirst()
				.orElseThrow(() -> new IllegalStateException(
						"No order-demo-app jar in target/: run the fault suite with './mvnw -Pfaults verify' "
								+ "(see docs/reliability.md), which packages it first"));
		}
		catch (IOException ex) {
			throw new IllegalStateException("Cannot look for the demo jar in target/", ex);
		}
	}

	private static Path logDirectory() {
		Path dir = Paths.get("target", "faults");
		try {
			return Files.createDirectories(dir);
		}
		catch (IOException ex) {
			throw new IllegalStateException("Cannot create " + dir, ex);
		}
	}

}
