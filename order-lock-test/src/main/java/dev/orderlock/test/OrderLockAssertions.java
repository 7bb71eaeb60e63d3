package dev.orderlock.test;

import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.lang.reflect.Proxy;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;

import dev.orderlock.OrderLock;
import dev.orderlock.OrderLockContext;
import dev.orderlock.support.MethodDescriptions;

import org.springframework.core.annotation.MergedAnnotation;
import org.springframework.core.annotation.MergedAnnotations;
import org.springframework.core.annotation.MergedAnnotations.SearchStrategy;
import org.springframework.util.ClassUtils;
import org.springframework.util.PatternMatchUtils;
import org.springframework.util.ReflectionUtils;

/**
 * Assertions about order locks, for tests and for code that must only ever run locked. Each fails with an
 * {@link AssertionError} whose message names the order's key and what was found instead, so it reads as a test
 * failure in any framework; none needs AssertJ.
 * <ul>
 * <li>{@link #assertHeld(String)}: inside code, like ShedLock's {@code LockAssert.assertLocked()}: the current
 * thread runs under the lock of that order. Cheap (no Redis), so it may stay in production code.</li>
 * <li>{@link #assertRunsUnderLock(String, Runnable)}: from a test, around a call of a Spring bean: the call took the
 * order's lock, confirmed in Redis as this application's while it ran, and did not lose it.</li>
 * <li>{@link #assertStateChangingMethodsGuarded(Class, String...)}: a bean's every state-changing method carries
 * {@link OrderLock}, so that a method added later cannot forget it.</li>
 * </ul>
 */
public final class OrderLockAssertions {

	private static final String SPRING_TRANSACTIONAL = "org.springframework.transaction.annotation.Transactional";

	private static final String JAKARTA_TRANSACTIONAL = "jakarta.transaction.Transactional";

	private OrderLockAssertions() {
	}

	/**
	 * Fails unless the current thread runs under the lock of the order {@code key} (as resolved, without the
	 * prefix), i.e. inside an {@code @OrderLock} method or template callback for it, however deep. Thread-bound and
	 * answered without Redis ({@link OrderLockContext#isHeld(String)}): it fails on a thread the guarded method
	 * handed work to, and with {@code order-lock.enabled=false}.
	 * @throws AssertionError naming the key and the keys the thread does hold, if any
	 */
	public static void assertHeld(String key) {
		Objects.requireNonNull(key, "key must not be null");
		if (!OrderLockContext.isHeld(key)) {
			List<String> held = OrderLockContext.heldKeys();
			throw new AssertionError("Expected to run under the lock of order '" + key + "', but "
					+ (held.isEmpty() ? "thread '" + Thread.currentThread().getName() + "' holds no order lock"
							: "thread '" + Thread.currentThread().getName() + "' holds only the locks of " + held)
					+ ". Is the method annotated with @OrderLock for this key, and called through its Spring proxy (not "
					+ "from inside its own class)?");
		}
	}

	/**
	 * Runs {@code code} on the calling thread and fails unless, while it ran, the application under test took the
	 * lock of the order {@code key}, held in Redis by this application for the thread (or, for a method that returns
	 * a {@code CompletionStage} or {@code Mono}, for the call) right after it was acquired, and did not find it lost:
	 * so the guarded code ran under it, not merely next to an annotation. Usually {@code code} calls a bean method:
	 * {@code assertRunsUnderLock("42", () -> orders.pay(42))}. Whatever {@code code} throws is thrown on unchanged.
	 * <p>
	 * Needs the application's auto-configured {@code OrderLockTemplate} and order-lock-test's auto-configuration,
	 * which every {@code @SpringBootTest} with this jar on the classpath has: it adds a lock observer that asks Redis
	 * only while this assertion runs.
	 * @throws AssertionError naming the key, the lock name in Redis and which locks the code took, if any
	 * @throws IllegalStateException when no application context with order-lock-test's auto-configuration runs
	 */
	public static void assertRunsUnderLock(String key, Runnable code) {
		Objects.requireNonNull(key, "key must not be null");
		Objects.requireNonNull(code, "code must not be null");
		if (!KitLockObserver.anyLive()) {
			throw new IllegalStateException("assertRunsUnderLock needs a running application context with "
					+ "order-lock-test's auto-configuration (a @SpringBootTest with order-lock-test on the classpath, "
					+ "using the auto-configured OrderLockTemplate); none is running");
		}
		KitLockObserver.Probe probe = new KitLockObserver.Probe(key);
		KitLockObserver.probing(probe, code);
		if (probe.heldThroughout()) {
			return;
		}
		String expected = "Expected the code to run under the lock of order '" + key + "'";
		List<String> attempts = probe.attempts();
		if (attempts.isEmpty()) {
			throw new AssertionError(expected + ", but it took no order lock at all. Is the method annotated with "
					+ "@OrderLock, called through its Spring proxy, and order-lock.enabled not false?");
		}
		if (probe.confirmedButLost()) {
			throw new AssertionError(expected + ": it took that lock but lost it before it ended (lease expired or "
					+ "maxHoldTime reached), so part of it ran unlocked. Locks taken: " + attempts);
		}
		throw new AssertionError(expected + ", but none of the locks it took was that order's lock held by this "
				+ "thread in Redis. Locks taken by: " + attempts + ". Does the key expression resolve to '" + key
				+ "'?");
	}

	/**
	 * Fails unless every state-changing public method of {@code beanType} carries {@link OrderLock} (directly, as a
	 * meta-annotation such as {@code @PayLock}, or on the interface method it implements). State-changing are: every
	 * public method that is {@code @Transactional} (Spring's or {@code jakarta.transaction}'s, on the method or its
	 * class), except Spring's {@code readOnly = true}; and every public method whose name matches one of
	 * {@code methodNames} ({@code "pay"}, or simple patterns such as {@code "cancel*"}). A proxy class is resolved to
	 * the user class. Methods of {@code Object} are never counted.
	 * @throws AssertionError listing every unguarded method and why it counts, or naming a pattern that matches no
	 * public method (a typo would otherwise check nothing)
	 * @throws IllegalArgumentException for a JDK proxy class, whose methods carry no annotations: pass the bean's
	 * class
	 */
	public static void assertStateChangingMethodsGuarded(Class<?> beanType, String... methodNames) {
		Objects.requireNonNull(beanType, "beanType must not be null");
		if (Proxy.isProxyClass(beanType)) {
			throw new IllegalArgumentException(beanType.getName() + " is a JDK proxy, whose methods carry no "
					+ "annotations: pass the class of the bean (e.g. OrderService.class)");
		}
		Class<?> type = ClassUtils.getUserClass(beanType);
		Set<String> unmatched = new LinkedHashSet<>(List.of(methodNames));
		List<String> unguarded = new ArrayList<>();
		int stateChanging = 0;
		for (Method method : ReflectionUtils.getUniqueDeclaredMethods(type, OrderLockAssertions::isCandidate)) {
			String reason = null;
			for (String pattern : methodNames) {
				if (PatternMatchUtils.simpleMatch(pattern, method.getName())) {
					unmatched.remove(pattern);
					reason = "its name matches '" + pattern + "'";
				}
			}
			if (reason == null && isTransactional(method)) {
				reason = "it is @Transactional";
			}
			if (reason == null) {
				continue;
			}
			stateChanging++;
			if (!MergedAnnotations.from(method, SearchStrategy.TYPE_HIERARCHY).isPresent(OrderLock.class)) {
				unguarded.add(MethodDescriptions.describe(method) + " (" + reason + ")");
			}
		}
		if (!unmatched.isEmpty()) {
			throw new AssertionError("No public method of " + type.getName() + " matches " + unmatched
					+ ": nothing was checked for " + (unmatched.size() == 1 ? "it" : "them") + " (a typo?)");
		}
		if (stateChanging == 0) {
			throw new AssertionError(type.getName() + " has no state-changing method (no public @Transactional one, "
					+ "and no method names were given): name the methods that change an order's state");
		}
		if (!unguarded.isEmpty()) {
			throw new AssertionError(unguarded.size() + " state-changing method" + (unguarded.size() == 1 ? "" : "s")
					+ " of " + type.getName() + " without @OrderLock, so two instances may run "
					+ (unguarded.size() == 1 ? "it" : "them") + " on the same order at once:\n  "
					+ String.join("\n  ", unguarded));
		}
	}

	private static boolean isCandidate(Method method) {
		return Modifier.isPublic(method.getModifiers()) && !Modifier.isStatic(method.getModifiers())
				&& !method.isBridge() && !method.isSynthetic() && method.getDeclaringClass() != Object.class;
	}

	/** As Spring resolves it: the method (or the interface method it implements), else its declaring class. */
	private static boolean isTransactional(Method method) {
		MergedAnnotations onMethod = MergedAnnotations.from(method, SearchStrategy.TYPE_HIERARCHY);
		MergedAnnotations onClass = MergedAnnotations.from(method.getDeclaringClass(), SearchStrategy.TYPE_HIERARCHY);
		for (MergedAnnotations annotations : List.of(onMethod, onClass)) {
			MergedAnnotation<?> spring = annotations.get(SPRING_TRANSACTIONAL);
			if (spring.isPresent()) {
				return !spring.getBoolean("readOnly");
			}
			if (annotations.isPresent(JAKARTA_TRANSACTIONAL)) {
				return true;
			}
		}
		return false;
	}

}
