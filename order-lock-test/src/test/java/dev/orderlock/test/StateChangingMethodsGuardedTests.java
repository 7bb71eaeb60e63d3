package dev.orderlock.test;

import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;

import dev.orderlock.OrderLock;
import org.junit.jupiter.api.Test;

import org.springframework.aop.framework.ProxyFactory;
import org.springframework.transaction.annotation.Transactional;

import static org.assertj.core.api.Assertions.assertThatCode;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

/**
 * {@link OrderLockAssertions#assertStateChangingMethodsGuarded}: which methods count as state-changing, how
 * {@code @OrderLock} is found on them, and what the failure lists.
 */
class StateChangingMethodsGuardedTests {

	@Test
	void failureListsEveryUnguardedTransactionalMethodAndOnlyThose() {
		assertThatThrownBy(() -> OrderLockAssertions.assertStateChangingMethodsGuarded(Shop.class))
			.isInstanceOf(AssertionError.class)
			.hasMessageContaining("2 state-changing methods of " + Shop.class.getName() + " without @OrderLock")
			.hasMessageContaining("Shop.refund(long) (it is @Transactional)")
			.hasMessageContaining("Shop.ship(long) (it is @Transactional)")
			.hasMessageNotContaining("pay(")
			.hasMessageNotContaining("find(")
			.hasMessageNotContaining("ping(");
	}

	@Test
	void listedNamesAndPatternsCountTooWhetherTransactionalOrNot() {
		assertThatThrownBy(() -> OrderLockAssertions.assertStateChangingMethodsGuarded(Shop.class, "pi*", "cancel"))
			.isInstanceOf(AssertionError.class)
			.hasMessageContaining("3 state-changing methods")
			.hasMessageContaining("Shop.ping() (its name matches 'pi*')")
			.hasMessageNotContaining("cancel(");
	}

	@Test
	void guardedClassPassesWithMetaAnnotationsInterfaceMethodsAndClassLevelTransactions() {
		assertThatCode(() -> OrderLockAssertions.assertStateChangingMethodsGuarded(Guarded.class, "cancel"))
			.doesNotThrowAnyException();
	}

	@Test
	void classLevelTransactionalMakesEveryPublicMethodStateChanging() {
		assertThatThrownBy(() -> OrderLockAssertions.assertStateChangingMethodsGuarded(AllTransactional.class))
			.isInstanceOf(AssertionError.class)
			.hasMessageContaining("1 state-changing method of")
			.hasMessageContaining("AllTransactional.touch(long) (it is @Transactional)");
	}

	@Test
	void aNameThatMatchesNoMethodFailsInsteadOfCheckingNothing() {
		assertThatThrownBy(() -> OrderLockAssertions.assertStateChangingMethodsGuarded(Guarded.class, "cancle"))
			.isInstanceOf(AssertionError.class)
			.hasMessageContaining("matches [cancle]");
	}

	@Test
	void aTypeWithNothingStateChangingFails() {
		assertThatThrownBy(() -> OrderLockAssertions.assertStateChangingMethodsGuarded(String.class))
			.isInstanceOf(AssertionError.class)
			.hasMessageContaining("no state-changing method");
	}

	@Test
	void proxyClassIsResolvedToTheUserClass() {
		ProxyFactory factory = new ProxyFactory(new Shop());
		factory.setProxyTargetClass(true);
		Class<?> cglib = factory.getProxy().getClass();
		assertThatThrownBy(() -> OrderLockAssertions.assertStateChangingMethodsGuarded(cglib))
			.isInstanceOf(AssertionError.class)
			.hasMessageContaining("Shop.refund(long)");
		ProxyFactory jdk = new ProxyFactory(new GuardedPayments());
		jdk.addInterface(Payments.class);
		Class<?> jdkProxy = jdk.getProxy().getClass();
		assertThatThrownBy(() -> OrderLockAssertions.assertStateChangingMethodsGuarded(jdkProxy))
			.isInstanceOf(IllegalArgumentException.class)
			.hasMessageContaining("JDK proxy");
	}

	@Retention(RetentionPolicy.RUNTIME)
	@OrderLock(key = "#orderId")
	@interface PayLock {

	}

	interface Payments {

		@OrderLock(key = "#orderId")
		void pay(long orderId);

	}

	static class Shop {

		@OrderLock(key = "#orderId")
		@Transactional
		public void pay(long orderId) {
		}

		@OrderLock(key = "#orderId")
		public void cancel(long orderId) {
		}

		@Transactional
		public void refund(long orderId) {
		}

		@jakarta.transaction.Transactional
		public void ship(long orderId) {
		}

		@Transactional(readOnly = true)
		public Object find(long orderId) {
			return orderId;
		}

		public void ping() {
		}

		@Transactional
		void internal() {
		}

	}

	static class GuardedPayments implements Payments {

		@Override
		@Transactional
		public void pay(long orderId) {
		}

	}

	@Transactional
	static class Guarded extends GuardedPayments {

		@PayLock
		public void cancel(long orderId) {
		}

		@OrderLock(key = "#orderId")
		public void refund(long orderId) {
		}

		@Transactional(readOnly = true)
		public Object find(long orderId) {
			return orderId;
		}

	}

	@Transactional
	static class AllTransactional {

		@OrderLock(key = "#orderId")
		public void pay(long orderId) {
		}

		public void touch(long orderId) {
		}

	}

}
