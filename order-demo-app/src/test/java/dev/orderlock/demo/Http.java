package dev.orderlock.demo;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import tools.jackson.core.type.TypeReference;
import tools.jackson.databind.json.JsonMapper;

/**
 * A small JDK HTTP client for the tests: real requests, bodies parsed as plain maps and lists.
 */
public final class Http {

	private static final HttpClient client = HttpClient.newBuilder()
		.version(HttpClient.Version.HTTP_1_1)
		.connectTimeout(Duration.ofSeconds(5))
		.build();

	private static final JsonMapper json = JsonMapper.builder().build();

	/** The most of a raw answer read: more than any answer of the demo, less than a runaway one. */
	private static final int RAW_ANSWER_LIMIT = 8 << 20;

	private Http() {
	}

	public static HttpResponse<String> get(URI uri) {
		return send(HttpRequest.newBuilder(uri).GET());
	}

	public static HttpResponse<String> post(URI uri) {
		return send(HttpRequest.newBuilder(uri).POST(HttpRequest.BodyPublishers.noBody()));
	}

	public static HttpResponse<String> postJson(URI uri, String body) {
		return post(uri, "application/json", body);
	}

	/** A POST with the given content type, or none when {@code contentType} is null. */
	public static HttpResponse<String> post(URI uri, String contentType, String body) {
		HttpRequest.Builder request = HttpRequest.newBuilder(uri).POST(HttpRequest.BodyPublishers.ofString(body));
		if (contentType != null) {
			request.header("Content-Type", contentType);
		}
		return send(request);
	}

	public static HttpResponse<String> send(HttpRequest.Builder request) {
		try {
			return client.send(request.timeout(Duration.ofSeconds(30)).build(), HttpResponse.BodyHandlers.ofString());
		}
		catch (IOException ex) {
			throw new IllegalStateException(ex);
		}
		catch (InterruptedException ex) {
			Thread.currentThread().interrupt();
			throw new IllegalStateException(ex);
		}
	}

	/**
	 * Sends {@code request} byte for byte on a connection of its own (for what HttpClient refuses to send) and
	 * returns the answer's bytes up to the server's close. An answer given before the server read the whole request
	 * still counts, and a reset once some of it arrived ends it.
	 * @throws SocketTimeoutException when no byte of an answer arrives within 10 s
	 */
	public static byte[] exchangeRaw(int port, byte[] request) throws IOException {
		try (Socket socket = new Socket()) {
			socket.connect(new InetSocketAddress("127.0.0.1", port), 2_000);
			socket.setSoTimeout(10_000);
			OutputStream out = socket.getOutputStream();
			try {
				out.write(request);
				out.flush();
				socket.shutdownOutput();
			}
			catch (IOException ex) {
				// Answered and closed before it read everything: the answer may still be there to read.
			}
			return readUntilClosed(socket.getInputStream());
		}
	}

	private static byte[] readUntilClosed(InputStream in) throws IOException {
		ByteArrayOutputStream all = new ByteArrayOutputStream();
		byte[] buffer = new byte[16384];
		int read;
		try {
			while ((read = in.read(buffer)) >= 0 && all.size() < RAW_ANSWER_LIMIT) {
				all.write(buffer, 0, read);
			}
		}
		catch (IOException ex) {
			// A timeout or a reset after part of an answer: what arrived is the answer, its framing tells the rest.
			if (all.size() == 0) {
				throw ex;
			}
		}
		return all.toByteArray();
	}

	/** {@code text} as a JSON string literal, quotes and backslashes escaped and nothing else: hostile text stays. */
	public static String jsonString(String text) {
		StringBuilder json = new StringBuilder("\"");
		for (char c : text.toCharArray()) {
			if (c == '"' || c == '\\') {
				json.append('\\');
			}
			json.append(c);
		}
		return json.append('"').toString();
	}

	public static Map<String, Object> object(HttpResponse<String> response) {
		return json.readValue(response.body(), new TypeReference<Map<String, Object>>() {
		});
	}

	public static List<Map<String, Object>> list(HttpResponse<String> response) {
		return json.readValue(response.body(), new TypeReference<List<Map<String, Object>>>() {
		});
	}

	public static String contentType(HttpResponse<String> response) {
		return response.headers().firstValue("Content-Type").orElse("");
	}

}
