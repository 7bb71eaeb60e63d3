package dev.orderlock;

import javax.sql.DataSource;

import dev.orderlock.autoconfigure.OrderLockAutoConfiguration;
import dev.orderlock.autoconfigure.OrderLockDefinitionFailureAnalyzer;
import dev.orderlock.testredis.TestRedis;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import org.springframework.beans.factory.config.BeanPostProcessor;
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
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;
import org.springframework.core.Ordered;
import org.springframework.core.PriorityOrdered;
import org.springframework.expression.ParseException;
import org.springframework.jdbc.datasource.DataSourceTransactionManager;
import org.springframework.jdbc.datasource.embedded.EmbeddedDatabaseBuilder;
import org.springframework.jdbc.datasource.embedded.EmbeddedDatabaseType;
import org.springframework.transaction.annotation.EnableTransactionManagement;
import org.springframework.transaction.annotation.Transactional;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * An {@link OrderLock} that cannot work fails the application's start-up, naming the method and the fix, instead of
 * running unlocked or failing on the first request.
 */
@ExtendWith(OutputCaptureExtension.class)
class StartupValidationTests {

	private final ApplicationContextRunner runner = new ApplicationContextRunner()
		.withConfiguration(AutoConfigurations.of(AopAutoConfiguration.class,
				RedissonAutoConfigurations.forThisBoot(), OrderLockAutoConfiguration.class))
		.withPropertyValues("spring.data.redis.host=" + TestRedis.shared().host(),
				"spring.data.redis.port=" + TestRedis.shared().port());

	@Test
	void keyExpressionTypoFailsTheStartupNamingMethodAndExpression() {
		this.runner.withBean(BadExpression.class).run((context) -> {
			OrderLockDefinitionException failure = definitionFailure(context.getStartupFailure());
			assertThat(failure.getMessage()).contains("BadExpression.pay(long)").contains("'#orderId +'");
			FailureAnalysis analysis = new OrderLockDefinitionFailureAnalyzer().analyze(context.getStartupFailure());
			assertThat(analysis.getDescription()).contains("BadExpression.pay(long)");
			assertThat(analysis.getAction()).contains("Fix the SpEL expression");
		});
	}

	@Test
	void springBootReportsTheProblemAndTheFix(CapturedOutput output) {
		SpringApplicationBuilder application = new SpringApplicationBuilder(TypoApplication.class)
			.web(WebApplicationType.NONE)
			.properties("spring.data.redis.host=" + TestRedis.shared().host(),
					"spring.data.redis.port=" + TestRedis.shared().port(), "spring.main.banner-mode=off");
		assertThatThrownBy(application::run).hasRootCauseInstanceOf(ParseException.class);
		assertThat(output).contains("APPLICATION FAILED TO START")
			.contains("@OrderLock on " + BadExpression.class.getName() + ".pay(long)")
			.contains("Fix the SpEL expression");
	}

	@Test
	void parameterNameTypoFailsTheStartupListingTheParameters() {
		this.runner.withBean(ParameterTypo.class).run((context) -> {
			OrderLockDefinitionException failure = definitionFailure(context.getStartupFailure());
			assertThat(failure.getMessage()).contains("ParameterTypo.pay(long, String)")
				.contains("'#ordreId'")
				.contains("#ordreId, which is none of its parameters")
				.contains("#orderId, #note (or #p0..#p1)");
			assertThat(failure.getAction()).contains("Fix the name");
		});
	}

	@Test
	void typoInsideALongerExpressionFailsTheStartup() {
		this.runner.withBean(NestedTypo.class)
			.run((context) -> assertThat(definitionFailure(context.getStartupFailure()).getMessage())
				.contains("NestedTypo.pay(Order)")
				.contains("refers to #ordr,"));
	}

	@Test
	void positionPastTheLastParameterFailsTheStartup() {
		this.runner.withBean(PositionTooFar.class)
			.run((context) -> assertThat(definitionFailure(context.getStartupFailure()).getMessage())
				.contains("PositionTooFar.pay(long)")
				.contains("refers to #p1,")
				.contains("#orderId (or #p0)"));
	}

	@Test
	void everyVariableSpelOffersStarts() {
		this.runner.withBean(EveryVariable.class).run((context) -> assertThat(context).hasNotFailed());
	}

	@Test
	void missingKeyFailsTheStartup() {
		this.runner.withBean(NoKey.class)
			.run((context) -> assertThat(definitionFailure(context.getStartupFailure()).getMessage())
				.contains("NoKey.pay(long)")
				.contains("has no key"));
	}

	@Test
	void unparsableDurationFailsTheStartup() {
		this.runner.withBean(BadDuration.class)
			.run((context) -> assertThat(definitionFailure(context.getStartupFailure()).getMessage())
				.contains("BadDuration.pay(long)")
				.contains("waitTime 'soon'"));
	}

	@Test
	void unresolvedPlaceholderFailsTheStartup() {
		this.runner.withBean(MissingPlaceholder.class).run((context) -> assertThat(context).hasFailed());
	}

	@Test
	void privateMethodFailsTheStartup() {
		this.runner.withBean(PrivateMethod.class)
			.run((context) -> assertThat(definitionFailure(context.getStartupFailure()).getMessage())
				.contains("PrivateMethod.pay(long)")
				.contains("is private"));
	}

	@Test
	void finalMethodFailsTheStartup() {
		this.runner.withBean(FinalMethod.class)
			.run((context) -> assertThat(definitionFailure(context.getStartupFailure()).getMessage())
				.contains("FinalMethod.pay(long)")
				.contains("is final"));
	}

	@Test
	void staticMethodFailsTheStartup() {
		this.runner.withBean(StaticMethod.class)
			.run((context) -> assertThat(definitionFailure(context.getStartupFailure()).getMessage())
				.contains("StaticMethod.pay(long)")
				.contains("is static"));
	}

	@Test
	void finalClassFailsTheStartupNamingTheClass() {
		this.runner.withBean(FinalClass.class).run((context) -> {
			OrderLockDefinitionException failure = definitionFailure(context.getStartupFailure());
			assertThat(failure.getMessage()).contains("FinalClass.pay(long)").contains("class is final");
			assertThat(failure.getAction()).contains("Remove 'final' from the class");
		});
	}

	@Test
	void finalClassBehindAnInterfaceStartsWithInterfaceProxies() {
		this.runner.withBean(FinalPayments.class)
			.withPropertyValues("spring.aop.proxy-target-class=false")
			.run((context) -> assertThat(context).hasNotFailed().hasSingleBean(Payments.class));
	}

	@Test
	void mixingFencedAndPlainMethodsStartsWithAWarningNamingThem(CapturedOutput output) {
		this.runner.withBean(MixedFencing.class).run((context) -> {
			assertThat(context).hasNotFailed();
			assertThat(output).contains("@OrderLock is fenced on [" + MixedFencing.class.getName() + ".pay(long)]")
				.contains("but not on [" + MixedFencing.class.getName() + ".cancel(long)]");
		});
	}

	@Test
	void fencedWithAKindOtherThanExclusiveFailsTheStartup() {
		this.runner.withBean(FencedRead.class).run((context) -> {
			OrderLockDefinitionException failure = definitionFailure(context.getStartupFailure());
			assertThat(failure.getMessage()).contains("FencedRead.pay(long)").contains("kind = READ");
			assertThat(failure.getAction()).contains("Remove fenced = true, or kind = READ");
		});
	}

	@Test
	void fencedLockOfSeveralOrdersFailsTheStartup() {
		this.runner.withBean(FencedBatch.class).run((context) -> {
			OrderLockDefinitionException failure = definitionFailure(context.getStartupFailure());
			assertThat(failure.getMessage()).contains("FencedBatch.cancelAll(List)").contains("several orders");
			assertThat(failure.getAction()).contains("each order in its own fenced call");
		});
	}

	@Test
	void mixingReadWriteAndExclusiveMethodsFailsTheStartupNamingBoth() {
		this.runner.withBean(MixedKinds.class).run((context) -> {
			OrderLockDefinitionException failure = definitionFailure(context.getStartupFailure());
			assertThat(failure.getMessage()).contains("MixedKinds.read(long)").contains("MixedKinds.pay(long)");
			assertThat(failure.getAction()).contains("kind = WRITE instead of EXCLUSIVE");
		});
	}

	@Test
	void readAndWriteMethodsTogetherStart() {
		this.runner.withBean(ReadWriteOnly.class).run((context) -> assertThat(context).hasNotFailed());
	}

	@Test
	void beanCreatedBeforeTheProxyCreatorFailsTheStartup() {
		this.runner.withUserConfiguration(EarlyBeanConfiguration.class)
			.run((context) -> assertThat(definitionFailure(context.getStartupFailure()).getMessage())
				.contains("EarlyBean.pay(long)")
				.contains("was not proxied"));
	}

	@Test
	void transactionAdvisorOutsideTheLockFailsTheStartup() {
		this.runner.withUserConfiguration(TransactionOutsideConfiguration.class)
			.run((context) -> assertThat(definitionFailure(context.getStartupFailure()).getMessage())
				.contains("TransactionalOrders.pay(long)")
				.contains("released before the commit"));
	}

	@Test
	void transactionAdvisorInsideTheLockStarts() {
		this.runner.withUserConfiguration(TransactionInsideConfiguration.class)
			.run((context) -> assertThat(context).hasNotFailed());
	}

	private static OrderLockDefinitionException definitionFailure(Throwable failure) {
		assertThat(failure).isNotNull();
		for (Throwable cause = failure; cause != null; cause = cause.getCause()) {
			if (cause instanceof OrderLockDefinitionException definition) {
				return definition;
			}
		}
		throw new AssertionError("No OrderLockDefinitionException in the start-up failure", failure);
	}

	@SpringBootConfiguration
	@EnableAutoConfiguration
	@Import(BadExpression.class)
	static class TypoApplication {

	}

	static class BadExpression {

		@OrderLock(key = "#orderId +")
		public void pay(long orderId) {
		}

	}

	static class ParameterTypo {

		@OrderLock(key = "#ordreId")
		public void pay(long orderId, String note) {
		}

	}

	record Order(long id) {
	}

	static class NestedTypo {

		@OrderLock(key = "'o-' + (#order != null ? #ordr.id : 0)")
		public void pay(Order order) {
		}

	}

	static class PositionTooFar {

		@OrderLock(key = "#p1")
		public void pay(long orderId) {
		}

	}

	static class EveryVariable {

		@OrderLock(key = "#orderId + #p0 + #a0 + #root.class.simpleName + {1, 2}.?[#this > 1][0]")
		public void pay(long orderId) {
		}

		@OrderLock(key = "#orderIds.?[#this > 0]")
		public void payAll(java.util.List<Long> orderIds) {
		}

	}

	static class NoKey {

		@OrderLock
		public void pay(long orderId) {
		}

	}

	static class BadDuration {

		@OrderLock(key = "#orderId", waitTime = "soon")
		public void pay(long orderId) {
		}

	}

	static class MissingPlaceholder {

		@OrderLock(key = "#orderId", waitTime = "${no.such.property}")
		public void pay(long orderId) {
		}

	}

	static class PrivateMethod {

		@OrderLock(key = "#orderId")
		private void pay(long orderId) {
		}

	}

	static class FinalMethod {

		@OrderLock(key = "#orderId")
		public final void pay(long orderId) {
		}

	}

	static class StaticMethod {

		@OrderLock(key = "#orderId")
		public static void pay(long orderId) {
		}

	}

	static final class FinalClass {

		@OrderLock(key = "#orderId")
		public void pay(long orderId) {
		}

	}

	interface Payments {

		void pay(long orderId);

	}

	static final class FinalPayments implements Payments {

		@Override
		@OrderLock(key = "#orderId")
		public void pay(long orderId) {
		}

	}

	static class MixedFencing {

		@OrderLock(key = "#orderId", fenced = true)
		public void pay(long orderId) {
		}

		@OrderLock(key = "#orderId")
		public void cancel(long orderId) {
		}

	}

	static class FencedRead {

		@OrderLock(key = "#orderId", fenced = true, kind = LockKind.READ)
		public void pay(long orderId) {
		}

	}

	static class FencedBatch {

		@OrderLock(key = "#orderIds", fenced = true)
		public void cancelAll(java.util.List<Long> orderIds) {
		}

	}

	static class MixedKinds {

		@OrderLock(key = "#orderId", kind = LockKind.READ)
		public void read(long orderId) {
		}

		@OrderLock(key = "#orderId")
		public void pay(long orderId) {
		}

	}

	static class ReadWriteOnly {

		@OrderLock(key = "#orderId", kind = LockKind.READ)
		public void read(long orderId) {
		}

		@OrderLock(key = "#orderId", kind = LockKind.WRITE)
		public void pay(long orderId) {
		}

	}

	static class EarlyBean {

		@OrderLock(key = "#orderId")
		public void pay(long orderId) {
		}

	}

	/** A PriorityOrdered post-processor that needs the bean gets it before any proxy creator exists. */
	static class NeedsEarlyBean implements BeanPostProcessor, PriorityOrdered {

		NeedsEarlyBean(EarlyBean bean) {
		}

		@Override
		public int getOrder() {
			return 0;
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class EarlyBeanConfiguration {

		@Bean
		static EarlyBean earlyBean() {
			return new EarlyBean();
		}

		@Bean
		static NeedsEarlyBean needsEarlyBean(EarlyBean earlyBean) {
			return new NeedsEarlyBean(earlyBean);
		}

	}

	static class TransactionalOrders {

		@OrderLock(key = "#orderId")
		@Transactional
		public void pay(long orderId) {
		}

	}

	@Configuration(proxyBeanMethods = false)
	static class TransactionBeans {

		@Bean
		DataSource dataSource() {
			return new EmbeddedDatabaseBuilder().setType(EmbeddedDatabaseType.H2).generateUniqueName(true).build();
		}

		@Bean
		DataSourceTransactionManager transactionManager(DataSource dataSource) {
			return new DataSourceTransactionManager(dataSource);
		}

		@Bean
		TransactionalOrders transactionalOrders() {
			return new TransactionalOrders();
		}

	}

	@Configuration(proxyBeanMethods = false)
	@EnableTransactionManagement(order = Ordered.HIGHEST_PRECEDENCE)
	static class TransactionOutsideConfiguration extends TransactionBeans {

	}

	@Configuration(proxyBeanMethods = false)
	@EnableTransactionManagement
	static class TransactionInsideConfiguration extends TransactionBeans {

	}

}
