package dev.orderlock.demo;

import java.io.IOException;
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
