package dev.orderlock.test;

import dev.orderlock.LockObserver;
import org.redisson.api.RedissonClient;

import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.context.annotation.Bean;
import org.springframework.core.env.Environment;

/**
 * What order-lock-test adds to every application context on the test classpath: one {@link LockObserver} that the
 * auto-configured {@code OrderLockTemplate} reports to, idle (no Redis call, nothing recorded) unless
 * {@link OrderLockAssertions#assertRunsUnderLock} or {@link OtherInstance#loseLeaseOnceAcquired} waits for a lock.
 */
@AutoConfiguration
@ConditionalOnClass(RedissonClient.class)
final class OrderLockTestAutoConfiguration {

	@Bean
	KitLockObserver orderLockTestObserver(ObjectProvider<RedissonClient> redisson, Environment environment) {
		String prefix = Binder.get(environment).bind("order-lock.key-prefix", String.class).orElse("order-lock");
		return new KitLockObserver(redisson, prefix);
	}

}
