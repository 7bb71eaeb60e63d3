package dev.orderlock.demo.web;

import java.io.IOException;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

import org.springframework.core.Ordered;
import org.springframework.core.annotation.Order;
import org.springframework.http.HttpStatus;
import org.springframework.http.InvalidMediaTypeException;
import org.springframework.http.MediaType;
import org.springframework.stereotype.Component;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * Refuses, before anything reads them, the request headers Spring MVC cannot work with and would answer with a 500
 * or an empty body: a {@code Content-Type} that does not parse or has a wildcard (415), an {@code Accept} that does not
 * parse (400). The answer is {@code application/problem+json} with a {@code code}, and never repeats the header.
 */
@Component
@Order(Ordered.HIGHEST_PRECEDENCE + 10)
class RequestHeadersFilter extends OncePerRequestFilter {

	@Override
	protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
			throws ServletException, IOException {
		String contentType = request.getContentType();
		if (contentType != null && !isConcrete(contentType)) {
			refuse(response, HttpStatus.UNSUPPORTED_MEDIA_TYPE, "The Content-Type is not a concrete media type; "
					+ "send application/json.");
			return;
		}
		String accept = request.getHeader("Accept");
		if (accept != null && !parses(accept)) {
			refuse(response, HttpStatus.BAD_REQUEST, "The Accept header does not parse; send application/json.");
			return;
		}
		chain.doFilter(request, response);
	}

	private static boolean isConcrete(String contentType) {
		try {
			MediaType type = MediaType.parseMediaType(contentType);
			return !type.isWildcardType() && !type.isWildcardSubtype();
		}
		catch (InvalidMediaTypeException ex) {
			return false;
		}
	}

	private static boolean parses(String accept) {
		try {
			MediaType.parseMediaTypes(accept);
			return true;
		}
		catch (InvalidMediaTypeException ex) {
			return false;
		}
	}

	private static void refuse(HttpServletResponse response, HttpStatus status, String detail) throws IOException {
		response.setStatus(status.value());
		response.setContentType("application/problem+json");
		response.setCharacterEncoding("UTF-8");
		response.getWriter().write(ApiExceptionHandler.problemJson(status.value(), detail));
	}

}
