package dev.orderlock.autoconfigure;

import java.lang.annotation.ElementType;
import java.lang.annotation.Retention;
import java.lang.annotation.RetentionPolicy;
import java.lang.annotation.Target;
import java.util.List;
import java.util.Map;

import dev.orderlock.OrderLock;
import org.junit.jupiter.api.Test;

import org.springframework.aot.generate.DefaultGenerationContext;
import org.springframework.aot.generate.InMemoryGeneratedFiles;
import org.springframework.aot.hint.MemberCategory;
import org.springframework.aot.hint.RuntimeHints;
import org.springframework.aot.hint.RuntimeHintsRegistrar;
import org.springframework.aot.hint.predicate.RuntimeHintsPredicates;
import org.springframework.beans.factory.aot.AotServices;
import org.springframework.beans.factory.aot.BeanRegistrationAotContribution;
import org.springframework.beans.factory.aot.BeanRegistrationAotProcessor;
import org.springframework.beans.factory.support.DefaultListableBeanFactory;
import org.springframework.beans.factory.support.RegisteredBean;
import org.springframework.beans.factory.support.RootBeanDefinition;
import org.springframework.javapoet.ClassName;
import org.springframework.aot.generate.ClassNameGenerator;

import static org.assertj.core.api.Assertions.assertThat;

/**
 * The hints a native image needs for order-lock (docs/aot.md): registered where Spring's AOT engine looks for them,
 * and covering what the starter and key expressions reflect on.
 */
class OrderLockRuntimeHintsTests {

	@Test
	void registrarAndProcessorAreFoundThroughAotFactories() {
		assertThat(AotServices.factories().load(RuntimeHintsRegistrar.class))
			.anyMatch(OrderLockRuntimeHints.class::isInstance);
		assertThat(AotServices.factories().load(BeanRegistrationAotProcessor.class))
			.anyMatch(OrderLockBeanRegistrationAotProcessor.class::isInstance);
	}

	@Test
	void annotationAttributesAndItsSynthesizedProxy() {
		RuntimeHints hints = starterHints();
		assertThat(RuntimeHintsPredicates.reflection()
			.onType(OrderLock.class)
			.withMemberCategory(MemberCategory.INVOKE_DECLARED_METHODS)).accepts(hints);
		assertThat(RuntimeHintsPredicates.proxies().forInterfaces(OrderLock.class)).accepts(hints);
	}

	@Test
	void optionalTypesLookedUpByNameWhenPresent() throws ClassNotFoundException {
		RuntimeHints hints = starterHints();
		// All on the test class path (Reactor, Kotlin coroutines, spring-tx).
		for (String type : OrderLockRuntimeHints.OPTIONAL_TYPES) {
			assertThat(RuntimeHintsPredicates.reflection().onType(Class.forName(type))).as(type).accepts(hints);
		}
		assertThat(hints.reflection().typeHints()).noneMatch((hint) -> hint.getType().getName().equals("absent.Type"));
	}

	@Test
	void lockedMethodsAndTheTypesTheirKeysRead() {
		RuntimeHints hints = processed(LockedOrders.class);
		// Each @OrderLock method itself: its annotation and parameter names are read at start-up.
		assertThat(hints.reflection().getTypeHint(LockedOrders.class)).isNotNull()
			.satisfies((hint) -> assertThat(hint.methods().map((method) -> method.getName()))
				.containsExactlyInAnyOrder("pay", "cancelAll", "refund"));
		// @PayLock's own type is read like @OrderLock's.
		assertThat(RuntimeHintsPredicates.reflection()
			.onType(PayLock.class)
			.withMemberCategory(MemberCategory.INVOKE_DECLARED_METHODS)).accepts(hints);
		// #order.id, #orders.![id], #orders[0].id: SpEL calls Order's public methods reflectively.
		assertThat(RuntimeHintsPredicates.reflection()
			.onType(Order.class)
			.withMemberCategory(MemberCategory.INVOKE_PUBLIC_METHODS)).accepts(hints);
		// What a getter returns (#order.customer.id) is no parameter type: the application's own hints (docs/aot.md).
		assertThat(RuntimeHintsPredicates.reflection().onType(Customer.class)).rejects(hints);
		// The parameters of a method without @OrderLock are not registered.
		assertThat(RuntimeHintsPredicates.reflection().onType(Unrelated.class)).rejects(hints);
	}

	@Test
	void annotationOnAnInterfaceMethodCounts() {
		RuntimeHints hints = processed(InterfaceLocked.class);
		assertThat(RuntimeHintsPredicates.reflection()
			.onType(Customer.class)
			.withMemberCategory(MemberCategory.INVOKE_PUBLIC_METHODS)).accepts(hints);
	}

	@Test
	void beansWithoutOrderLockGetNoContribution() {
		assertThat(contribution(Unrelated.class)).isNull();
	}

	private static RuntimeHints starterHints() {
		RuntimeHints hints = new RuntimeHints();
		new OrderLockRuntimeHints().registerHints(hints, OrderLockRuntimeHintsTests.class.getClassLoader());
		return hints;
	}

	private static RuntimeHints processed(Class<?> beanClass) {
		BeanRegistrationAotContribution contribution = contribution(beanClass);
		assertThat(contribution).isNotNull();
		DefaultGenerationContext generation = new DefaultGenerationContext(
				new ClassNameGenerator(ClassName.get("dev.orderlock.test", "Aot")), new InMemoryGeneratedFiles());
		contribution.applyTo(generation, null);
		return generation.getRuntimeHints();
	}

	private static BeanRegistrationAotContribution contribution(Class<?> beanClass) {
		DefaultListableBeanFactory beanFactory = new DefaultListableBeanFactory();
		beanFactory.registerBeanDefinition("bean", new RootBeanDefinition(beanClass));
		return new OrderLockBeanRegistrationAotProcessor().processAheadOfTime(RegisteredBean.of(beanFactory, "bean"));
	}

	@Retention(RetentionPolicy.RUNTIME)
	@Target(ElementType.METHOD)
	@OrderLock(key = "#orders[0].id")
	@interface PayLock {

	}

	record Customer(String id) {
	}

	record Order(long id, Customer customer) {
	}

	static class Unrelated {

		public String id() {
			return "x";
		}

	}

	static class LockedOrders {

		@OrderLock(key = "#order.id")
		public void pay(Order order) {
		}

		@OrderLock(key = "#orders.![id]")
		public void cancelAll(List<Order> orders) {
		}

		@PayLock
		public void refund(Order[] orders, long cents) {
		}

		public void unlocked(Unrelated unrelated) {
		}

	}

	interface Payments {

		@OrderLock(key = "#byCustomer.keySet()")
		void payAll(Map<Customer, Long> byCustomer);

	}

	static class InterfaceLocked implements Payments {

		@Override
		public void payAll(Map<Customer, Long> byCustomer) {
		}

	}

}
