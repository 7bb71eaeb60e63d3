package dev.orderlock.demo;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.scheduling.annotation.EnableScheduling;

/**
 * The order-lock demo: orders that can be paid or cancelled, a simulated payment gateway with a ledger, a timeout
 * job, and a race runner that fires pay and cancel at the same moment with the lock on and off.
 * <p>
 * With no Redis configured it starts an embedded {@code redis-server} (see
 * {@link dev.orderlock.demo.redis.EmbeddedRedisEnvironmentPostProcessor}); with no datasource configured it uses an
 * in-memory H2 database.
 */
@SpringBootApplication
@ConfigurationPropertiesScan
@EnableScheduling
public class OrderDemoApplication {

	public static void main(String[] args) {
		ConfigurableApplicationContext context = SpringApplication.run(OrderDemoApplication.class, args);
		if (context.getEnvironment().matchesProfiles("race")) {
			// The race command has printed its table; stop the instances, Redis and all, with its exit code.
			System.exit(SpringApplication.exit(context));
		}
	}

}
