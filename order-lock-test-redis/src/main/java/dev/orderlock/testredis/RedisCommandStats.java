package dev.orderlock.testredis;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;

/**
 * Reads and resets Redis's own per-command call counters ({@code INFO commandstats}) over a raw connection, so the
 * counting adds nothing to what a RedissonClient sends. Counts include the commands that scripts run.
 * <p>
 * Fails with an {@link IllegalStateException} when Redis cannot be reached.
 */
public final class RedisCommandStats {

	private final String host;

	private final int port;

	public RedisCommandStats(TestRedis redis) {
		this(redis.host(), redis.port());
	}

	public RedisCommandStats(String host, int port) {
		this.host = host;
		this.port = port;
	}

	public void reset() {
		send("CONFIG", "RESETSTAT");
	}

	/** Calls per command name since the last reset, e.g. {@code evalsha -> 40}. */
	public Map<String, Long> calls() {
		String info = send("INFO", "commandstats");
		Map<String, Long> calls = new HashMap<>();
		for (String line : info.split("\r\n")) {
			if (line.startsWith("cmdstat_")) {
				String name = line.substring("cmdstat_".length(), line.indexOf(':'));
				String count = line.substring(line.indexOf("calls=") + 6, line.indexOf(',', line.indexOf("calls=")));
				calls.put(name, Long.parseLong(count));
			}
		}
		return calls;
	}

	/** One field of {@code INFO}, e.g. {@code info("memory", "used_memory")}. */
	public String info(String section, String field) {
		for (String line : send("INFO", section).split("\r\n")) {
			if (line.startsWith(field + ":")) {
				return line.substring(field.length() + 1);
			}
		}
		throw new IllegalStateException("INFO " + section + " has no field " + field);
	}

	/** Sends one command and returns its reply: a bulk string's content, otherwise the reply line as sent. */
	public String send(String... command) {
		StringBuilder request = new StringBuilder("*" + command.length + "\r\n");
		for (String part : command) {
			request.append('$').append(part.length()).append("\r\n").append(part).append("\r\n");
		}
		try (Socket socket = new Socket(this.host, this.port)) {
			socket.setSoTimeout(5000);
			OutputStream out = socket.getOutputStream();
			out.write(request.toString().getBytes(StandardCharsets.UTF_8));
			out.flush();
			InputStream in = socket.getInputStream();
			String header = readLine(in);
			if (header.startsWith("$")) {
				byte[] body = in.readNBytes(Integer.parseInt(header.substring(1)));
				return new String(body, StandardCharsets.UTF_8);
			}
			return header;
		}
		catch (IOException ex) {
			throw new IllegalStateException("Cannot talk to Redis at " + this.host + ":" + this.port, ex);
		}
	}

	private static String readLine(InputStream in) throws IOException {
		StringBuilder line = new StringBuilder();
		int c;
		while ((c = in.read()) != -1 && c != '\n') {
			if (c != '\r') {
				line.append((char) c);
			}
		}
		return line.toString();
	}

}
