package dev.orderlock;

import dev.orderlock.autoconfigure.OrderLockAutoConfiguration;
import dev.orderlock.testredis.TestRedis;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.RegisterExtension;
import org.redisson.api.RedissonClient;
import org.redisson.client.codec.StringCodec;
import org.redisson.spring.data.connection.RedissonConnectionFactory;

import org.springframework.beans.factory.annotation.Value;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.aop.AopAutoConfiguration;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.data.redis.connection.RedisConnectionFactory;
import org.springframework.data.redis.connection.RedisStandaloneConfiguration;
import org.springframework.data.redis.connection.lettuce.LettuceConnectionFactory;
import org.springframework.data.redis.core.StringRedisTemplate;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * What adding the starter changes in an application's Redis wiring (README, "What adding the starter changes"):
 * Redisson's starter registers its own {@code RedisConnectionFactory} before Spring Boot's Redis auto-configuration,
 * so Lettuce backs off and every {@code RedisTemplate} goes through Redisson. An application that defines its own
 * Lettuce factory keeps it for its templates, and its {@link OrderLock} methods still lock through Redisson.
 */
class RedisWiringTests {

	@RegisterExtension
	static final TwoClients clients = new TwoClients();

	private ApplicationContextRunner application;

	@BeforeEach
	void application() {
		this.application = new ApplicationContextRunner()
			.withConfiguration(AutoConfigurations.of(RedissonAutoConfigurations.forThisBoot(),
					RedissonAutoConfigurations.springDataRedisForThisBoot(), AopAutoConfiguration.class,
					OrderLockAutoConfiguration.class))
			.withPropertyValues("spring.data.redis.host=" + TestRedis.shared().host(),
					"spring.data.redis.port=" + TestRedis.shared().port(), "order-lock.key-prefix=" + clients.prefix())
			.withBean(Payments.class);
	}

	@Test
	void withTheStarterAloneEveryRedisTemplateGoesThroughRedissonAndLettuceBacksOff() {
		this.application.run((context) -> {
			assertThat(context).hasNotFailed();
			assertThat(context).getBean(RedisConnectionFactory.class).isInstanceOf(RedissonConnectionFactory.class);
			assertThat(context).doesNotHaveBean(LettuceConnectionFactory.class);
			StringRedisTemplate template = context.getBean(StringRedisTemplate.class);
			assertThat(template.getConnectionFactory()).isInstanceOf(RedissonConnectionFactory.class);
			assertRoundTrip(template, "through-redisson");
		});
	}

	@Test
	void anApplicationThatDefinesItsOwnLettuceFactoryKeepsItAndItsOrderLocksStillLock() {
		this.application.withUserConfiguration(OwnLettuce.class).run((context) -> {
			assertThat(context).hasNotFailed();
			assertThat(context).getBean(RedisConnectionFactory.class).isInstanceOf(LettuceConnectionFactory.class);
			StringRedisTemplate template = context.getBean(StringRedisTemplate.class);
			assertThat(template.getConnectionFactory()).isInstanceOf(LettuceConnectionFactory.class);
			assertRoundTrip(template, "through-lettuce");
			assertThat(context).hasSingleBean(RedissonClient.class);

			Payments payments = context.getBean(Payments.class);
			assertThat(payments.pay("7")).as("order 7's lock, seen from another instance while pay ran").isTrue();
			assertThat(clients.b().getLock(clients.prefix() + ":7").isLocked()).as("released after pay").isFalse();
		});
	}

	private static void assertRoundTrip(StringRedisTemplate template, String value) {
		String key = clients.prefix() + ":wiring:" + value;
		template.opsForValue().set(key, value);
		assertThat(clients.b().<String>getBucket(key, StringCodec.INSTANCE).get())
			.as("written through the application's template, read by another client").isEqualTo(value);
		assertThat(template.delete(key)).isTrue();
	}

	/** An application's existing Lettuce set-up, as it would declare it to keep it beside the starter. */
	@Configuration(proxyBeanMethods = false)
	static class OwnLettuce {

		@Bean
		LettuceConnectionFactory redisConnectionFactory(@Value("${spring.data.redis.host}") String host,
				@Value("${spring.data.redis.port}") int port) {
			return new LettuceConnectionFactory(new RedisStandaloneConfiguration(host, port));
		}

	}

	static class Payments {

		@OrderLock(key = "#orderId")
		public boolean pay(String orderId) {
			return clients.b().getLock(clients.prefix() + ":" + orderId).isLocked();
		}

	}

}
