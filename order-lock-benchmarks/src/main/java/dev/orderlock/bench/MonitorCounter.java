package dev.orderlock.bench;

import java.io.BufferedReader;
import java.io.IOException;
import java.io.InputStreamReader;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.atomic.AtomicLong;

/**
 * Counts the commands clients send to Redis, by name, from Redis's {@code MONITOR} stream: one line per command a
 * client sent, i.e. per round trip (commands that scripts run are marked {@code [.. lua]} and left out).
 */
final class MonitorCounter implements AutoCloseable {

	/** Our own counting and connection housekeeping, not the lock's work. */
	private static final Set<String> HOUSEKEEPING = Set.of("ping", "info", "config", "client", "hello", "select",
			"memory", "monitor");

	private final Socket socket;

	private final Map<String, AtomicLong> counts = new ConcurrentHashMap<>();

	private final AtomicLong lines = new AtomicLong();

	private final Thread reader;

	MonitorCounter(String host, int port) throws IOException {
		this.socket = new Socket(host, port);
		OutputStream out = this.socket.getOutputStream();
		out.write("MONITOR\r\n".getBytes(StandardCharsets.US_ASCII));
		out.flush();
		BufferedReader in = new BufferedReader(
				new InputStreamReader(this.socket.getInputStream(), StandardCharsets.UTF_8));
		String ok = in.readLine();
		if (!"+OK".equals(ok)) {
			throw new IOException("MONITOR answered " + ok);
		}
		this.reader = new Thread(() -> read(in), "redis-monitor");
		this.reader.setDaemon(true);
		this.reader.start();
	}

	private void read(BufferedReader in) {
		try {
			String line;
			while ((line = in.readLine()) != null) {
				this.lines.incrementAndGet();
				int source = line.indexOf('[');
				int sourceEnd = line.indexOf(']', source);
				int nameStart = line.indexOf('"', sourceEnd);
				if (source < 0 || sourceEnd < 0 || nameStart < 0 || line.substring(source, sourceEnd).endsWith(" lua")) {
					continue;
				}
				String name = line.substring(nameStart + 1, line.indexOf('"', nameStart + 1)).toLowerCase();
				if (!HOUSEKEEPING.contains(name)) {
					this.counts.computeIfAbsent(name, (n) -> new AtomicLong()).incrementAndGet();
				}
			}
		}
		catch (IOException ex) {
			// closed
		}
	}

	/** Commands counted so far, once no new line has arrived for a moment (asynchronous commands included). */
	Map<String, Long> settled() throws InterruptedException {
		long seen = -1;
		while (seen != this.lines.get()) {
			seen = this.lines.get();
			Thread.sleep(300);
		}
		Map<String, Long> snapshot = new TreeMap<>();
		this.counts.forEach((name, count) -> snapshot.put(name, count.get()));
		return snapshot;
	}

	void reset() throws InterruptedException {
		settled();
		this.counts.clear();
	}

	@Override
	public void close() throws IOException {
		this.socket.close();
	}

}
