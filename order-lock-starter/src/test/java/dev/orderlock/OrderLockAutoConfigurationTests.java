package dev.orderlock;

import java.time.Duration;

import dev.orderlock.autoconfigure.OrderLockAutoConfiguration;
import dev.orderlock.autoconfigure.OrderLockProperties;
import dev.orderlock.testredis.TestRedis;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;
import org.redisson.api.RedissonClient;

import org.springframework.aop.Advisor;
import org.springframework.aop.support.AopUtils;
import org.springframework.boot.autoconfigure.AutoConfigurations;
import org.springframework.boot.autoconfigure.aop.AopAutoConfiguration;
import org.springframework.boot.test.context.FilteredClassLoader;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.Ordered;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.util.ClassUtils;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * When {@link OrderLockAutoConfiguration} applies, what it registers, and what a user can change.
 */
@ExtendWith(OutputCaptureExtension.class)
class OrderLockAutoConfigurationTests {

	private final ApplicationContextRunner runner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(AopAutoConfiguration.class, OrderLockAutoConfiguration.class));

	private final ApplicationContextRunner withRedisson = this.runner
		.withConfiguration(AutoConfigurations.of(RedissonAutoConfigurations.forThisBoot()))
		.withPropertyValues("spring.data.redis.host=" + TestRedis.shared().host(),
				"spring.data.redis.port=" + TestRedis.shared().port());

	/** The advisor stays, so that @OrderLock methods fail the start-up instead (see MissingRedissonClientTests). */
	@Test
	void noTemplateWithoutARedissonClient() {
		this.runner.run((context) -> assertThat(context).hasNotFailed()
			.doesNotHaveBean(OrderLockTemplate.class)
			.hasSingleBean(Advisor.class));
	}

	@Test
	void backsOffWithoutRedissonOnTheClasspath() {
		this.runner.withClassLoader(new FilteredClassLoader(RedissonClient.class))
			.run((context) -> assertThat(context).doesNotHaveBean(OrderLockTemplate.class));
	}

	@Test
	void locksThroughTheApplicationsOwnRedissonClient() {
		this.runner.withBean(RedissonClient.class, () -> TestClients.newClient(TestRedis.shared()))
			.withBean(Orders.class)
			.withPropertyValues("order-lock.key-prefix=own-client")
			.run((context) -> {
				RedissonClient client = context.getBean(RedissonClient.class);
				assertThat(context).hasSingleBean(OrderLockTemplate.class).hasSingleBean(RedissonClient.class);
				assertThat(context.getBean(Orders.class).pay(7L, client, "own-client:7")).isTrue();
				client.shutdown();
			});
	}

	@Test
	void disabledLeavesMethodsUnlockedAndSaysSoLoudly(CapturedOutput output) {
		this.withRedisson.withBean(Orders.class).withPropertyValues("order-lock.enabled=false").run((context) -> {
			assertThat(context).hasNotFailed().doesNotHaveBean(Advisor.class);
			assertThat(AopUtils.isAopProxy(context.getBean(Orders.class))).isFalse();
			assertThat(output).contains("order-lock.enabled=false").contains("WITHOUT any lock");
		});
	}

	/** Bounded by default: a Redis outage must not hold request threads for Redisson's retries (RedisOutageTests). */
	@Test
	void theRedisTimeoutIsOneSecondUnlessSetAndZeroLeavesItToRedisson() {
		this.withRedisson.run((context) -> assertThat(context.getBean(OrderLockProperties.class).getRedisTimeout())
			.isEqualTo(Duration.ofSeconds(1)));
		this.withRedisson.withPropertyValues("order-lock.redis-timeout=250ms")
			.run((context) -> assertThat(context.getBean(OrderLockProperties.class).getRedisTimeout())
				.isEqualTo(Duration.ofMillis(250)));
		this.withRedisson.withPropertyValues("order-lock.redis-timeout=0")
			.run((context) -> assertThat(context).hasNotFailed().hasSingleBean(OrderLockTemplate.class));
	}

	@Test
	void usersOwnTemplateReplacesOurs() {
		this.withRedisson.withUserConfiguration(OwnTemplateConfiguration.class)
			.run((context) -> assertThat(context).getBean(OrderLockTemplate.class)
				.isSameAs(context.getBean("myTemplate")));
	}

	@Test
	void watchdogTimeoutIsHandedToRedisson() {
		this.withRedisson.withPropertyValues("order-lock.watchdog-timeout=7s")
			.run((context) -> assertThat(context.getBean(RedissonClient.class).getConfig().getLockWatchdogTimeout())
				.isEqualTo(Duration.ofSeconds(7).toMillis()));
	}

	/** The customizer is always there (AOT decides conditions at build time) and leaves Redisson's 30 s alone. */
	@Test
	void withoutWatchdogTimeoutRedissonKeepsItsDefault() {
		this.withRedisson.run((context) -> assertThat(
				context.getBean(RedissonClient.class).getConfig().getLockWatchdogTimeout()).isEqualTo(30_000L));
	}

	@Test
	void localHandOffIsOffByDefaultAndSwitchedOnByItsProperty() {
		this.withRedisson.run((context) -> assertThat(context.getBean(OrderLockTemplate.class).localHandOff()).isNull());
		this.withRedisson.withPropertyValues("order-lock.local-hand-off=true")
			.run((context) -> assertThat(context.getBean(OrderLockTemplate.class).localHandOff()).isNotNull());
	}

	@Test
	void proxiesEvenWhenBootsAopAutoConfigurationIsOff() {
		this.withRedisson.withBean(Orders.class)
			.withPropertyValues("spring.aop.auto=false", "order-lock.key-prefix=no-boot-aop")
			.run((context) -> {
				Orders orders = context.getBean(Orders.class);
				assertThat(AopUtils.isAopProxy(orders)).isTrue();
				assertThat(orders.pay(8L, context.getBean(RedissonClient.class), "no-boot-aop:8")).isTrue();
			});
	}

	@Test
	void advisorOrderDefaultsToJustOutsideTransactionsAndIsConfigurable() {
		this.withRedisson.run((context) -> assertThat(((Ordered) context.getBean(Advisor.class)).getOrder())
			.isEqualTo(Ordered.LOWEST_PRECEDENCE - 100));
		this.withRedisson.withPropertyValues("order-lock.advisor-order=5")
			.run((context) -> assertThat(((Ordered) context.getBean(Advisor.class)).getOrder()).isEqualTo(5));
	}

	@Test
	void transactionManagersConfiguredByBootCheckTheLockBeforeTheirCommit() {
		this.withRedisson
			.withConfiguration(AutoConfigurations.of(transactionAutoConfigurations()))
			.withPropertyValues("spring.datasource.generate-unique-name=true")
			.run((context) -> assertThat(context.getBean(DataSourceTransactionManager.class)
				.getTransactionExecutionListeners()).hasAtLeastOneElementOfType(OrderLockTransactionListener.class));
	}

	@Test
	void blankKeyPrefixFailsTheStartup() {
		this.withRedisson.withPropertyValues("order-lock.key-prefix= ").run((context) -> assertThat(context)
			.getFailure()
			.rootCause()
			.hasMessageContaining("order-lock.key-prefix"));
	}

	/** Boot's data source and transaction manager auto-configurations, which moved packages in Boot 4. */
	private static Class<?>[] transactionAutoConfigurations() {
		boolean boot4 = ClassUtils.isPresent("org.springframework.boot.jdbc.autoconfigure.DataSourceAutoConfiguration",
				null);
		String[] names = boot4 ? new String[] { "org.springframework.boot.jdbc.autoconfigure.DataSourceAutoConfiguration",
				"org.springframework.boot.jdbc.autoconfigure.DataSourceTransactionManagerAutoConfiguration",
				"org.springframework.boot.transaction.autoconfigure.TransactionManagerCustomizationAutoConfiguration" }
				: new String[] { "org.springframework.boot.autoconfigure.jdbc.DataSourceAutoConfiguration",
						"org.springframework.boot.autoconfigure.jdbc.DataSourceTransactionManagerAutoConfiguration",
						"org.springframework.boot.autoconfigure.transaction.TransactionManagerCustomizationAutoConfiguration" };
		Class<?>[] classes = new Class<?>[names.length];
		for (int i = 0; i < names.length; i++) {
			classes[i] = ClassUtils.resolveClassName(names[i], null);
		}
		return classes;
	}

	static class Orders {

		/** Whether the caller's thread holds {@code expectedLock} while this runs. */
		@OrderLock(key = "#orderId")
		public boolean pay(long orderId, RedissonClient client, String expectedLock) {
			return client.getLock(expectedLock).isHeldByCurrentThread();
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class OwnTemplateConfiguration {

		@Bean
		OrderLockTemplate myTemplate(RedissonClient redissonClient) {
			return new OrderLockTemplate(redissonClient, "mine", Duration.ofSeconds(1));
		}

	}

}
