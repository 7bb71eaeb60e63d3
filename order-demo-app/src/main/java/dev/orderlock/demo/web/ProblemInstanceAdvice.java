package dev.orderlock.demo.web;

import java.net.URI;

import org.jspecify.annotations.Nullable;

import org.springframework.core.MethodParameter;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import org.springframework.http.converter.HttpMessageConverter;
import org.springframework.http.server.ServerHttpRequest;
import org.springframework.http.server.ServerHttpResponse;
import org.springframework.web.bind.annotation.ControllerAdvice;
import org.springframework.web.servlet.mvc.method.annotation.ResponseBodyAdvice;

/**
 * Cuts a long {@code instance} of every problem written to a short excerpt of its plain characters. Spring fills a
 * missing {@code instance} in with the request's path however long it is (an id of 5,000 leading zeros still names
 * an order) and does so just before the body is written, so this is the one place that sees every problem with its
 * final {@code instance}: the API's, Spring MVC's and the error controller's alike.
 */
@ControllerAdvice
class ProblemInstanceAdvice implements ResponseBodyAdvice<Object> {

	@Override
	public boolean supports(MethodParameter returnType, Class<? extends HttpMessageConverter<?>> converterType) {
		return true;
	}

	@Override
	public @Nullable Object beforeBodyWrite(@Nullable Object body, MethodParameter returnType, MediaType contentType,
			Class<? extends HttpMessageConverter<?>> converterType, ServerHttpRequest request,
			ServerHttpResponse response) {
		if (body instanceof ProblemDetail problem && problem.getInstance() != null) {
			String path = problem.getInstance().toString();
			if (path.length() > ApiExceptionHandler.MAX_ECHOED) {
				problem.setInstance(URI.create(excerpt(path)));
			}
		}
		return body;
	}

	private static String excerpt(String path) {
		StringBuilder shown = new StringBuilder();
		for (int i = 0; i < path.length() && shown.length() < ApiExceptionHandler.MAX_ECHOED - 3; i++) {
			char c = path.charAt(i);
			if (c >= 'a' && c <= 'z' || c >= 'A' && c <= 'Z' || c >= '0' && c <= '9' || "/-._~".indexOf(c) >= 0) {
				shown.append(c);
			}
			else {
				break;
			}
		}
		return shown.append("...").toString();
	}

}
