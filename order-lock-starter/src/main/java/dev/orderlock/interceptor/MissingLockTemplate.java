package dev.orderlock.interceptor;

import dev.orderlock.OrderLock;
import dev.orderlock.OrderLockException;
import dev.orderlock.OrderLockTemplate;

import org.springframework.beans.factory.ObjectProvider;

/**
 * What to say, and do, when {@link OrderLock} methods exist but there is no {@link OrderLockTemplate} to lock them
 * with: the auto-configured template needs a {@code RedissonClient} bean. {@link OrderLockBeanValidator} fails the
 * start-up with it; {@link #require} makes a call fail instead of running unlocked should a guarded method ever be
 * reached anyway (a bean the start-up check never saw).
 */
public final class MissingLockTemplate {

	static final String WHY = "there is no RedissonClient bean, so order-lock has no OrderLockTemplate to lock with "
			+ "(Redisson's auto-configuration was excluded, e.g. with spring.autoconfigure.exclude, or backed off, "
			+ "and no RedissonClient bean is defined)";

	static final String ACTION = "Let redisson-spring-boot-starter's auto-configuration run (RedissonAutoConfigurationV4, "
			+ "or V2 on Spring Boot 3.5: remove it from spring.autoconfigure.exclude or @SpringBootApplication(exclude "
			+ "= ...)), or define a RedissonClient bean (or an OrderLockTemplate bean of your own). To run these "
			+ "methods unlocked deliberately, set order-lock.enabled=false.";

	private MissingLockTemplate() {
	}

	/** The template, or an {@link OrderLockException} (never {@code null}, so the caller cannot proceed unlocked). */
	public static OrderLockTemplate require(ObjectProvider<OrderLockTemplate> template) {
		OrderLockTemplate available = template.getIfAvailable();
		if (available == null) {
			throw new OrderLockException("The @OrderLock method was not run: " + WHY + ". " + ACTION);
		}
		return available;
	}

}
