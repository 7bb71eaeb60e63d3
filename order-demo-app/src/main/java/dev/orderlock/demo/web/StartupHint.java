package dev.orderlock.demo.web;

import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.context.event.EventListener;
import org.springframework.core.env.Environment;
import org.springframework.stereotype.Component;

/**
 * Prints, once the server is up, where it listens, how it is configured and how to try it. Silent without a web
 * server (the race command) and in the instances the race runner starts ({@code demo.startup-hint=false}).
 */
@Component
class StartupHint {

	private static final Logger logger = LoggerFactory.getLogger(StartupHint.class);

	@EventListener
	void onReady(ApplicationReadyEvent event) {
		Environment env = event.getApplicationContext().getEnvironment();
		String port = env.getProperty("local.server.port");
		if (port == null || !env.getProperty("demo.startup-hint", Boolean.class, true)) {
			return;
		}
		String base = "http://localhost:" + port;
		boolean locked = env.getProperty("order-lock.enabled", Boolean.class, true);
		logger.info("""

				order-demo-app is up on {}
				  lock:      {}
				  redis:     {}:{}
				  database:  {}
				  gateway latency: {}

				  Web page (race lock on vs off): {}/
				  Try it:
				    curl -si -X POST {}/api/orders -H 'Content-Type: application/json' -d '{"customerId":"c-1","amountCents":1999}'
				    curl -s  -X POST {}/api/orders/1/pay
				    curl -s  -X POST {}/api/orders/1/cancel      # 409: already paid
				    curl -s  {}/api/orders/1/payments
				  Race over HTTP (starts its own instances with the lock on and off, sharing this Redis and database):
				    curl -s -X POST {}/api/races -H 'Content-Type: application/json' -d '{"orders":50,"instances":2}'
				""", base, locked ? "ON (order-lock)" : "OFF (order-lock.enabled=false): pay and cancel can race",
				env.getProperty("spring.data.redis.host", "localhost"), env.getProperty("spring.data.redis.port", "6379"),
				env.getProperty("spring.datasource.url"), env.getProperty("demo.payment.latency", "300ms"), base, base,
				base, base, base, base);
	}

}
