package dev.orderlock.demo.web;

import jakarta.servlet.RequestDispatcher;
import jakarta.servlet.http.HttpServletRequest;

import org.springframework.boot.webmvc.error.ErrorController;
import org.springframework.http.HttpStatus;
import org.springframework.http.MediaType;
import org.springframework.http.ProblemDetail;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.RequestMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * Spring Boot's error path as problem details with a {@code code}, in place of its JSON with {@code status: 999} when
 * {@code /error} is asked for directly (then: 404, there is no such resource). Forwarded errors keep their status.
 */
@RestController
class ProblemErrorController implements ErrorController {

	@RequestMapping("${server.error.path:${error.path:/error}}")
	ResponseEntity<ProblemDetail> error(HttpServletRequest request) {
		Object forwarded = request.getAttribute(RequestDispatcher.ERROR_STATUS_CODE);
		HttpStatus status = (forwarded instanceof Integer code && HttpStatus.resolve(code) != null)
				? HttpStatus.valueOf(code) : HttpStatus.NOT_FOUND;
		ProblemDetail problem = ProblemDetail.forStatus(status);
		problem.setProperty("code", ApiExceptionHandler.codeFor(status.value()));
		return ResponseEntity.status(status).contentType(MediaType.APPLICATION_PROBLEM_JSON).body(problem);
	}

}
