package dev.orderlock.testredis;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;

/**
 * One Redis command on a fresh connection, in RESP2, with no client library: the topologies are set up with
 * commands that only the server binary is needed for (no {@code redis-cli}).
 * <p>
 * Replies come back as {@code String} (simple and bulk strings), {@code Long}, {@code List} or {@code null}. An error
 * reply, a refused connection or a timeout fail with {@link IllegalStateException} naming the port and command.
 */
final class Resp {

	private Resp() {
	}

	static Object call(int port, Duration timeout, String... command) {
		try (Socket socket = new Socket()) {
			socket.connect(new InetSocketAddress("127.0.0.1", port), (int) timeout.toMillis());
			socket.setSoTimeout((int) timeout.toMillis());
			OutputStream out = socket.getOutputStream();
			out.write(encode(command));
			out.flush();
			return read(new BufferedInputStream(socket.getInputStream()), port, command);
		}
		catch (IOException ex) {
			throw new IllegalStateException("127.0.0.1:" + port + " did not answer " + command[0] + ": " + ex, ex);
		}
	}

	/** The reply as text, or {@code null} when the command failed or the server did not answer: for polling. */
	static String text(int port, String... command) {
		try {
			Object reply = call(port, Duration.ofSeconds(1), command);
			return (reply != null) ? reply.toString() : null;
		}
		catch (IllegalStateException ex) {
			return null;
		}
	}

	/** The value of {@code field} in an {@code INFO} or {@code CLUSTER INFO} style reply, or {@code null}. */
	static String field(String info, String field) {
		if (info == null) {
			return null;
		}
		for (String line : info.split("\r\n")) {
			if (line.startsWith(field + ":")) {
				return line.substring(field.length() + 1).trim();
			}
		}
		return null;
	}

	private static byte[] encode(String... command) {
		StringBuilder resp = new StringBuilder().append('*').append(command.length).append("\r\n");
		for (String part : command) {
			byte[] bytes = part.getBytes(StandardCharsets.UTF_8);
			resp.append('$').append(bytes.length).append("\r\n").append(part).append("\r\n");
		}
		return resp.toString().getBytes(StandardCharsets.UTF_8);
	}

	private static Object read(InputStream in, int port, String[] command) throws IOException {
		int type = in.read();
		String line = line(in);
		switch (type) {
			case '+':
				return line;
			case '-':
				throw new IllegalStateException("127.0.0.1:" + port + " answered " + String.join(" ", head(command))
						+ " with " + line);
			case ':':
				return Long.parseLong(line);
			case '$': {
				int length = Integer.parseInt(line);
				if (length < 0) {
					return null;
				}
				byte[] bytes = in.readNBytes(length + 2);
				return new String(bytes, 0, length, StandardCharsets.UTF_8);
			}
			case '*': {
				int count = Integer.parseInt(line);
				if (count < 0) {
					return null;
				}
				List<Object> items = new ArrayList<>(count);
				for (int i = 0; i < count; i++) {
					items.add(read(in, port, command));
				}
				return items;
			}
			default:
				throw new IOException("Unexpected reply type '" + (char) type + "' from 127.0.0.1:" + port);
		}
	}

	private static String line(InputStream in) throws IOException {
		ByteArrayOutputStream bytes = new ByteArrayOutputStream();
		int b;
		while ((b = in.read()) != '\r') {
			if (b < 0) {
				throw new IOException("Connection closed mid-reply");
			}
			bytes.write(b);
		}
		in.read();
		return bytes.toString(StandardCharsets.UTF_8);
	}

	/** The command without its (possibly thousands of) arguments, for messages. */
	private static List<String> head(String[] command) {
		return List.of(command).subList(0, Math.min(command.length, 3));
	}

}
