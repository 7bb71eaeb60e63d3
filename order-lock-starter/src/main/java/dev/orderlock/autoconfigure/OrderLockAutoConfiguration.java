package dev.orderlock.autoconfigure;

import java.time.Duration;

import dev.orderlock.LockObserver;
import dev.orderlock.OrderLock;
import dev.orderlock.OrderLockTemplate;
import dev.orderlock.OrderLockTransactionListener;
import dev.orderlock.ReactiveOrderLockTemplate;
import dev.orderlock.interceptor.LockOperationSource;
import dev.orderlock.interceptor.MissingLockTemplate;
import dev.orderlock.interceptor.OrderLockBeanValidator;
import dev.orderlock.interceptor.OrderLockInterceptor;
import dev.orderlock.interceptor.OrderLockPointcut;
import dev.orderlock.observation.LockMetrics;
import dev.orderlock.observation.LockObservations;
import io.micrometer.core.instrument.MeterRegistry;
import io.micrometer.observation.ObservationRegistry;
import org.redisson.api.RedissonClient;
import org.redisson.spring.starter.RedissonAutoConfigurationCustomizer;

import org.springframework.aop.Advisor;
import org.springframework.aop.support.DefaultPointcutAdvisor;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.beans.factory.config.BeanDefinition;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnBooleanProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnClass;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.context.properties.bind.Binder;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;
import org.springframework.context.annotation.Role;
import org.springframework.core.env.Environment;
import org.springframework.util.function.SingletonSupplier;

/**
 * Auto-configuration of {@link OrderLock}: an {@link OrderLockTemplate} on the application's own
 * {@link RedissonClient}, and the advisor that applies it to annotated methods. The template needs a
 * {@code RedissonClient} bean; the advisor and the start-up checks do not, so that without one an application with
 * {@code @OrderLock} methods fails to start (instead of running them unlocked) and one without them starts as before.
 * {@code order-lock.enabled=false} removes the advisor (methods then run unlocked, loudly logged).
 * With a {@code MeterRegistry} or an {@code ObservationRegistry} bean, every lock is also recorded as meters and
 * observations (docs/observability.md).
 */
@AutoConfiguration(afterName = { "org.redisson.spring.starter.RedissonAutoConfigurationV4",
		"org.redisson.spring.starter.RedissonAutoConfigurationV2",
		"org.springframework.boot.micrometer.metrics.autoconfigure.CompositeMeterRegistryAutoConfiguration",
		"org.springframework.boot.micrometer.observation.autoconfigure.ObservationAutoConfiguration",
		// The same two on Spring Boot 3.5.
		"org.springframework.boot.actuate.autoconfigure.metrics.CompositeMeterRegistryAutoConfiguration",
		"org.springframework.boot.actuate.autoconfigure.observation.ObservationAutoConfiguration" })
@ConditionalOnClass(RedissonClient.class)
@EnableConfigurationProperties(OrderLockProperties.class)
public final class OrderLockAutoConfiguration {

	@Bean
	@ConditionalOnBean(RedissonClient.class)
	@ConditionalOnMissingBean
	OrderLockTemplate orderLockTemplate(RedissonClient redissonClient, OrderLockProperties properties,
			ObjectProvider<LockObserver> observers) {
		OrderLockTemplate template = new OrderLockTemplate(redissonClient, properties.getKeyPrefix(),
				properties.getWaitTime());
		template.setMaxHoldTime(properties.getMaxHoldTime());
		Duration redisTimeout = properties.getRedisTimeout();
		template.setRedisTimeout((redisTimeout == null || redisTimeout.isZero()) ? null : redisTimeout);
		template.setMaxKeyLength(properties.getMaxKeyLength());
		template.setLocalHandOff(properties.isLocalHandOff());
		template.setObserver(LockObserver.of(observers.orderedStream().toList()));
		return template;
	}

	/** The Mono form of the template, when the application uses Reactor. */
	@Configuration(proxyBeanMethods = false)
	@ConditionalOnClass(name = "reactor.core.publisher.Mono")
	static class ReactiveConfiguration {

		@Bean
		@ConditionalOnBean(OrderLockTemplate.class)
		@ConditionalOnMissingBean
		ReactiveOrderLockTemplate reactiveOrderLockTemplate(OrderLockTemplate orderLockTemplate) {
			return new ReactiveOrderLockTemplate(orderLockTemplate);
		}

	}

	// Not conditional on the property: an AOT-processed application decides conditions at build time, and the
	// timeout is usually set per environment, at run time.
	@Configuration(proxyBeanMethods = false)
	@ConditionalOnClass(RedissonAutoConfigurationCustomizer.class)
	static class WatchdogConfiguration {

		@Bean
		RedissonAutoConfigurationCustomizer orderLockWatchdogCustomizer(OrderLockProperties properties) {
			return (config) -> {
				Duration timeout = properties.getWatchdogTimeout();
				if (timeout != null) {
					config.setLockWatchdogTimeout(timeout.toMillis());
				}
			};
		}

	}

	@Configuration(proxyBeanMethods = false)
	@ConditionalOnClass(MeterRegistry.class)
	static class MetricsConfiguration {

		@Bean
		@ConditionalOnBean(MeterRegistry.class)
		@ConditionalOnMissingBean
		LockMetrics orderLockMetrics(MeterRegistry meterRegistry) {
			return new LockMetrics(meterRegistry);
		}

	}

	@Configuration(proxyBeanMethods = false)
	@ConditionalOnClass(ObservationRegistry.class)
	static class ObservationConfiguration {

		@Bean
		@ConditionalOnBean(ObservationRegistry.class)
		@ConditionalOnMissingBean
		LockObservations orderLockObservations(ObservationRegistry observationRegistry) {
			return new LockObservations(observationRegistry);
		}

	}

	@Configuration(proxyBeanMethods = false)
	@ConditionalOnClass(name = "org.springframework.transaction.TransactionExecutionListener")
	static class TransactionConfiguration {

		@Bean
		@ConditionalOnMissingBean
		OrderLockTransactionListener orderLockTransactionListener() {
			return new OrderLockTransactionListener();
		}

	}

	@Configuration(proxyBeanMethods = false)
	@ConditionalOnBooleanProperty(name = "order-lock.enabled", matchIfMissing = true)
	@Import(OrderLockProxyRegistrar.class)
	@Role(BeanDefinition.ROLE_INFRASTRUCTURE)
	static class AdvisorConfiguration {

		@Bean
		@Role(BeanDefinition.ROLE_INFRASTRUCTURE)
		static LockOperationSource orderLockOperationSource() {
			return new LockOperationSource();
		}

		@Bean
		@Role(BeanDefinition.ROLE_INFRASTRUCTURE)
		static OrderLockBeanValidator orderLockBeanValidator(LockOperationSource orderLockOperationSource) {
			return new OrderLockBeanValidator(orderLockOperationSource);
		}

		// Advisors are created while post-processors are still being registered: reading the order from the
		// Environment (not OrderLockProperties) keeps that from creating regular beans too early.
		// Registered with or without a template: without one, a call fails instead of running unlocked.
		@Bean
		@Role(BeanDefinition.ROLE_INFRASTRUCTURE)
		static Advisor orderLockAdvisor(LockOperationSource source, ObjectProvider<OrderLockTemplate> template,
				Environment environment) {
			// Always true here, except in an AOT-processed application: its conditions were evaluated at build time,
			// so order-lock.enabled=false given at run time would otherwise be ignored and the lock kept on.
			boolean enabled = Binder.get(environment).bind("order-lock.enabled", Boolean.class).orElse(true);
			OrderLockInterceptor interceptor;
			if (enabled) {
				interceptor = new OrderLockInterceptor(source,
						SingletonSupplier.of(() -> MissingLockTemplate.require(template)));
			}
			else {
				OrderLockDisabledWarning.warn();
				interceptor = OrderLockInterceptor.disabled(source);
			}
			DefaultPointcutAdvisor advisor = new DefaultPointcutAdvisor(new OrderLockPointcut(source), interceptor);
			advisor.setOrder(Binder.get(environment)
				.bind("order-lock.advisor-order", Integer.class)
				.orElse(OrderLockProperties.DEFAULT_ADVISOR_ORDER));
			return advisor;
		}

	}

	@Configuration(proxyBeanMethods = false)
	@ConditionalOnBooleanProperty(name = "order-lock.enabled", havingValue = false)
	static class DisabledConfiguration {

		@Bean
		OrderLockDisabledWarning orderLockDisabledWarning() {
			return new OrderLockDisabledWarning();
		}

	}

}
