package dev.orderlock.demo.web;

import java.util.Map;

import org.springframework.http.HttpStatus;

/**
 * A failure the API answers with a problem detail of a fixed HTTP status and a stable {@code code} that clients
 * can switch on (the human-readable {@code detail} may change).
 */
public abstract class ApiException extends RuntimeException {

	private final HttpStatus status;

	private final String code;

	protected ApiException(HttpStatus status, String code, String detail) {
		super(detail);
		this.status = status;
		this.code = code;
	}

	public HttpStatus getStatus() {
		return this.status;
	}

	public String getCode() {
		return this.code;
	}

	/** Further properties of the problem detail, e.g. the order's id and status. */
	public Map<String, Object> getProperties() {
		return Map.of();
	}

}
