package dev.orderlock.demo.web;

import org.apache.tomcat.util.http.InvalidParameterException;
import org.jspecify.annotations.Nullable;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import dev.orderlock.OrderLockException;
import dev.orderlock.OrderLockLeaseLostException;
import dev.orderlock.OrderLockTimeoutException;
import dev.orderlock.OrderLockUnavailableException;
import dev.orderlock.support.KeyText;

import org.springframework.http.HttpHeaders;
import org.springframework.http.HttpStatus;
import org.springframework.http.HttpStatusCode;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;
import org.springframework.web.context.request.WebRequest;
import org.springframework.web.servlet.mvc.method.annotation.ResponseEntityExceptionHandler;

/**
 * Turns every failure into {@code application/problem+json} with a stable {@code code} property: the API's own
 * failures ({@link ApiException}), the lock's (busy: 409 {@code ORDER_LOCKED}; Redis down: 503
 * {@code LOCK_UNAVAILABLE}; lost while the request ran, where the controller cannot tell the committed outcome: 503
 * {@code LOCK_LOST}), Spring MVC's (malformed JSON, wrong content type, bad path variable... all 4xx), and
 * anything unexpected (500 {@code INTERNAL_ERROR}, logged here, its message never sent to the client).
 */
@RestControllerAdvice
class ApiExceptionHandler extends ResponseEntityExceptionHandler {

	private static final Logger logger = LoggerFactory.getLogger(ApiExceptionHandler.class);

	/** The most of the caller's input an answer repeats (here and in {@link ProblemInstanceAdvice}). */
	static final int MAX_ECHOED = 120;

	@ExceptionHandler(ApiException.class)
	ProblemDetail apiException(ApiException ex) {
		ProblemDetail problem = problem(ex.getStatus(), ex.getCode(), ex.getMessage());
		ex.getProperties().forEach(problem::setProperty);
		return problem;
	}

	@ExceptionHandler(OrderLockTimeoutException.class)
	ProblemDetail orderLocked(OrderLockTimeoutException ex) {
		ProblemDetail problem = problem(HttpStatus.CONFLICT, "ORDER_LOCKED", "Order " + ex.getKey()
				+ " is being changed by another request, which did not finish within " + ex.getWaitTime()
				+ ". Nothing was done; try again.");
		problem.setProperty("orderId", orderId(ex.getKey()));
		return problem;
	}

	@ExceptionHandler(OrderLockUnavailableException.class)
	ProblemDetail lockUnavailable(OrderLockUnavailableException ex) {
		// Failing closed: without Redis nobody can tell whether another instance is working on the order.
		logger.warn("Lock service unavailable: {}", ex.getMessage());
		ProblemDetail problem = problem(HttpStatus.SERVICE_UNAVAILABLE, "LOCK_UNAVAILABLE", "The lock of order "
				+ ex.getKey() + " cannot be taken because Redis is unavailable. Nothing was done; try again later.");
		problem.setProperty("orderId", orderId(ex.getKey()));
		return problem;
	}

	@ExceptionHandler(OrderLockLeaseLostException.class)
	ProblemDetail lockLost(OrderLockLeaseLostException ex) {
		// Unlike every other lock failure, the work ran: say so, and leave the order to be checked.
		logger.error("Lock lost while changing order {}", ex.getKey(), ex);
		ProblemDetail problem = problem(HttpStatus.SERVICE_UNAVAILABLE, "LOCK_LOST", "The lock of order "
				+ ex.getKey() + " was lost while the request ran; its outcome is uncertain. Check the order before "
				+ "trying again.");
		problem.setProperty("orderId", orderId(ex.getKey()));
		return problem;
	}

	@ExceptionHandler(OrderLockException.class)
	ProblemDetail lockFailed(OrderLockException ex) {
		logger.error("Lock failure", ex);
		return problem(HttpStatus.SERVICE_UNAVAILABLE, "LOCK_FAILED",
				"The order's lock could not be taken. Nothing was done; try again later.");
	}

	/** Tomcat's, when a query string does not decode (a stray {@code %}, bytes that are not UTF-8): the caller's. */
	@ExceptionHandler(InvalidParameterException.class)
	ProblemDetail undecodableParameters(InvalidParameterException ex) {
		return problem(HttpStatus.BAD_REQUEST, codeFor(HttpStatus.BAD_REQUEST.value()),
				"The query string does not decode; percent-encode it as UTF-8.");
	}

	@ExceptionHandler(Exception.class)
	ProblemDetail unexpected(Exception ex) {
		logger.error("Unexpected failure", ex);
		return problem(HttpStatus.INTERNAL_SERVER_ERROR, "INTERNAL_ERROR", "Something went wrong on our side.");
	}

	/** Spring MVC's own 4xx problems (malformed body, wrong media type, type mismatch...) get a code too. */
	@Override
	protected @Nullable ResponseEntity<Object> handleExceptionInternal(Exception ex, @Nullable Object body,
			HttpHeaders headers, HttpStatusCode statusCode, WebRequest request) {
		ResponseEntity<Object> response = super.handleExceptionInternal(ex, body, headers, statusCode, request);
		if (response != null && response.getBody() instanceof ProblemDetail problem) {
			if (problem.getProperties() == null || !problem.getProperties().containsKey("code")) {
				problem.setProperty("code", codeFor(statusCode.value()));
			}
			// Spring's details quote the caller's content type, method or value: a short, escaped excerpt at most.
			if (problem.getDetail() != null) {
				problem.setDetail(KeyText.render(problem.getDetail(), MAX_ECHOED));
			}
		}
		return response;
	}

	/** The lock key is the order id as text; answer it as the number the rest of the API uses. */
	private static Object orderId(String key) {
		try {
			return Long.parseLong(key);
		}
		catch (NumberFormatException ex) {
			return key;
		}
	}

	/** The {@code code} of a problem that has no more specific one than its status. */
	static String codeFor(int status) {
		HttpStatus known = HttpStatus.resolve(status);
		if (known == HttpStatus.BAD_REQUEST) {
			return "MALFORMED_REQUEST";
		}
		return (known != null) ? known.name() : "HTTP_" + status;
	}

	/**
	 * A problem as JSON text, for the answers written before Spring MVC runs (a filter, Tomcat's error report);
	 * {@code detail} is the server's own text, never the caller's.
	 */
	static String problemJson(int status, String detail) {
		HttpStatus known = HttpStatus.resolve(status);
		String title = (known != null) ? known.getReasonPhrase() : "HTTP " + status;
		return "{\"type\":\"about:blank\",\"title\":\"" + title + "\",\"status\":" + status + ",\"detail\":\"" + detail
				+ "\",\"code\":\"" + codeFor(status) + "\"}";
	}

	private static ProblemDetail problem(HttpStatus status, String code, String detail) {
		ProblemDetail problem = ProblemDetail.forStatusAndDetail(status, detail);
		problem.setProperty("code", code);
		return problem;
	}

}
