package dev.orderlock.interceptor;

import java.lang.reflect.Method;
import java.time.Duration;
import java.util.Collection;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import dev.orderlock.LockRequest;
import dev.orderlock.OrderLock;
import dev.orderlock.OrderLockDefinitionException;
import dev.orderlock.OrderLockOptions;
import dev.orderlock.OrderLockTemplate;
import dev.orderlock.support.MethodDescriptions;
import org.jspecify.annotations.Nullable;

import org.springframework.aop.support.AopUtils;
import org.springframework.beans.factory.BeanFactory;
import org.springframework.beans.factory.BeanFactoryAware;
import org.springframework.beans.factory.config.ConfigurableBeanFactory;
import org.springframework.boot.convert.DurationStyle;
import org.springframework.context.expression.BeanFactoryResolver;
import org.springframework.core.MethodClassKey;
import org.springframework.core.annotation.AnnotatedElementUtils;
import org.springframework.util.StringUtils;

/**
 * Finds the {@link OrderLock} of a method (directly or through a meta-annotation, on the class or an interface) and
 * turns it into a {@link LockOperation} once per method and target class. Anything that cannot be parsed fails here,
 * at start-up, with an {@link OrderLockDefinitionException}.
 */
public final class LockOperationSource implements BeanFactoryAware {

	/** Cached for methods without {@code @OrderLock}, so the pointcut's answer is one map lookup. */
	private static final Object NONE = new Object();

	private final Map<MethodClassKey, Object> operations = new ConcurrentHashMap<>(1024);

	private @Nullable ConfigurableBeanFactory beanFactory;

	private final LockKeyEvaluator evaluator = new LockKeyEvaluator();

	public LockOperationSource() {
	}

	@Override
	public void setBeanFactory(BeanFactory beanFactory) {
		if (beanFactory instanceof ConfigurableBeanFactory configurable) {
			this.beanFactory = configurable;
		}
		this.evaluator.setBeanResolver(new BeanFactoryResolver(beanFactory));
	}

	/** The operation of {@code method} on {@code targetClass}, or {@code null} when it is not annotated. */
	@Nullable LockOperation getOperation(Method method, @Nullable Class<?> targetClass) {
		MethodClassKey cacheKey = new MethodClassKey(method, targetClass);
		Object cached = this.operations.get(cacheKey);
		if (cached == null) {
			LockOperation operation = build(method, targetClass);
			cached = (operation != null) ? operation : NONE;
			this.operations.putIfAbsent(cacheKey, cached);
		}
		return (cached != NONE) ? (LockOperation) cached : null;
	}

	/** The key or keys of one call; see {@link LockKeyEvaluator#resolveKeys}. */
	Object resolveKeys(LockOperation operation, @Nullable Object[] arguments, @Nullable Object target) {
		return this.evaluator.resolveKeys(operation, arguments, target);
	}

	/** The key of one call; see {@link LockKeyEvaluator#resolveKey}. */
	String resolveKey(LockOperation operation, @Nullable Object[] arguments, @Nullable Object target) {
		return this.evaluator.resolveKey(operation, arguments, target);
	}

	private @Nullable LockOperation build(Method method, @Nullable Class<?> targetClass) {
		Method specific = AopUtils.getMostSpecificMethod(method, targetClass);
		OrderLock annotation = AnnotatedElementUtils.findMergedAnnotation(specific, OrderLock.class);
		if (annotation == null && specific != method) {
			annotation = AnnotatedElementUtils.findMergedAnnotation(method, OrderLock.class);
		}
		if (annotation == null) {
			return null;
		}
		String keyText = annotation.key();
		if (!StringUtils.hasText(keyText)) {
			throw new OrderLockDefinitionException(specific, "has no key",
					"Set key to a SpEL expression naming the order, e.g. @OrderLock(key = \"#orderId\").", null);
		}
		KeyExpression key;
		try {
			key = this.evaluator.parse(keyText, specific, targetClass);
		}
		catch (RuntimeException ex) {
			throw new OrderLockDefinitionException(specific,
					"has a key expression that does not parse: '" + keyText + "' (" + ex.getMessage() + ")",
					"Fix the SpEL expression, e.g. \"#orderId\", \"#order.id\" or \"#p0\".", ex);
		}
		String unknown = key.unknownVariable(specific);
		if (unknown != null) {
			// Caught here, not on the first call: it would resolve to null on every call and the method never run.
			throw new OrderLockDefinitionException(specific, "has a key expression '" + keyText + "' that refers to #"
					+ unknown + ", which is none of its parameters; the method's are "
					+ key.describeVariables(specific),
					"Fix the name in the key expression, e.g. \"#orderId\", or refer to the argument by position "
							+ "(\"#p0\").", null);
		}
		Duration waitTime = parseDuration(specific, "waitTime", annotation.waitTime(), true);
		Duration leaseTime = parseDuration(specific, "leaseTime", annotation.leaseTime(), false);
		Duration maxHoldTime = parseDuration(specific, "maxHoldTime", annotation.maxHoldTime(), false);
		LockedReturn returns = LockedReturn.of(specific);
		if (returns == LockedReturn.SUSPEND && annotation.fenced()) {
			// The token is handed to the thread that invokes the method; a suspend function's body runs later, on
			// whichever thread resumes it, so it could never read the token.
			throw new OrderLockDefinitionException(specific, "is a fenced suspend function; the fencing token is handed "
					+ "to the thread that invokes the method, and a suspend function's body runs after that, where it "
					+ "cannot read it", "Remove fenced = true, or take the fenced lock in a blocking or Mono method "
							+ "that the suspend function calls (or use OrderLockTemplate with a LockRequest there).",
					null);
		}
		checkKind(specific, annotation, key, leaseTime);
		String description = MethodDescriptions.describe(specific);
		LockRequest request = LockRequest.of("").name(description).kind(annotation.kind()).waitTime(waitTime)
			.leaseTime(leaseTime).maxHoldTime(maxHoldTime).fenced(annotation.fenced());
		return new LockOperation(specific, description, keyText, key, request, returns);
	}


	/** Combinations that cannot work (the rules of {@link OrderLockOptions}); several orders known from the type. */
	private static void checkKind(Method method, OrderLock annotation, KeyExpression key,
			@Nullable Duration leaseTime) {
		Class<?> keyType = key.argumentType(method);
		boolean severalOrders = keyType != null && (Collection.class.isAssignableFrom(keyType) || keyType.isArray());
		OrderLockOptions.Conflict conflict = OrderLockOptions.conflict(annotation.kind(), annotation.fenced(),
				leaseTime != null, severalOrders);
		if (conflict != null) {
			String problem = severalOrders ? conflict.problem().replace("locks several orders",
					"locks several orders (its key is a " + keyType.getSimpleName() + ")") : conflict.problem();
			throw new OrderLockDefinitionException(method, problem, conflict.action(), null);
		}
	}

	private @Nullable Duration parseDuration(Method method, String attribute, String text, boolean zeroAllowed) {
		String resolved = (this.beanFactory != null) ? this.beanFactory.resolveEmbeddedValue(text) : text;
		if (!StringUtils.hasText(resolved)) {
			return null;
		}
		Duration duration;
		try {
			duration = DurationStyle.detectAndParse(resolved.trim());
		}
		catch (RuntimeException ex) {
			throw new OrderLockDefinitionException(method,
					"has " + attribute + " '" + text + "' that is not a duration (" + ex.getMessage() + ")",
					"Write it in Spring Boot's duration format, e.g. \"500ms\", \"3s\" or \"PT3S\".", ex);
		}
		if (duration.isNegative() || (!zeroAllowed && duration.isZero())) {
			throw new OrderLockDefinitionException(method,
					"has " + attribute + " '" + text + "', which must be " + (zeroAllowed ? "zero or more" : "positive"),
					"Use a " + (zeroAllowed ? "non-negative" : "positive") + " duration, or leave it empty for the "
							+ "default.", null);
		}
		return duration;
	}

}
