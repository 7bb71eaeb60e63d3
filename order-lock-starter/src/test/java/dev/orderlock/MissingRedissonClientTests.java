package dev.orderlock;

import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;

import dev.orderlock.autoconfigure.OrderLockAutoConfiguration;
import dev.orderlock.autoconfigure.OrderLockDefinitionFailureAnalyzer;
import dev.orderlock.testredis.TestRedis;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.redisson.api.RedissonClient;

import org.springframework.aop.Advisor;
import org.springframework.aop.framework.ProxyFactory;
import org.springframework.aop.support.AopUtils;
import org.springframework.boot.SpringBootConfiguration;
import org.springframework.boot.WebApplicationType;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.EnableAutoConfiguration;
import org.springframework.boot.autoconfigure.aop.AopAutoConfiguration;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.boot.diagnostics.FailureAnalysis;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.context.annotation.Import;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * Issue 12, case 2: without a {@code RedissonClient} bean (Redisson's auto-configuration excluded or backed off, and
 * none defined) no lock can be taken, so an application with {@link OrderLock} methods must refuse to start, saying
 * why, instead of running them unlocked; one without them starts as before.
 */
@ExtendWith(OutputCaptureExtension.class)
class MissingRedissonClientTests {

	/** Redisson's auto-configuration is not applied: as with {@code spring.autoconfigure.exclude}. */
	private final ApplicationContextRunner withoutRedisson = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(AopAutoConfiguration.class, OrderLockAutoConfiguration.class));

	private final ApplicationContextRunner withRedisson = this.withoutRedisson
		.withConfiguration(AutoConfigurations.of(RedissonAutoConfigurations.forThisBoot()))
		.withPropertyValues("spring.data.redis.host=" + TestRedis.shared().host(),
				"spring.data.redis.port=" + TestRedis.shared().port());

	@Test
	void lockedMethodWithoutARedissonClientFailsTheStartupNamingItAndTheFix() {
		this.withoutRedisson.withBean(Payments.class).withBean(Refunds.class).run((context) -> {
			assertThat(context).hasFailed();
			Throwable failure = context.getStartupFailure();
			FailureAnalysis analysis = new OrderLockDefinitionFailureAnalyzer().analyze(failure);
			assertThat(analysis).as("Spring Boot's report of %s", failure).isNotNull();
			assertThat(analysis.getDescription())
				.contains("@OrderLock on " + Payments.class.getName() + ".cancel(long)")
				.contains("and 2 other @OrderLock methods")
				.contains("without a lock")
				.contains("no RedissonClient bean")
				.contains("spring.autoconfigure.exclude");
			assertThat(analysis.getAction()).contains("redisson-spring-boot-starter")
				.contains("RedissonClient bean")
				.contains("order-lock.enabled=false");
		});
	}

	@Test
	void lazyLockedBeanWithoutARedissonClientFailsTheStartupToo() {
		this.withoutRedisson.withBean(Refunds.class, Refunds::new, (definition) -> definition.setLazyInit(true))
			.run((context) -> assertThat(new OrderLockDefinitionFailureAnalyzer().analyze(context.getStartupFailure())
				.getDescription()).contains(Refunds.class.getName() + ".refund(long)").contains("without a lock"));
	}

	@Test
	void springBootReportsTheMissingRedissonClient(CapturedOutput output) {
		SpringApplicationBuilder application = new SpringApplicationBuilder(ExcludedRedissonApplication.class)
			.web(WebApplicationType.NONE)
			.properties("spring.autoconfigure.exclude=" + RedissonAutoConfigurations.forThisBoot().getName(),
					"spring.main.banner-mode=off");
		assertThatThrownBy(application::run).isNotNull();
		assertThat(output).contains("APPLICATION FAILED TO START")
			.contains("@OrderLock on " + Refunds.class.getName() + ".refund(long)")
			.contains("no RedissonClient bean")
			.contains("order-lock.enabled=false");
	}

	@Test
	void withoutLockedMethodsAnApplicationStartsWithoutARedissonClient() {
		this.withoutRedisson.withBean(Unguarded.class)
			.run((context) -> assertThat(context).hasNotFailed()
				.doesNotHaveBean(RedissonClient.class)
				.doesNotHaveBean(OrderLockTemplate.class));
	}

	@Test
	void guardedMethodNeverRunsUnlockedEvenIfTheStartupCheckWereSkipped() {
		// The context's own advisor, applied to a bean the start-up check never saw.
		this.withoutRedisson.run((context) -> {
			assertThat(context).hasNotFailed();
			Refunds target = new Refunds();
			ProxyFactory factory = new ProxyFactory(target);
			factory.addAdvisor(context.getBean(Advisor.class));
			Refunds proxy = (Refunds) factory.getProxy();
			assertThatThrownBy(() -> proxy.refund(3L)).isInstanceOf(OrderLockException.class)
				.hasMessageContaining("no RedissonClient bean")
				.hasMessageContaining("was not run");
			assertThat(target.calls).hasValue(0);
		});
	}

	@Test
	void disabledStartsWithoutARedissonClientAndSaysMethodsRunUnlocked(CapturedOutput output) {
		this.withoutRedisson.withBean(Payments.class).withPropertyValues("order-lock.enabled=false").run((context) -> {
			assertThat(context).hasNotFailed().doesNotHaveBean(Advisor.class);
			assertThat(AopUtils.isAopProxy(context.getBean(Payments.class))).isFalse();
			assertThat(output).contains("order-lock.enabled=false").contains("WITHOUT any lock");
		});
	}

	@Test
	void ownTemplateWithoutARedissonClientBeanLocks() {
		RedissonClient client = TestClients.newClient(TestRedis.shared());
		try {
			this.withoutRedisson.withBean(Payments.class)
				.withBean(OrderLockTemplate.class, () -> new OrderLockTemplate(client, "own-template", Duration.ofSeconds(1)))
				.run((context) -> {
					assertThat(context).hasNotFailed().doesNotHaveBean(RedissonClient.class);
					assertThat(context.getBean(Payments.class).pay(5L, client, "own-template:5")).isTrue();
				});
		}
		finally {
			client.shutdown();
		}
	}

	@Test
	void withARedissonClientLocksAsBefore() {
		this.withRedisson.withBean(Payments.class).withPropertyValues("order-lock.key-prefix=with-redisson")
			.run((context) -> {
				assertThat(context).hasNotFailed().hasSingleBean(OrderLockTemplate.class);
				assertThat(context.getBean(Payments.class)
					.pay(6L, context.getBean(RedissonClient.class), "with-redisson:6")).isTrue();
			});
	}

	static class Payments {

		/** Whether the caller's thread holds {@code expectedLock} while this runs. */
		@OrderLock(key = "#orderId")
		public boolean pay(long orderId, RedissonClient client, String expectedLock) {
			return client.getLock(expectedLock).isHeldByCurrentThread();
		}

		@OrderLock(key = "#orderId")
		public void cancel(long orderId) {
		}

	}

	static class Refunds {

		final AtomicInteger calls = new AtomicInteger();

		@OrderLock(key = "#orderId")
		public void refund(long orderId) {
			this.calls.incrementAndGet();
		}

	}

	static class Unguarded {

		public void pay(long orderId) {
		}

	}

	@SpringBootConfiguration
	@EnableAutoConfiguration
	@Import(Refunds.class)
	static class ExcludedRedissonApplication {

	}

}
