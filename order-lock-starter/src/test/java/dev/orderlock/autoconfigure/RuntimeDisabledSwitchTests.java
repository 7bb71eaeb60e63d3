package dev.orderlock.autoconfigure;

import dev.orderlock.OrderLock;
import dev.orderlock.OrderLockException;
import dev.orderlock.OrderLockTemplate;
import dev.orderlock.interceptor.LockOperationSource;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.extension.ExtendWith;

import org.springframework.aop.Advisor;
import org.springframework.aop.framework.ProxyFactory;
import org.springframework.beans.factory.support.DefaultListableBeanFactory;
import org.springframework.boot.test.system.CapturedOutput;
import org.springframework.boot.test.system.OutputCaptureExtension;
import org.springframework.mock.env.MockEnvironment;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatExceptionOfType;

/**
 * {@code order-lock.enabled=false} given at run time to an AOT-processed application (docs/aot.md): its conditions
 * were evaluated at build time, so the advisor is there anyway and must itself run the methods unlocked. (On the JVM
 * without AOT the condition removes the advisor; the demo's AotRaceFaultIT shows the switch in a real AOT run.)
 */
@ExtendWith(OutputCaptureExtension.class)
class RuntimeDisabledSwitchTests {

	@Test
	void advisorBuiltWithTheSwitchOffRunsMethodsUnlockedAndSaysSo(CapturedOutput output) {
		Orders orders = proxied("false");

		// No template exists: a locking interceptor would fail the call (see the test below).
		assertThat(orders.pay(7)).isEqualTo("paid 7");
		assertThat(output).contains("order-lock.enabled=false: methods annotated with @OrderLock run WITHOUT any lock");
	}

	@Test
	void advisorBuiltWithTheSwitchOnLocks() {
		Orders orders = proxied("true");

		assertThatExceptionOfType(OrderLockException.class).isThrownBy(() -> orders.pay(7))
			.withMessageContaining("no RedissonClient bean");
	}

	private static Orders proxied(String enabled) {
		DefaultListableBeanFactory beanFactory = new DefaultListableBeanFactory();
		LockOperationSource source = new LockOperationSource();
		source.setBeanFactory(beanFactory);
		Advisor advisor = OrderLockAutoConfiguration.AdvisorConfiguration.orderLockAdvisor(source,
				beanFactory.getBeanProvider(OrderLockTemplate.class),
				new MockEnvironment().withProperty("order-lock.enabled", enabled));
		ProxyFactory factory = new ProxyFactory(new Orders());
		factory.setProxyTargetClass(true);
		factory.addAdvisor(advisor);
		return (Orders) factory.getProxy();
	}

	static class Orders {

		@OrderLock(key = "#orderId")
		public String pay(long orderId) {
			return "paid " + orderId;
		}

	}

}
