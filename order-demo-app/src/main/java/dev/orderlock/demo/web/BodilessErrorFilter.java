package dev.orderlock.demo.web;

import java.io.IOException;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import org.springframework.beans.factory.annotation.Value;
import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.http.HttpStatus;
import org.springframework.stereotype.Component;
import org.springframework.web.filter.OncePerRequestFilter;
import org.springframework.web.util.ContentCachingResponseWrapper;

/**
 * Gives the actuator's error answers without a body (a health group, a metric or an order that does not exist: 404
 * with nothing in it) the problem body every other error has: {@code application/problem+json} with a {@code code}.
 * Only under the actuator's base path, whose answers are small enough to hold until the status is known; answers
 * with a body and successes pass unchanged (for {@code HEAD}, Tomcat drops the body and keeps its headers).
 */
@Component
@Order(Ordered.HIGHEST_PRECEDENCE + 20)
class BodilessErrorFilter extends OncePerRequestFilter {

	private final String basePath;

	BodilessErrorFilter(@Value("${management.endpoints.web.base-path:/actuator}") String basePath) {
		this.basePath = basePath;
	}

	@Override
	protected boolean shouldNotFilter(HttpServletRequest request) {
		String path = request.getRequestURI().substring(request.getContextPath().length());
		return !(path.equals(this.basePath) || path.startsWith(this.basePath + "/"));
	}

	@Override
	protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
			throws ServletException, IOException {
		ContentCachingResponseWrapper held = new ContentCachingResponseWrapper(response);
		try {
			chain.doFilter(request, held);
		}
		finally {
			if (held.getStatus() >= 400 && held.getContentSize() == 0 && !response.isCommitted()) {
				held.setContentType("application/problem+json");
				held.setCharacterEncoding("UTF-8");
				String detail = (held.getStatus() == HttpStatus.NOT_FOUND.value()) ? "Nothing is found at this path."
						: "The request could not be served.";
				held.getWriter().write(ApiExceptionHandler.problemJson(held.getStatus(), detail));
				held.getWriter().flush();
			}
			held.copyBodyToResponse();
		}
	}

}
