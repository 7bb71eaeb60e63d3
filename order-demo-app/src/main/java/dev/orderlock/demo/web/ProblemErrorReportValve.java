package dev.orderlock.demo.web;

import java.io.IOException;
import java.io.Writer;

import org.apache.catalina.Container;
import org.apache.catalina.Valve;
import org.apache.catalina.connector.Request;
import org.apache.catalina.connector.Response;
import org.apache.catalina.core.StandardHost;
import org.apache.catalina.valves.ErrorReportValve;
import org.jspecify.annotations.Nullable;

import org.springframework.boot.tomcat.ConfigurableTomcatWebServerFactory;
import org.springframework.boot.web.server.WebServerFactoryCustomizer;
import org.springframework.core.Ordered;
import org.springframework.stereotype.Component;

/**
 * Answers the requests Tomcat rejects before they reach Spring MVC (an encoded NUL or slash in the path, a malformed
 * request line) with the same {@code application/problem+json} and {@code code} as the rest of the API,
 * instead of Tomcat's HTML page. Replaces the {@link ErrorReportValve} Spring Boot installs; like it, it shows no
 * exception and no server version. Does nothing for responses the application already wrote.
 */
final class ProblemErrorReportValve extends ErrorReportValve {

	@Override
	protected void report(Request request, Response response, @Nullable Throwable throwable) {
		int status = response.getStatus();
		if (status < 400 || response.getContentWritten() > 0 || !response.setErrorReported()) {
			return;
		}
		// Tomcat answers 501 for a method or transfer coding it does not implement (CONNECT, Transfer-Encoding: gzip)
		// and 505 for an HTTP version it does not speak: both are what the caller sent, and the API never answers 5xx
		// for that. The application itself answers neither.
		if (status == 501 || status == 505) {
			status = 400;
			response.setStatus(status);
		}
		String body = ApiExceptionHandler.problemJson(status, "The request could not be read.");
		try {
			response.setContentType("application/problem+json");
			response.setCharacterEncoding("UTF-8");
			Writer writer = response.getReporter();
			if (writer != null) {
				writer.write(body);
				response.finishResponse();
			}
		}
		catch (IOException | IllegalStateException ex) {
			// The client is gone or the response cannot be written any more: nothing left to tell anyone.
		}
	}

	/**
	 * Swaps Spring Boot's error report valve on the host for this one. Ordered after Boot's own customizer, whose
	 * context customizer adds the valve that this one then removes.
	 */
	@Component
	static class Installer implements WebServerFactoryCustomizer<ConfigurableTomcatWebServerFactory>, Ordered {

		@Override
		public void customize(ConfigurableTomcatWebServerFactory factory) {
			factory.addContextCustomizers((context) -> {
				Container host = context.getParent();
				if (host instanceof StandardHost standardHost) {
					// Or the host adds Tomcat's own valve when it starts, inside this one, and that one answers first.
					standardHost.setErrorReportValveClass(ProblemErrorReportValve.class.getName());
				}
				for (Valve valve : host.getPipeline().getValves()) {
					if (valve instanceof ErrorReportValve) {
						host.getPipeline().removeValve(valve);
					}
				}
				host.getPipeline().addValve(new ProblemErrorReportValve());
			});
		}

		@Override
		public int getOrder() {
			return Ordered.LOWEST_PRECEDENCE;
		}

	}

}
