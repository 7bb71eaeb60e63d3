package dev.orderlock.bench;

import java.util.ArrayList;
import java.util.List;

import com.baomidou.lock.annotation.Lock4j;
import dev.orderlock.OrderLock;
import dev.orderlock.OrderLockContext;
import org.redisson.api.RedissonClient;

import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.context.annotation.Bean;

/**
 * One application "instance" for the benchmarks: the application's RedissonClient (from Redisson's starter) and the
 * same trivial method four ways, so that every variant talks to Redis through the very same client. No
 * {@code MeterRegistry} or {@code ObservationRegistry}: {@code @OrderLock} here records nothing ({@link Instance}
 * checks it); the variant with meters and observations is {@link ObservedApplication}'s.
 */
@SpringBootConfiguration
@EnableAutoConfiguration
public class BenchApplication {

	/** Lock name prefix of the hand-written variant; {@code @OrderLock} uses {@code order-lock.key-prefix}. */
	public static final String RAW_PREFIX = "bench-raw:";

	/** Starts an instance on {@code redisAddress} ({@code redis://host:port}), with extra properties. */
	public static ConfigurableApplicationContext start(String redisAddress, String... properties) {
		return builder(BenchApplication.class, redisAddress, properties).run();
	}

	/** An application of {@code source} with the settings every benchmark instance shares. */
	static SpringApplicationBuilder builder(Class<?> source, String redisAddress, String... properties) {
		String hostAndPort = redisAddress.substring(redisAddress.indexOf("//") + 2);
		List<String> all = new ArrayList<>(List.of(properties));
		all.add("spring.data.redis.host=" + hostAndPort.substring(0, hostAndPort.lastIndexOf(':')));
		all.add("spring.data.redis.port=" + hostAndPort.substring(hostAndPort.lastIndexOf(':') + 1));
		all.add("order-lock.key-prefix=bench-ol");
		all.add("spring.main.banner-mode=off");
		all.add("logging.level.root=WARN");
		return new SpringApplicationBuilder(source).web(WebApplicationType.NONE)
			.logStartupInfo(false)
			.properties(all.toArray(String[]::new));
	}

	@Bean
	PlainOrders plainOrders() {
		return new PlainOrders();
	}

	@Bean
	HandWrittenOrders handWrittenOrders(RedissonClient redisson, PlainOrders plain) {
		return new HandWrittenOrders(redisson, plain);
	}

	@Bean
	LockedOrders lockedOrders() {
		return new LockedOrders();
	}

	@Bean
	CheckedOrders checkedOrders() {
		return new CheckedOrders();
	}

	@Bean
	Lock4jOrders lock4jOrders() {
		return new Lock4jOrders();
	}

	/** (a) the trivial method, unlocked. */
	public static class PlainOrders {

		public long touch(long orderId) {
			return orderId + 1;
		}

	}

	/** (c) the same method under {@code @OrderLock}. */
	public static class LockedOrders {

		@OrderLock(key = "#orderId")
		public long touch(long orderId) {
			return orderId + 1;
		}

	}

	/** (c) that confirms its lock before its irreversible step, as the demo's pay does before the charge. */
	public static class CheckedOrders {

		@OrderLock(key = "#orderId")
		public long touch(long orderId) {
			OrderLockContext.checkStillHeld();
			return orderId + 1;
		}

	}

	/** (d) the same method under lock4j's annotation, on the same RedissonClient (watchdog, as ours). */
	public static class Lock4jOrders {

		@Lock4j(keys = "#orderId")
		public long touch(long orderId) {
			return orderId + 1;
		}

	}

}
